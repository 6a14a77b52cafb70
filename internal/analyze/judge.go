package analyze

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"customs/internal/finding"
	"customs/internal/rules"
)

// Package is what the judge knows about the package the hits come from.
type Package struct {
	Ecosystem string // pypi, npm, rubygems or "" when unknown
	// Built is true for built distributions and installed trees (wheels,
	// site-packages, npm tarballs with prebuilt binaries are not built):
	// native libraries are expected there.
	Built bool
	// CodeFiles and CodeBytes measure the package's own code (not tests,
	// docs or bundled copies); 0 files means unknown.
	CodeFiles int
	CodeBytes int64
}

// A tiny Python package (a handful of modules, a few hundred lines) is
// what most malicious uploads look like, and in one every module is the
// whole of what the package does: code there weighs as if it ran on
// import. Real libraries are larger, and a request or a spawned process
// deep inside one says little. npm is left out: micro-packages are normal
// there.
const (
	tinyFiles = 5
	tinyBytes = 30 << 10
)

func (p Package) tiny() bool {
	return p.Ecosystem == "pypi" && p.few()
}

// few reports a package of a handful of small files, in any ecosystem.
func (p Package) few() bool {
	return p.CodeFiles > 0 && p.CodeFiles <= tinyFiles && p.CodeBytes <= tinyBytes
}

// Weights of the score. A hit weighs its severity times its file's role;
// a package's score adds, per rule, its heaviest hit.
var (
	severityWeight = map[finding.Severity]float64{finding.Info: 0, finding.Low: 1, finding.Medium: 2.5, finding.High: 5, finding.Critical: 8}
	roleWeight     = [...]float64{RoleLow: 0.1, RoleCode: 0.6, RoleImport: 0.8, RoleInstall: 1}
)

// Verdict thresholds.
const (
	// Capabilities alone (network, processes, decoding) are what most
	// libraries do: their sum is capped so they can never make a verdict
	// on their own.
	capabilityCap = 3
	// A large library (more than largeFiles code files) does every
	// capability somewhere, so together they tell less than in a small
	// package: their cap is lower there.
	largeFiles         = 50
	largeCapabilityCap = 2
	// suspiciousScore flags a package for a human to look at.
	suspiciousScore = 3.5
	// maliciousScore and maliciousThreat: a malicious verdict needs real
	// threat weight (one strong threat where code runs on install or
	// import, or several elsewhere) and corroboration from a second rule.
	maliciousScore    = 4.5
	maliciousThreat   = 2.5
	maliciousHeaviest = 2.5 // a high threat in ordinary code, or a medium one at install time
	// overwhelmingScore: many medium threats together outweigh one high.
	overwhelmingScore = 9
)

// A combo is a behaviour no single line shows: two categories of
// capability or threat in the same file (or one category, when b is "",
// that is alarming in itself in that role). Its result counts as a
// threat.
type combo struct {
	id        string
	a, b      string // tags
	severity  finding.Severity
	minRole   Role
	ecosystem string // "" = every ecosystem
	message   string
}

