package scan

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"customs/internal/advisory"
	"customs/internal/archive"
	"customs/internal/atomicfile"
	"customs/internal/finding"
	"customs/internal/inspect"
	"customs/internal/registry"
	"customs/internal/report"
)

// maxArtifact bounds one downloaded package archive.
const maxArtifact = 256 << 20

// deepCacheVersion changes when what a cached verdict means changes.
const deepCacheVersion = "1"

// verdictEntry is a cached --deep result, keyed by the artifact's content
// digest (and by the lockfile's integrity string, which names the same
// content, so a warm scan needs no download at all).
type verdictEntry struct {
	SHA256   string            `json:"sha256"`
	Verdict  finding.Verdict   `json:"verdict"`
	Findings []finding.Finding `json:"findings"`
	Error    string            `json:"error,omitempty"`
}

func (c *checker) verdictPath(key string) string {
	sum := sha256.Sum256([]byte(deepCacheVersion + "\x00" + report.ToolVersion() + "\x00" + key))
	return filepath.Join(c.opts.CacheDir, "deep", hex.EncodeToString(sum[:16])+".json")
}

func (c *checker) cachedVerdict(key string) (*verdictEntry, bool) {
	if c.opts.CacheDir == "" || key == "" {
		return nil, false
	}
	b, err := os.ReadFile(c.verdictPath(key))
	if err != nil {
		return nil, false
	}
	var e verdictEntry
	if json.Unmarshal(b, &e) != nil || e.Verdict == "" {
		return nil, false
	}
	return &e, true
}

func (c *checker) storeVerdict(e *verdictEntry, keys ...string) {
	if c.opts.CacheDir == "" {
		return
	}
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	for _, k := range keys {
		if k != "" {
			_ = atomicfile.Write(c.verdictPath(k), b) // a cache miss next time is the only cost
		}
	}
}

// deep downloads the locked artifact, checks it against the lockfile's
// integrity hash, inspects it, and caches the verdict by content digest.
func (c *checker) deep(ctx context.Context, eco advisory.Ecosystem, p *pending) []signal {
	integrity := p.dep.Integrity
	if e, ok := c.cachedVerdict(integrity); ok {
		return c.deepSignals(p, e, nil)
	}
	file, err := c.artifactFor(ctx, eco, p)
	if err != nil {
		return c.notInspected(p, err)
	}
	if integrity == "" {
		integrity = file.Integrity // the registry's own digest
		if e, ok := c.cachedVerdict(integrity); ok {
			return c.deepSignals(p, e, nil)
		}
	}
	if c.opts.Registry == nil {
		return c.notInspected(p, errors.New("offline, and no cached verdict for this artifact"))
	}
	data, err := c.opts.Registry.Download(ctx, file.URL, maxArtifact)
	if err != nil {
		return c.notInspected(p, err)
	}
	var extra []signal
	if want := integrity; want != "" {
		if ok, err := verifyIntegrity(data, want); err == nil && !ok {
			extra = append(extra, signal{verdict: finding.Suspicious, Finding: finding.Finding{
				Rule: RuleIntegrityMismatch, Severity: finding.High,
				Message: fmt.Sprintf("the archive downloaded for %s %s does not match the hash recorded in %s (%s): it is not the artifact that was locked",
					p.Name, p.Version, p.File, finding.Snippet([]byte(want))),
				Fix: "do not install it; find out whether the registry, a proxy or the lockfile was tampered with",
			}})
		}
	}
	sum := sha256.Sum256(data)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	if e, ok := c.cachedVerdict(digest); ok {
		if len(extra) == 0 {
			c.storeVerdict(e, integrity)
		}
		return c.deepSignals(p, e, extra)
	}
	e := c.inspectArtifact(ctx, eco, file, data, sum)
	e.SHA256 = hex.EncodeToString(sum[:])
	keys := []string{digest}
	if len(extra) == 0 {
		keys = append(keys, integrity) // only a verified integrity may name this verdict
	}
	if e.Error == "" || len(e.Findings) > 0 {
		c.storeVerdict(e, keys...) // "could not read it" is not a verdict to keep
	}
	return c.deepSignals(p, e, extra)
}

// artifactFor picks the file to download: the lockfile's resolved URL, or
// the registry's file for this version (PyPI: the sdist, whose setup code
// runs at install, else the first wheel; or the one whose hash is locked).
func (c *checker) artifactFor(ctx context.Context, eco advisory.Ecosystem, p *pending) (registry.File, error) {
	if r := p.dep.Resolved; strings.HasPrefix(r, "https://") || strings.HasPrefix(r, "http://") {
		return registry.File{URL: r, Name: path.Base(strings.SplitN(r, "?", 2)[0])}, nil
	}
	if c.opts.Registry == nil {
		return registry.File{}, errors.New("offline, and the lockfile records no download URL")
	}
	hist, err := c.history(ctx, eco, p.Name)
	if err != nil {
		return registry.File{}, err
	}
	v, ok := hist.Find(p.Version)
	if !ok || len(v.Files) == 0 {
		return registry.File{}, fmt.Errorf("the registry lists no file for %s %s", p.Name, p.Version)
	}
	if want := p.dep.Integrity; want != "" {
		for _, f := range v.Files {
			if sameDigest(f.Integrity, want) {
				return f, nil
			}
		}
	}
	for _, f := range v.Files {
		if !strings.HasSuffix(f.Name, ".whl") {
			return f, nil
		}
	}
	return v.Files[0], nil
}

