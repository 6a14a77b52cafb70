// Package policy reads .customs.yaml, the project's policy file that every
// customs command obeys. Decoding is strict: an unknown key, a wrong type
// or a bad value is an error naming the file and the line.
//
// The schema, in one place (see testdata/full.customs.yaml):
//
//	internal:            # the company's own package names, per ecosystem
//	  pypi: [acme-*, acme_tools]     # exact names or globs (* and ?)
//	  npm: ["@acme/*", acme-ui]
//	  rubygems: [acme_*]
//	allow:               # names never flagged as typosquats, per ecosystem
//	  npm: [loadsh-helpers]
//	names_data:          # extra name lists (see customs names --names-data)
//	  rubygems: data/rubygems-popularity.csv   # relative to the policy file
//	cooldown: 72h        # releases younger than this are held (Go duration, or Nd)
//	fail_on: suspicious  # exit 1 from this verdict on: suspicious | malicious
//	ignore:              # accepted findings; reason and expires are required
//	  - rule: names/typosquat
//	    package: colourama
//	    reason: our own fork, see TICKET-12
//	    expires: 2026-12-31
//
// Ecosystem keys are pypi, npm and rubygems.
package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"customs/internal/ecosystem"
)

// FileName is the policy file's name, looked up from a project directory
// upwards.
const FileName = ".customs.yaml"

// MaxSize bounds a policy file.
const MaxSize = 1 << 20

// Policy is the decoded .customs.yaml. Every command reads this one struct;
// add new keys here (and to the schema above).
type Policy struct {
	Internal  map[string][]string `yaml:"internal"`
	Allow     map[string][]string `yaml:"allow"`
	NamesData map[string]string   `yaml:"names_data"`
	Cooldown  Duration            `yaml:"cooldown"`
	FailOn    string              `yaml:"fail_on"`
	Ignore    []Ignore            `yaml:"ignore"`

	// Path is the file the policy was read from ("" for the default).
	Path string `yaml:"-"`
}

// Ignore accepts a finding until a date.
type Ignore struct {
	Rule    string `yaml:"rule"`
	Package string `yaml:"package"`
	Reason  string `yaml:"reason"`
	Expires Date   `yaml:"expires"`
}

// Duration is a time.Duration written as Go does ("72h") or in days ("3d").
type Duration struct{ time.Duration }

func (d *Duration) UnmarshalYAML(b []byte) error {
	var s string
	if err := yaml.Unmarshal(b, &s); err != nil {
		return err
	}
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || n < 0 || n > 3650 {
			return fmt.Errorf("bad duration %q: want e.g. 72h or 3d", s)
		}
		d.Duration = time.Duration(n * float64(24*time.Hour))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("bad duration %q: want e.g. 72h or 3d", s)
	}
	d.Duration = v
	return nil
}

// Date is a calendar day, YYYY-MM-DD.
type Date struct{ time.Time }

func (d *Date) UnmarshalYAML(b []byte) error {
	var s string
	if err := yaml.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("bad date %q: want YYYY-MM-DD", s)
	}
	d.Time = t
	return nil
}

// Load reads and checks a policy file.
func Load(file string) (*Policy, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxSize+1)); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if buf.Len() > MaxSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, MaxSize)
	}
	return Parse(buf.Bytes(), file)
}

// Parse decodes policy text; name is used in error messages and to
// resolve relative paths.
func Parse(data []byte, name string) (_ *Policy, err error) {
	p := &Policy{Path: name}
	if len(bytes.TrimSpace(data)) == 0 {
		return p, nil
	}
	// go-yaml v1.19.2 panics on some malformed tagged nodes (found by
	// FuzzParse, seed kept in testdata/fuzz): a bad file is an error, not
	// a crash.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: malformed YAML (the decoder failed: %v)", name, r)
		}
	}()
	if err := yaml.UnmarshalWithOptions(data, p, yaml.Strict()); err != nil {
		return nil, located(name, err)
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// located turns a YAML error into "file:line: message".
func located(name string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			return fmt.Errorf("%s:%d: %s", name, tk.Position.Line, ye.GetMessage())
		}
		return fmt.Errorf("%s: %s", name, ye.GetMessage())
	}
	return fmt.Errorf("%s: %w", name, err)
}

