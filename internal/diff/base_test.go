package diff

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func lockJSON(deps map[string]string) string {
	s := `{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"app","version":"1.0.0","dependencies":{`
	first := true
	for _, n := range slices.Sorted(maps.Keys(deps)) {
		if !first {
			s += ","
		}
		first = false
		s += `"` + n + `":"^` + deps[n] + `"`
	}
	s += `}}`
	for _, n := range slices.Sorted(maps.Keys(deps)) {
		s += `,"node_modules/` + n + `":{"version":"` + deps[n] + `","resolved":"https://registry.example/` + n + `/-/` + n + `-` + deps[n] + `.tgz"}`
	}
	return s + "}}\n"
}

func gitRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestBaseChangesListsAddedAndBumpedDependencies(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitRun(t, dir, "init", "-q", "-b", "main")
	write("package-lock.json", lockJSON(map[string]string{"debug": "4.4.1", "ms": "2.1.3", "chalk": "5.6.0"}))
	gitRun(t, dir, "add", ".")
	gitRun(t, dir, "commit", "-q", "-m", "base")

	// The pull request bumps debug, adds left-pad, removes chalk and adds
	// a second project with its own lockfile.
	write("package-lock.json", lockJSON(map[string]string{"debug": "4.4.2", "ms": "2.1.3", "left-pad": "1.3.0"}))
	write("web/requirements.txt", "requests==2.32.3\n")

	changes, errs, err := BaseChanges(context.Background(), dir, "main")
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Fatalf("file errors: %v", errs)
	}
	got := map[string]BaseChange{}
	for _, c := range changes {
		got[c.Name] = c
	}
	if len(got) != 3 {
		t.Errorf("changes = %+v, want debug, left-pad and requests", changes)
	}
	if c := got["debug"]; c.OldVersion != "4.4.1" || c.Version != "4.4.2" || c.File != "package-lock.json" {
		t.Errorf("debug = %+v, want 4.4.1 → 4.4.2 in package-lock.json", c)
	}
	if old, cur := got["debug"].Refs(); old != "npm:debug@4.4.1" || cur != "npm:debug@4.4.2" {
		t.Errorf("debug refs = %q, %q", old, cur)
	}
	if c := got["left-pad"]; c.OldVersion != "" || c.Version != "1.3.0" {
		t.Errorf("left-pad = %+v, want new at 1.3.0", c)
	}
	if c := got["requests"]; c.Ecosystem != "pypi" || c.Version != "2.32.3" || c.File != "web/requirements.txt" {
		t.Errorf("requests = %+v, want new pypi 2.32.3 from web/requirements.txt", c)
	}
	if _, ok := got["ms"]; ok {
		t.Errorf("unchanged ms reported")
	}

	if _, _, err := BaseChanges(context.Background(), dir, "--upload-pack=evil"); err == nil {
		t.Errorf("a ref that looks like an option was accepted")
	}
	if _, _, err := BaseChanges(context.Background(), dir, "no-such-branch"); err == nil {
		t.Errorf("an unknown ref was accepted")
	}
}