var combos = []combo{
	{"combo-recon-network", "recon", "network", finding.High, RoleImport, "",
		"collects host or user identity and makes network requests in the same file: the shape of a beacon"},
	{"combo-host-import-network", "host", "import-network", finding.High, RoleImport, "",
		"reads the host name and sends requests when imported: the shape of an import-time beacon"},
	{"combo-recon-import-network", "recon", "import-network", finding.High, RoleImport, "",
		"reads the user's identity and sends requests when imported: the shape of an import-time beacon"},
	{"combo-credentials-network", "credentials", "network", finding.High, RoleImport, "",
		"reads credentials or secrets and makes network requests in the same file: the shape of a stealer"},
	{"combo-env-network", "env-dump", "network", finding.High, RoleImport, "",
		"serialises the whole environment and makes network requests in the same file"},
	{"combo-setup-download-run", "network", "process", finding.High, RoleInstall, "pypi",
		"setup.py downloads something and starts processes when the package is installed"},
	{"combo-setup-hook-network", "install-hook", "network", finding.High, RoleInstall, "pypi",
		"setup.py overrides the install command and makes network requests"},
	{"combo-setup-hook-recon", "install-hook", "recon", finding.High, RoleInstall, "pypi",
		"setup.py overrides the install command and collects the user's identity or host name: the shape of a dependency-confusion probe"},
	{"combo-setup-hook-decode", "install-hook", "decode", finding.Medium, RoleInstall, "pypi",
		"setup.py overrides the install command and decodes hidden strings"},
	{"import-time-beacon", "import-network", "", finding.High, RoleImport, "pypi",
		"a package's __init__ makes network requests as soon as it is imported; libraries connect when asked to"},
	{"setup-opens-browser", "browser-open", "", finding.Medium, RoleInstall, "pypi",
		"opens a web page when the package is installed; installing a package never needs a browser"},
	{"setup-runs-programs", "import-process", "", finding.Medium, RoleInstall, "pypi",
		"setup.py starts other programs when the package is installed"},
	{"setup-uses-network", "import-network", "", finding.High, RoleInstall, "pypi",
		"setup.py makes network requests when the package is installed"},
	{"combo-setup-hook-process", "install-hook", "process", finding.High, RoleInstall, "pypi",
		"setup.py overrides the install command to start other programs"},
	{"combo-exfil-network", "exfil", "network", finding.High, RoleCode, "",
		"sends network requests and names a webhook, bot or request-catcher endpoint in the same file: the shape of exfiltration"},
	{"combo-fetch-executable-run", "download", "process", finding.High, RoleCode, "",
		"refers to a downloadable executable and starts processes in the same file: the shape of a dropper"},
	{"combo-download-run", "network", "process", finding.Low, RoleInstall, "",
		"install-time code downloads something and starts processes"},
	{"combo-obfuscated-exec", "obfuscation", "dynamic-exec", finding.High, RoleCode, "",
		"obfuscated code that also executes code dynamically"},
	{"combo-decode-exec", "decode", "dynamic-exec", finding.Medium, RoleImport, "",
		"decodes data and executes code dynamically in the same file"},
	{"combo-import-drop-run", "drop", "process", finding.High, RoleImport, "",
		"writes an executable to disk and starts processes where code runs on import or install: the shape of a dropper"},
	{"combo-import-c2", "c2", "network", finding.High, RoleImport, "",
		"makes network requests to a hard-coded IP address where code runs on import or install"},
	{"combo-call-raw-ip", "c2", "hardcoded-endpoint", finding.High, RoleCode, "",
		"sends requests to a hard-coded URL and names a hard-coded IP address in the same file: the shape of a call home"},
	{"combo-c2-network", "c2", "network", finding.Medium, RoleCode, "",
		"makes network requests and names a hard-coded IP address in the same file"},
	{"combo-import-download-run", "import-network", "import-process", finding.High, RoleImport, "",
		"downloads and starts programs as soon as the package is imported"},
	{"combo-import-fetch-exec", "network", "dynamic-exec", finding.High, RoleImport, "pypi",
		"makes network requests and executes dynamic code where it runs on import or install: the shape of a remote loader"},
	{"combo-setup-recon-process", "recon", "process", finding.High, RoleInstall, "",
		"collects the user's identity and starts programs at install time: the shape of a beacon"},
	{"obfuscated-setup", "obfuscation", "", finding.High, RoleInstall, "pypi",
		"setup.py is obfuscated; legitimate setup scripts have nothing to hide"},
	{"obfuscated-import", "obfuscation", "", finding.Medium, RoleImport, "pypi",
		"code that runs on import is obfuscated"},
	{"setup-wallet-address", "wallet", "", finding.High, RoleInstall, "pypi",
		"setup.py holds cryptocurrency wallet addresses; building a package never needs one"},
	{"setup-wallet-pattern", "wallet-pattern", "", finding.High, RoleInstall, "pypi",
		"setup.py looks for cryptocurrency wallet addresses; building a package never needs to"},
	{"combo-tempfile-process", "drop", "process", finding.Medium, RoleCode, "",
		"writes a file to a temporary or startup location and starts processes in the same file"},
	{"combo-keylog-network", "keylog", "network", finding.High, RoleCode, "",
		"records keystrokes and sends data over the network in the same file: the shape of a keylogger"},
	{"combo-clipboard-wallet", "clipboard", "wallet", finding.High, RoleCode, "",
		"reads the clipboard and holds cryptocurrency addresses: the shape of a clipper that swaps them"},
	{"combo-clipboard-address-pattern", "clipboard", "wallet-pattern", finding.High, RoleCode, "",
		"watches the clipboard for cryptocurrency addresses: the shape of a clipper that swaps them"},
	{"combo-hook-wallet", "hook", "wallet", finding.High, RoleCode, "",
		"hooks browser network or wallet calls and holds wallet addresses: the shape of a drainer"},
	{"combo-hook-transaction", "hook", "wallet-rpc", finding.High, RoleCode, "",
		"hooks browser network or wallet calls and inspects transactions: the shape of a drainer"},
	{"combo-token-propagation", "credentials", "propagation", finding.High, RoleCode, "",
		"reads registry or GitHub credentials and publishes packages or writes workflows: the shape of a worm"},
}

