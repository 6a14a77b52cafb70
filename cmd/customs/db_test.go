package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"customs/internal/corpus"
)

// TestDBUpdateThenScan: `db update` from a local copy of osv.dev's layout
// (served from the shared snapshot), then a scan that uses the cached
// database without --db and shows its date.
func TestDBUpdateThenScan(t *testing.T) {
	dir := corpus.Path(t, "osv")
	mux := http.NewServeMux()
	mux.HandleFunc("/{eco}/all.zip", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(dir, filepath.Base(r.PathValue("eco"))+".zip"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	t.Setenv("CUSTOMS_CACHE_DIR", t.TempDir())

	var out, errb bytes.Buffer
	if code := run([]string{"db", "update", "--skip-names", "--osv-url", srv.URL}, nil, &out, &errb); code != 0 {
		t.Fatalf("db update: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "npm 22264") {
		t.Errorf("db update output: %s", out.String())
	}

	project := t.TempDir()
	os.WriteFile(filepath.Join(project, "requirements.txt"), []byte("litellm==1.82.8\n"), 0o644)
	out.Reset()
	errb.Reset()
	code := run([]string{"scan", "--offline", project}, nil, &out, &errb)
	if code != exitFlagged || !strings.Contains(out.String(), "MAL-2026-2144") || !strings.Contains(out.String(), "(advisories of 20") {
		t.Errorf("scan after update: exit %d\n%s%s", code, out.String(), errb.String())
	}
}