func (p *Policy) check() error {
	var errs []error
	for key, m := range map[string]map[string][]string{"internal": p.Internal, "allow": p.Allow} {
		for eco, list := range m {
			if !knownEcosystem(eco) {
				errs = append(errs, fmt.Errorf("%s: unknown ecosystem %q (want %s)", key, eco, ecosystemKeys))
			}
			for _, pat := range list {
				if strings.TrimSpace(pat) == "" {
					errs = append(errs, fmt.Errorf("%s.%s: empty name", key, eco))
				} else if _, err := path.Match(pat, ""); err != nil {
					errs = append(errs, fmt.Errorf("%s.%s: bad pattern %q: %v", key, eco, pat, err))
				}
			}
		}
	}
	for eco, file := range p.NamesData {
		if !knownEcosystem(eco) {
			errs = append(errs, fmt.Errorf("names_data: unknown ecosystem %q (want %s)", eco, ecosystemKeys))
		}
		if strings.TrimSpace(file) == "" {
			errs = append(errs, fmt.Errorf("names_data.%s: empty path", eco))
		}
	}
	switch p.FailOn {
	case "", "suspicious", "malicious":
	default:
		errs = append(errs, fmt.Errorf("fail_on: %q is not suspicious or malicious", p.FailOn))
	}
	for i, ig := range p.Ignore {
		switch {
		case ig.Rule == "" && ig.Package == "":
			errs = append(errs, fmt.Errorf("ignore[%d]: needs a rule or a package", i))
		case strings.TrimSpace(ig.Reason) == "":
			errs = append(errs, fmt.Errorf("ignore[%d]: reason is required", i))
		case ig.Expires.IsZero():
			errs = append(errs, fmt.Errorf("ignore[%d]: expires (YYYY-MM-DD) is required", i))
		}
	}
	return errors.Join(errs...)
}

// knownEcosystem reports whether eco is a key accepted under internal,
// allow and names_data: an ecosystem in its exact lower-case spelling.
func knownEcosystem(eco string) bool { return slices.Contains(ecosystem.All, ecosystem.Ecosystem(eco)) }

// ecosystemKeys lists the accepted keys for error messages.
var ecosystemKeys = func() string {
	keys := make([]string, len(ecosystem.All))
	for i, e := range ecosystem.All {
		keys[i] = string(e)
	}
	return strings.Join(keys, ", ")
}()

// Find looks for FileName in dir and its parents; "" when there is none.
func Find(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, FileName)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// IsInternal reports whether name matches one of the internal patterns of
// eco, and which. Matching folds case.
func (p *Policy) IsInternal(eco, name string) (string, bool) {
	return Match(p.Internal[eco], name)
}

// IsAllowed reports whether name is on the allow-list of eco.
func (p *Policy) IsAllowed(eco, name string) bool {
	_, ok := Match(p.Allow[eco], name)
	return ok
}

// Match returns the first of patterns (exact names or globs with * and ?,
// case folded) that name matches.
func Match(patterns []string, name string) (string, bool) {
	lname := strings.ToLower(name)
	for _, pat := range patterns {
		if ok, _ := path.Match(strings.ToLower(pat), lname); ok {
			return pat, true
		}
	}
	return "", false
}

// NamesDataPath resolves a names_data entry against the policy file's
// directory.
func (p *Policy) NamesDataPath(eco string) string {
	f := p.NamesData[eco]
	if f == "" || filepath.IsAbs(f) || p.Path == "" {
		return f
	}
	return filepath.Join(filepath.Dir(p.Path), f)
}

// Ignored reports whether a finding of rule on pkg is accepted at now. An
// expired ignore no longer applies, and the note says so.
func (p *Policy) Ignored(rule, pkg string, now time.Time) (ok bool, note string) {
	for _, ig := range p.Ignore {
		if (ig.Rule != "" && ig.Rule != rule) || (ig.Package != "" && !strings.EqualFold(ig.Package, pkg)) {
			continue
		}
		if !now.Before(ig.Expires.AddDate(0, 0, 1)) {
			note = fmt.Sprintf("ignore for %s %s expired on %s (%s); it no longer applies", ig.Rule, ig.Package, ig.Expires.Format(time.DateOnly), ig.Reason)
			continue
		}
		return true, "ignored until " + ig.Expires.Format(time.DateOnly) + ": " + ig.Reason
	}
	return false, note
}
