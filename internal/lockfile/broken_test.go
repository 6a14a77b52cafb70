package lockfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"customs/internal/corpus"
)

// TestBrokenFiles: each deliberately damaged corpus file is rejected with an
// error that names the file and says why, and yields no packages.
func TestBrokenFiles(t *testing.T) {
	root := corpus.Path(t, "lockfiles", "broken")
	fsys := os.DirFS(root)
	cases := []struct {
		path string
		why  string // a word the reason must contain
	}{
		{"truncated-json/package-lock.json", "JSON"},
		{"invalid-yaml/pnpm-lock.yaml", "YAML"},
		{"bad-toml/poetry.lock", "TOML"},
		{"garbage-gemfile/Gemfile.lock", "UTF-8"},
		{"binary/package-lock.json", "JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			f := ParseFS(fsys, tc.path)
			if f.Err == nil {
				t.Fatalf("no error; got %d packages", len(f.Deps))
			}
			msg := f.Err.Error()
			t.Log(msg)
			if !strings.HasPrefix(msg, tc.path+": ") {
				t.Errorf("error %q does not start with the file name", msg)
			}
			if !strings.Contains(msg, tc.why) {
				t.Errorf("error %q does not say %q", msg, tc.why)
			}
			if len(f.Deps) != 0 {
				t.Errorf("%d packages reported from a broken file", len(f.Deps))
			}
		})
	}
}

// TestGemfileMergeConflict: a lockfile left with a merge conflict is
// refused with the line of the marker, even when it is valid UTF-8.
func TestGemfileMergeConflict(t *testing.T) {
	data := []byte("GEM\n  remote: https://gems.example/\n  specs:\n<<<<<<< HEAD\n    rack (3.0.0)\n=======\n    rack (3.1.0)\n>>>>>>> other\n")
	_, err := Parse("Gemfile.lock", data)
	if err == nil || !strings.Contains(err.Error(), "line 4: merge conflict") {
		t.Fatalf("err = %v, want merge conflict at line 4", err)
	}
}

// TestBrokenAmongGood: discovering and parsing a tree with one broken file
// reports that file's error and still extracts the others.
func TestBrokenAmongGood(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/package-lock.json", `{"lockfileVersion": 3, "packages": {"": {"dependencies": {"x": "^1"}}, "node_modules/x": {"version": "1.0.0"}}}`)
	write("b/poetry.lock", "[[package]]\nname = \"requests\nversion = \"2.0\"\n")
	write("c/requirements.txt", "Django==4.2.1\n")
	paths, err := Discover(dir, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fsys := os.DirFS(dir)
	var failed []string
	got := map[string]string{}
	for _, p := range paths {
		f := ParseFS(fsys, p)
		if f.Err != nil {
			failed = append(failed, f.Err.Error())
			continue
		}
		for _, d := range f.Deps {
			got[d.Name] = d.Version
		}
	}
	if len(failed) != 1 || !strings.HasPrefix(failed[0], "b/poetry.lock: poetry.lock: invalid TOML at line 2") {
		t.Errorf("errors = %q, want one for b/poetry.lock at line 2", failed)
	}
	if got["x"] != "1.0.0" || got["django"] != "4.2.1" || len(got) != 2 {
		t.Errorf("packages = %v, want x 1.0.0 and django 4.2.1", got)
	}
}
