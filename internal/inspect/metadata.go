package inspect

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"customs/internal/analyze"
	"customs/internal/ecosystem"
	"customs/internal/finding"
	"customs/internal/names"
	"customs/internal/pkgmeta"
	"customs/internal/rules"
)

// Rules judged from what a package says about itself rather than from a
// file's text, so they live here rather than in the YAML rules. A
// package's declared dependencies are part of what installing it does: a
// trojanised copy of an SDK can be clean code that pulls in a
// typosquatted "core" package, and stealer kits list standard-library
// modules as requirements. And a package that calls itself a placeholder
// or a dependency-confusion test is not the library its name promises.
var (
	researcherRule = metadataRule("bug-bounty-author", finding.High, "placeholder",
		"the package's author or maintainer address is a bug-bounty platform's researcher alias (HackerOne, Bugcrowd, Intigriti, YesWeHack): such packages are dependency-confusion probes that usually report the installing host home",
		"is published from a bug-bounty researcher's alias: a dependency-confusion probe, not the library its name suggests; if you expected an internal package, your installer is resolving it from the public registry")
	placeholderRule = metadataRule("placeholder-package", finding.High, "placeholder",
		"the package's own one-line description calls it a dummy or placeholder package, a name reservation, a dependency-confusion test or security research: name-claiming and dependency-confusion probes describe themselves so, and they are not the code their name promises",
		"describes itself as a placeholder or dependency-confusion test, not the library its name suggests; if you expected an internal package, your installer is resolving it from the public registry")
	dependencySquatRule = metadataRule("dependency-typosquat", finding.High, "dependency",
		"a declared dependency whose name imitates a far more popular package (the names check: a sure match, or a name the index does not hold), the way trojanised copies pull in their payload",
		"depends on a package whose name imitates a popular one")
	dependencyStdlibRule = metadataRule("dependency-stdlib-module", finding.Medium, "dependency",
		"a PyPI requirement named after a standard-library module that has no real backport (shutil, sqlite3, subprocess...): copied from stealer kits, and whatever answers to that name on an index is not the module",
		"declares a standard-library module as a dependency, which no real package needs")
)

// metadataRule is a threat rule judged from metadata: it has no pattern
// and no cases of its own (the tests in this package exercise it).
func metadataRule(id string, severity finding.Severity, tag, description, message string) *rules.Rule {
	return &rules.Rule{ID: id, Version: 1, Severity: severity, Class: rules.Threat, Tags: []string{tag}, Description: description, Message: message}
}

// researcherAlias matches the e-mail domains bug-bounty platforms give
// researchers (HackerOne, Bugcrowd, Intigriti, YesWeHack): a package
// published under one is a dependency-confusion probe aimed at some
// company's internal names, not a library.
var researcherAlias = regexp.MustCompile(`(?i)@(?:wearehackerone\.com|bugcrowdninja\.com|intigriti\.me|yeswehack\.ninja)\b`)

// placeholderSummary matches the self-descriptions of name reservations
// and dependency-confusion research packages. Only the one-line summary is
// read: READMEs use these words for other things ("placeholder text").
var placeholderSummary = regexp.MustCompile(`(?i)\b(?:dependency[- ]confusion|do not install|security research|bug ?bounty|hackerone|bugcrowd|dummy (?:\S+ )?package|name[- ]reservation|reserv(?:e|ed|ing) (?:this|the) (?:package )?name|placeholder (?:package|project|for)|(?:package|name|security) placeholder)\b`)

// metadataHits judges what the package says about itself: its summary and
// the dependencies it declares. metaFile is the text of the metadata file,
// to point at the line of each finding.
func metadataHits(m pkgmeta.Meta, metaFile []byte) []analyze.Hit {
	hits := dependencyHits(m, metaFile)
	if placeholderSummary.MatchString(m.Summary) {
		hits = append(hits, analyze.Hit{Rule: placeholderRule, File: m.Source, Line: lineOf(metaFile, m.Summary),
			Role: analyze.RoleInstall, Evidence: finding.Snippet([]byte(m.Summary))})
	}
	for _, a := range m.Authors {
		if researcherAlias.MatchString(a) {
			hits = append(hits, analyze.Hit{Rule: researcherRule, File: m.Source, Line: lineOf(metaFile, a),
				Role: analyze.RoleInstall, Evidence: finding.Snippet([]byte(a))})
			break
		}
	}
	return hits
}

// stdlibOnly are standard-library modules no genuine PyPI distribution of
// the same name backports (asyncio, argparse, typing, pathlib, ssl, uuid
// and the like had real backports and are left out).
var stdlibOnly = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`os sys re json time random math shutil zipfile tarfile tempfile
		subprocess socket sqlite3 threading getpass ctypes platform base64 webbrowser urllib datetime
		string glob io itertools collections functools pickle struct signal winreg _winreg msvcrt
		codecs copy csv traceback queue builtins marshal zlib locale ntpath posixpath stat pprint
		textwrap os-path http-client urllib-request`) {
		stdlibOnly[n] = true
	}
}

// nameChecker judges dependency names with the embedded popularity lists
// only: inspect's verdict must not depend on a user's cache.
var nameChecker = sync.OnceValue(func() *names.Checker { return names.NewChecker(names.Config{}) })

// dependencyHits judges the dependencies a PyPI package always installs
// (extras are opt-in, and their metadata is where packaging mistakes
// such as a "sys-platform" requirement turn up). Only PyPI: its name list
// is complete, so an unknown name one letter from a popular one means
// something; the npm and RubyGems lists are partial, and there a real but
// unlisted dependency (mini_portile next to mini_portile2) would be
// flagged. metaFile is the text of the metadata file, to point at the
// line naming each dependency.
func dependencyHits(m pkgmeta.Meta, metaFile []byte) []analyze.Hit {
	if m.Ecosystem != pkgmeta.PyPI {
		return nil
	}
	var hits []analyze.Hit
	own := ecosystem.NormalizeName(m.Ecosystem, m.Name)
	seen := map[string]bool{}
	for _, d := range m.Dependencies {
		if d.Kind != "prod" {
			continue
		}
		name := ecosystem.NormalizeName(m.Ecosystem, d.Name)
		if name == own || seen[name] {
			continue
		}
		seen[name] = true
		hit := analyze.Hit{File: m.Source, Line: lineOf(metaFile, d.Name), Role: analyze.RoleInstall, Evidence: finding.Snippet([]byte(strings.TrimSpace(d.Name + " " + d.Spec)))}
		if stdlibOnly[name] {
			hit.Rule = dependencyStdlibRule
			hits = append(hits, hit)
			continue
		}
		// The maintainers chose their dependencies: a look-alike name counts
		// when the names check is sure, or when the name is not on the
		// index at all (removed, as malware is, or never there).
		res := nameChecker().Check(m.Ecosystem, d.Name)
		if res.Typosquat == nil || res.Verdict != finding.Malicious && res.Popularity.Listed {
			continue
		}
		hit.Rule = dependencySquatRule
		hit.Evidence = finding.Snippet(fmt.Appendf(nil, "%s looks like %s (%s)", d.Name, res.Typosquat.Target, res.Typosquat.Technique))
		hits = append(hits, hit)
	}
	return hits
}

// lineOf is the 1-based line of the first occurrence of name in data, or 0.
func lineOf(data []byte, name string) int {
	i := bytes.Index(data, []byte(name))
	if i < 0 {
		return 0
	}
	return bytes.Count(data[:i], []byte("\n")) + 1
}
