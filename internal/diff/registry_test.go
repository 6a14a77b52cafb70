package diff

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"customs/internal/finding"
)

// fakeNPM serves a packument and tarballs for debug-like: 4.4.1 published
// with provenance by its maintainer, 4.4.2 (the trojanised one) without.
func fakeNPM(t *testing.T, tarballs map[string][]byte, tamper string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/debug-like", func(w http.ResponseWriter, r *http.Request) {
		versions := map[string]any{}
		for v, data := range tarballs {
			sum := sha512.Sum512(data)
			dist := map[string]any{
				"tarball":   srv.URL + "/debug-like/-/debug-like-" + v + ".tgz",
				"integrity": "sha512-" + base64.StdEncoding.EncodeToString(sum[:]),
			}
			if v != "4.4.2" {
				dist["attestations"] = map[string]any{"url": srv.URL + "/attestations", "provenance": map[string]any{"predicateType": "https://slsa.dev/provenance/v1"}}
			}
			versions[v] = map[string]any{
				"dist": dist, "_npmUser": map[string]string{"name": "qix"},
				"maintainers": []map[string]string{{"name": "qix"}},
				"repository":  map[string]string{"type": "git", "url": "git+https://example.com/debug-like.git"},
			}
		}
		versions["5.0.0-beta.1"] = versions["4.4.1"]
		_ = json.NewEncoder(w).Encode(map[string]any{"name": "debug-like", "versions": versions})
	})
	mux.HandleFunc("/debug-like/-/", func(w http.ResponseWriter, r *http.Request) {
		v := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/debug-like/-/debug-like-"), ".tgz")
		data, ok := tarballs[v]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if v == tamper {
			data = append([]byte{}, data...)
			data[len(data)-1] ^= 1
		}
		_, _ = w.Write(data)
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRegistryReferenceAgainstPreviousVersion(t *testing.T) {
	dir := t.TempDir()
	v440 := debugLike("4.4.0")
	v441 := debugLike("4.4.1")
	v442 := with(v441, "package.json", packageJSON("debug-like", "4.4.2", `,
  "dependencies": {"ms-like": "^2.1.3"}`), "src/index.js", walletHijacker()+"\n"+v441["src/index.js"])
	tarballs := map[string][]byte{
		"4.4.0": readFile(t, npmTarball(t, dir, "a.tgz", v440)),
		"4.4.1": readFile(t, npmTarball(t, dir, "b.tgz", v441)),
		"4.4.2": readFile(t, npmTarball(t, dir, "c.tgz", v442)),
	}
	srv := fakeNPM(t, tarballs, "")
	r, err := Targets(context.Background(), &NPM{Registry: srv.URL}, "npm:debug-like@4.4.2", "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Old.Version != "4.4.1" || r.New.Version != "4.4.2" {
		t.Fatalf("compared %s with %s, want 4.4.1 → 4.4.2", r.Old.Version, r.New.Version)
	}
	if r.Verdict != finding.Malicious {
		t.Errorf("verdict %s, want malicious", r.Verdict)
	}
	var lost bool
	for _, m := range r.Metadata {
		lost = lost || m.Field == "provenance" && m.New == "missing"
	}
	if !lost || !strings.Contains(strings.Join(r.Reasons, "\n"), "provenance") {
		t.Errorf("lost provenance not reported: metadata %+v reasons %q", r.Metadata, r.Reasons)
	}

	// Two explicit references; the clean update stays clean.
	r, err = Targets(context.Background(), &NPM{Registry: srv.URL}, "npm:debug-like@4.4.0", "npm:debug-like@4.4.1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != finding.Clean || len(r.Metadata) != 0 {
		t.Errorf("4.4.0 → 4.4.1: verdict %s metadata %+v reasons %q, want clean and no metadata change", r.Verdict, r.Metadata, r.Reasons)
	}
}

func TestRegistryErrors(t *testing.T) {
	dir := t.TempDir()
	v1 := debugLike("4.4.1")
	tarballs := map[string][]byte{
		"4.4.1": readFile(t, npmTarball(t, dir, "b.tgz", v1)),
		"4.4.2": readFile(t, npmTarball(t, dir, "c.tgz", with(v1, "README.md", "changed\n"))),
	}
	srv := fakeNPM(t, tarballs, "4.4.2")
	ctx := context.Background()
	for _, tc := range []struct{ old, new, want string }{
		{"npm:debug-like@4.4.1", "npm:debug-like@4.4.2", "integrity"},
		{"npm:debug-like@4.4.1", "", "nothing to compare"},
		{"npm:debug-like@9.9.9", "", "no such version"},
		{"npm:no-such-package@1.0.0", "", "404"},
		{"old.tgz", "", "registry reference"},
		{"npm:bad name@1", "", "want npm:NAME@VERSION"},
	} {
		_, err := Targets(ctx, &NPM{Registry: srv.URL}, tc.old, tc.new, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Targets(%q, %q) error = %v, want one mentioning %q", tc.old, tc.new, err, tc.want)
		}
	}
}

func TestParseRef(t *testing.T) {
	for in, want := range map[string]Ref{
		"npm:debug@4.4.2":        {"npm", "debug", "4.4.2"},
		"npm:@babel/core@7.26.0": {"npm", "@babel/core", "7.26.0"},
		"npm:@babel/core":        {"npm", "@babel/core", ""},
		"pypi:requests@2.32.3":   {"pypi", "requests", "2.32.3"},
		"gem:rails@7.1.0":        {"rubygems", "rails", "7.1.0"},
	} {
		got, ok, err := ParseRef(in)
		if !ok || err != nil || got != want {
			t.Errorf("ParseRef(%q) = %+v, %v, %v; want %+v", in, got, ok, err, want)
		}
	}
	for _, path := range []string{"old.tgz", "./npm:x", "C:/pkgs/a.tgz", "dir/npm-1.0.tgz"} {
		if _, ok, _ := ParseRef(path); ok {
			t.Errorf("ParseRef(%q) took a path for a reference", path)
		}
	}
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"npm:debug@4.4.2", "npm:@s/n@1", "gem:x", "pypi:", "npm:@", "npm:a@b@c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, ok, err := ParseRef(s)
		if !ok || err != nil {
			return
		}
		if ref.Name == "" || strings.ContainsAny(ref.Name, " \t\n") {
			t.Fatalf("ParseRef(%q) accepted name %q", s, ref.Name)
		}
		if again, _, _ := ParseRef(ref.String()); again != ref {
			t.Fatalf("round trip %q → %+v → %q → %+v", s, ref, ref.String(), again)
		}
	})
}