// inspectArtifact runs the analyser on the downloaded bytes. The analyser
// reads paths, so the archive is kept in the artifact cache under its
// digest (it is never extracted) and inspected there.
func (c *checker) inspectArtifact(ctx context.Context, eco advisory.Ecosystem, file registry.File, data []byte, sum [32]byte) *verdictEntry {
	dir := c.opts.CacheDir
	if dir == "" {
		dir = os.TempDir()
	}
	name := hex.EncodeToString(sum[:]) + "-" + sanitizeFileName(file.Name)
	p := filepath.Join(dir, "artifacts", name)
	if _, err := os.Stat(p); err != nil {
		if err := atomicfile.Write(p, data); err != nil {
			return &verdictEntry{Verdict: finding.Clean, Error: "cannot keep the artifact for inspection: " + err.Error()}
		}
		if c.opts.CacheDir == "" {
			defer os.Remove(p)
		}
	}
	res := inspect.Target(ctx, p, inspect.Options{Limits: archive.DefaultLimits(), Ecosystem: eco.Ecosystem(), Jobs: 1})
	return &verdictEntry{Verdict: res.Verdict, Findings: res.Findings, Error: res.Error}
}

func sanitizeFileName(s string) string {
	s = path.Base(strings.ReplaceAll(s, "\\", "/"))
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 || b.Len() > 100 {
		return "artifact"
	}
	return b.String()
}

// deepSignals turns an inspection verdict into the package's signals. The
// analyser's findings point into the archive; they are moved to the
// lockfile line, with the inner path kept in the message.
func (c *checker) deepSignals(p *pending, e *verdictEntry, extra []signal) []signal {
	out := extra
	if e.Error != "" && len(e.Findings) == 0 {
		return append(out, c.notInspected(p, errors.New(e.Error))...)
	}
	for _, f := range e.Findings {
		where := f.File
		if f.Line > 0 {
			where = fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		if where != "" {
			f.Message = where + ": " + f.Message
		}
		f.File, f.Line = "", 0
		out = append(out, signal{Finding: f, verdict: e.Verdict})
	}
	return out
}

// notInspected counts a package --deep could not inspect; the scan ends
// with one note for all of them rather than a finding on each.
func (c *checker) notInspected(p *pending, err error) []signal {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deepSkipped++
	if c.firstDeepSkip == "" {
		c.firstDeepSkip = fmt.Sprintf("%s %s: %s", p.Name, p.Version, err)
	}
	return nil
}

// verifyIntegrity checks data against an integrity string: npm's SRI
// ("sha512-<base64>", several separated by spaces), or "algo:hex" /
// "algo=hex" as Python and Ruby lockfiles write them. As SRI prescribes,
// only the strongest algorithm listed counts (a weak sha1 cannot vouch for
// data whose sha512 differs). It fails with an error when no algorithm it
// knows is named.
func verifyIntegrity(data []byte, integrity string) (bool, error) {
	best := -1
	var wants [][]byte
	for _, tok := range strings.Fields(integrity) {
		algo, want, err := parseDigest(tok)
		if err != nil || newHash(algo) == nil {
			continue
		}
		rank := slices.Index(hashStrength, algo)
		if rank > best {
			best, wants = rank, nil
		}
		if rank == best {
			wants = append(wants, want)
		}
	}
	if best < 0 {
		return false, fmt.Errorf("no supported digest in %q", integrity)
	}
	h := newHash(hashStrength[best])
	h.Write(data)
	sum := h.Sum(nil)
	for _, w := range wants {
		if string(w) == string(sum) {
			return true, nil
		}
	}
	return false, nil
}

// hashStrength lists the supported digests, weakest first.
var hashStrength = []string{"sha1", "sha256", "sha384", "sha512"}

// parseDigest reads one digest token into its algorithm and raw bytes.
func parseDigest(tok string) (string, []byte, error) {
	if algo, b64, ok := strings.Cut(tok, "-"); ok && newHash(strings.ToLower(algo)) != nil {
		raw, err := base64.StdEncoding.DecodeString(strings.SplitN(b64, "?", 2)[0])
		return strings.ToLower(algo), raw, err
	}
	for _, sep := range []string{":", "="} {
		if algo, hx, ok := strings.Cut(tok, sep); ok {
			raw, err := hex.DecodeString(hx)
			return strings.ToLower(algo), raw, err
		}
	}
	return "", nil, errors.New("not a digest")
}

func newHash(algo string) hash.Hash {
	switch algo {
	case "sha512":
		return sha512.New()
	case "sha384":
		return sha512.New384()
	case "sha256":
		return sha256.New()
	case "sha1":
		return sha1.New()
	}
	return nil
}

// sameDigest reports whether two integrity strings name the same content.
func sameDigest(a, b string) bool {
	for _, x := range strings.Fields(a) {
		ax, ar, err := parseDigest(x)
		if err != nil {
			continue
		}
		for _, y := range strings.Fields(b) {
			if bx, br, err := parseDigest(y); err == nil && ax == bx && string(ar) == string(br) {
				return true
			}
		}
	}
	return false
}