// smallCombos apply only in tiny packages (Package.tiny): in a large
// library the same pair in one module is common.
var smallCombos = []combo{
	{"combo-small-network-process", "network", "process", finding.Medium, RoleImport, "pypi",
		"a small package that makes network requests and starts programs in the same module: the shape of a downloader or remote shell"},
	{"combo-small-hardcoded-request", "hardcoded-endpoint", "network", finding.Medium, RoleImport, "pypi",
		"a small package that sends requests to a hard-coded URL: the shape of a beacon or a downloader"},
	// Packages that need a custom install step (compilers, data
	// downloads, kernel registration) are not a handful of modules; a
	// tiny one overriding install is what dependency-confusion probes and
	// their placeholders look like.
	{"combo-small-install-hook", "install-hook", "", finding.Medium, RoleImport, "pypi",
		"a small package whose setup.py overrides the install command: the shape of a dependency-confusion probe"},
}

var comboRules = func() map[string]*rules.Rule {
	m := map[string]*rules.Rule{}
	for _, c := range slices.Concat(combos, smallCombos) {
		m[c.id] = &rules.Rule{ID: c.id, Version: 1, Description: c.message, Message: c.message, Severity: c.severity, Class: rules.Threat, Tags: []string{"combination"}}
	}
	return m
}()

// Judge combines the hits of one package into a verdict, a score and the
// findings to show (heaviest first, one per rule and file).
func Judge(hits []Hit, pkg Package) (finding.Verdict, float64, []finding.Finding) {
	hits = relevant(hits, pkg)
	if pkg.tiny() {
		hits = promote(hits)
	}
	hits = append(hits, combinations(hits, pkg)...)

	perRule := map[string]weighted{}
	inCombo := map[*rules.Rule]bool{}
	for _, h := range hits {
		for _, r := range h.Parts {
			inCombo[r] = true
		}
		w := weight(h)
		if b, ok := perRule[h.Rule.ID]; !ok || w > b.w {
			perRule[h.Rule.ID] = weighted{w, h}
		}
	}
	var threat, heaviest, capability, obfuscation float64
	// strong: rules carrying real weight; apart: of them, those that are
	// not a part of a combination also counted (low capabilities such as
	// "starts programs" aside); independent: threats and obfuscation
	// among those.
	strong, apart, independent := 0, 0, 0
	for _, b := range perRule {
		switch b.hit.Rule.Class {
		case rules.Threat:
			threat += b.w
			heaviest = max(heaviest, b.w)
		case rules.Obfuscation:
			obfuscation += b.w
		default:
			capability += b.w
		}
		if b.w >= 0.75 {
			strong++
			if !inCombo[b.hit.Rule] {
				if b.hit.Rule.Class != rules.Capability {
					independent++
				}
				if b.hit.Rule.Class != rules.Capability || b.hit.Rule.Severity >= finding.Medium {
					apart++
				}
			}
		}
	}
	// A second signal corroborates a threat: in a package of a few small
	// files any weighty hit; in a larger one a hit outside the combination
	// that made the threat (its own parts say nothing new); in a large
	// library, which has every capability somewhere and many pairs of them
	// in one module, a second threat. A large library's capabilities also
	// count for less, and it takes as much weight to be flagged as to be
	// called malicious: scattered weak evidence adds up too easily there.
	capCap, suspiciousAt, corroborated := float64(capabilityCap), float64(suspiciousScore), strong >= 2
	switch {
	case pkg.CodeFiles > largeFiles:
		capCap, suspiciousAt, corroborated = largeCapabilityCap, maliciousScore, independent >= 2
	case pkg.CodeFiles > 0 && !pkg.few():
		corroborated = apart >= 2
	}
	score := threat + min(capability, capCap) + min(obfuscation, 2*capabilityCap)
	verdict := finding.Clean
	switch {
	case score >= maliciousScore && threat >= maliciousThreat && corroborated && (heaviest >= maliciousHeaviest || score >= overwhelmingScore):
		verdict = finding.Malicious
	case score >= suspiciousAt && (heaviest >= 1 || obfuscation >= 1):
		verdict = finding.Suspicious
	}
	return verdict, round(score), findings(hits)
}

type weighted struct {
	w   float64
	hit Hit
}

func weight(h Hit) float64 { return severityWeight[h.Rule.Severity] * roleWeight[h.Role] }

