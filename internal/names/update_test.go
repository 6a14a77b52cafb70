package names

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestUpdate refreshes every list from a local server standing in for the
// registries, then checks that a new Checker reads the cache.
func TestUpdate(t *testing.T) {
	var npmCalls, failures atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/simple/":
			if failures.Add(1) == 1 {
				http.Error(w, "try again", http.StatusBadGateway) // retried
				return
			}
			if r.Header.Get("Accept") != "application/vnd.pypi.simple.v1+json" {
				http.Error(w, "want JSON", http.StatusNotAcceptable)
				return
			}
			fmt.Fprint(w, `{"meta":{"api-version":"1.1"},"projects":[{"name":"requests"},{"name":"brand-new-project"}]}`)
		case r.URL.Path == "/gems/names":
			fmt.Fprint(w, "---\nrails\nfresh_gem\n")
		case strings.HasPrefix(r.URL.Path, "/npm/downloads/point/last-month/"):
			npmCalls.Add(1)
			var parts []string
			for _, n := range strings.Split(strings.TrimPrefix(r.URL.Path, "/npm/downloads/point/last-month/"), ",") {
				d := 1
				if n == "lodash" {
					d = 123
				}
				parts = append(parts, fmt.Sprintf("%q:{\"downloads\":%d,\"package\":%q}", n, d, n))
			}
			fmt.Fprint(w, "{"+strings.Join(parts, ",")+"}")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	ep := Endpoints{PyPISimple: srv.URL + "/simple/", RubyGemsIndex: srv.URL + "/gems/", NPMDownloads: srv.URL + "/npm/"}
	rep, err := Update(context.Background(), srv.Client(), ep, dir, time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lists[PyPI].Names != 2 || rep.Lists[RubyGems].Names != 2 || rep.Lists[NPM].Popular == 0 {
		t.Errorf("report %+v", rep.Lists)
	}
	if npmCalls.Load() < 2 {
		t.Errorf("npm counts fetched in %d requests; the popular list needs several batches of 128", npmCalls.Load())
	}
	c := NewChecker(Config{CacheDir: dir})
	if p, _ := c.state(PyPI); p.set.Len() != 2 {
		t.Errorf("cached PyPI set has %d names", p.set.Len())
	}
	if r := c.Check(PyPI, "brand-new-project"); !r.Popularity.Listed {
		t.Error("a name from the refreshed index is not known")
	}
	if r := c.Check(RubyGems, "fresh_gem"); !r.Popularity.Listed {
		t.Error("a gem from the refreshed index is not known")
	}
	if r := c.Check(NPM, "lodash"); r.Popularity.Downloads != 123 {
		t.Errorf("lodash downloads %d, want the refreshed 123", r.Popularity.Downloads)
	}
	// The refreshed list comes with its index, so checkers need not build one.
	if list, err := os.ReadFile(filepath.Join(dir, popularFile(NPM))); err != nil {
		t.Error(err)
	} else if _, err := openStoredIndex(os.DirFS(dir), NPM, list); err != nil {
		t.Errorf("index of the refreshed npm list: %v", err)
	}
	m, err := LoadMeta(dir)
	if err != nil || m.Lists[PyPI].Date != "2027-01-02" || m.Lists[NPM].Date != "2027-01-02" {
		t.Errorf("meta %+v %v", m, err)
	}
}

func TestUpdateKeepsOldListOnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html>not an index</html>")
	}))
	defer srv.Close()
	dir := t.TempDir()
	_, err := Update(context.Background(), srv.Client(), Endpoints{PyPISimple: srv.URL + "/simple/"}, dir, time.Now())
	if err == nil || !strings.Contains(err.Error(), "pypi") {
		t.Fatalf("error %v, want one naming pypi", err)
	}
	c := NewChecker(Config{CacheDir: dir})
	if r := c.Check(PyPI, "requests"); r.Popularity.Rank == 0 {
		t.Error("embedded data should still answer after a failed update")
	}
}

// TestBrokenCacheFallsBack: a damaged cache file does not take the
// embedded data down with it.
func TestBrokenCacheFallsBack(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{namesFile(PyPI), popularFile(PyPI)} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := NewChecker(Config{CacheDir: dir})
	if r := c.Check(PyPI, "reqeusts"); r.Error != "" || r.Typosquat == nil || r.Typosquat.Target != "requests" {
		t.Errorf("with a broken cache: %+v", r)
	}
	if r := c.Check(PyPI, "requests"); r.Popularity.Rank == 0 {
		t.Error("the embedded popular list should have replaced the broken one")
	}
}