func round(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

// relevant drops hits of rules not meant for the package's ecosystem and
// executables that are expected where they are (native libraries in
// built packages and installed trees).
func relevant(hits []Hit, pkg Package) []Hit {
	out := hits[:0:0]
	for _, h := range hits {
		if !h.Rule.AppliesTo(pkg.Ecosystem) {
			continue
		}
		if h.Rule.Detector == "embedded-binary" && !h.Decoded && expectedBinary(h, pkg) {
			continue
		}
		out = append(out, h)
	}
	return out
}

// promote weighs the ordinary code of a tiny package as import-time code
// (see Package.tiny).
func promote(hits []Hit) []Hit {
	out := make([]Hit, len(hits))
	for i, h := range hits {
		if h.Role == RoleCode {
			h.Role, h.Small = RoleImport, true
		}
		out[i] = h
	}
	return out
}

// expectedBinary: built packages (wheels, installed trees, gems) ship
// compiled libraries and programs, and npm packages ship prebuilt native
// addons; a Windows program in a built Python package, or anything native
// in a source distribution, is not expected.
func expectedBinary(h Hit, pkg Package) bool {
	if isNativeLibraryName(h.File) {
		return pkg.Built || pkg.Ecosystem == "npm" || pkg.Ecosystem == "rubygems"
	}
	return pkg.Built && !strings.HasPrefix(h.Evidence, fmtPE)
}

// combinations adds a synthetic threat hit for each combo whose two tags
// both occur in one file at or above the combo's role.
func combinations(hits []Hit, pkg Package) []Hit {
	type key struct {
		file string
		tag  string
	}
	// The first hits of each tag in each file, one per rule: a combo needs
	// two different rules, not one rule carrying both tags.
	seen := map[key][]Hit{}
	files := map[string]Role{}
	small := map[string]bool{}
	for _, h := range hits {
		if h.Role == RoleLow {
			continue
		}
		files[h.File] = max(files[h.File], h.Role)
		small[h.File] = small[h.File] || h.Small
		for _, t := range h.Rule.Tags {
			k := key{h.File, t}
			if l := seen[k]; len(l) < 4 && !slices.ContainsFunc(l, func(o Hit) bool { return o.Rule == h.Rule }) {
				seen[k] = append(l, h)
			}
		}
	}
	list := combos
	if pkg.tiny() {
		list = slices.Concat(combos, smallCombos)
	}
	var out []Hit
	for file, role := range files {
		for _, c := range list {
			if role < c.minRole || c.ecosystem != "" && c.ecosystem != pkg.Ecosystem {
				continue
			}
			as := seen[key{file, c.a}]
			if len(as) == 0 {
				continue
			}
			if c.b == "" {
				out = append(out, Hit{Rule: comboRules[c.id], File: file, Line: as[0].Line, Role: role, Small: small[file], Evidence: as[0].Evidence,
					Parts: []*rules.Rule{as[0].Rule}})
				continue
			}
		pairs:
			for _, a := range as {
				for _, b := range seen[key{file, c.b}] {
					if a.Rule != b.Rule {
						out = append(out, Hit{Rule: comboRules[c.id], File: file, Line: min(a.Line, b.Line), Role: role, Small: small[file],
							Evidence: a.Rule.ID + " + " + b.Rule.ID, Parts: []*rules.Rule{a.Rule, b.Rule}})
						break pairs
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].File < out[j].File || out[i].File == out[j].File && out[i].Rule.ID < out[j].Rule.ID
	})
	return out
}

// findings turns hits into findings: one per rule and file (its heaviest
// hit), heaviest first, then by file and line.
func findings(hits []Hit) []finding.Finding {
	type key struct{ rule, file string }
	best := map[key]weighted{}
	for _, h := range hits {
		k := key{h.Rule.ID, h.File}
		w := weight(h)
		if b, ok := best[k]; !ok || w > b.w || w == b.w && h.Line < b.hit.Line {
			best[k] = weighted{w, h}
		}
	}
	list := make([]weighted, 0, len(best))
	for _, b := range best {
		list = append(list, b)
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.w != b.w {
			return a.w > b.w
		}
		if a.hit.File != b.hit.File {
			return a.hit.File < b.hit.File
		}
		if a.hit.Line != b.hit.Line {
			return a.hit.Line < b.hit.Line
		}
		return a.hit.Rule.ID < b.hit.Rule.ID
	})
	out := make([]finding.Finding, len(list))
	for i, b := range list {
		out[i] = finding.Finding{
			Rule:     b.hit.Rule.ID,
			Severity: b.hit.Rule.Severity,
			File:     b.hit.File,
			Line:     b.hit.Line,
			Message:  message(b.hit),
			Evidence: b.hit.Evidence,
		}
	}
	return out
}

// message says what a hit means, where it runs and whether it was hidden.
func message(h Hit) string {
	var b strings.Builder
	b.WriteString(h.Rule.Message)
	if h.Decoded {
		b.WriteString(" (in a decoded payload)")
	}
	switch {
	case h.Small:
		b.WriteString(" [small package: weighed as import-time code]")
	case h.Role != RoleCode:
		fmt.Fprintf(&b, " [%s]", h.Role)
	}
	return b.String()
}
