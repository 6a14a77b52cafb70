// Package registrytest serves recorded registry responses from a local
// HTTP server, shaped like the documented responses of the npm registry
// (package documents with time, maintainers, _npmUser, dist.attestations),
// PyPI (PEP 691 JSON Simple pages with PEP 700 upload-time and PEP 740
// provenance; the JSON API) and RubyGems (/api/v1/versions/NAME.json), so
// that tests never reach a real registry.
//
// Fixtures (fixtures/): npm hijacked-lib (1.2.0 published by a new account,
// with a new postinstall and without the provenance 1.0.0 and 1.1.0 had),
// npm gone-pkg (unpublished), npm evil-typo (security placeholder), PyPI
// sample-pkg (0.9 yanked, 1.1 without provenance), gem old-gem (1.0.1 after
// a long silence, then 99.0.0).
package registrytest

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"customs/internal/registry"
)

//go:embed fixtures
var fixtures embed.FS

// Now is the moment the fixtures' "recent" releases are judged against.
var Now = time.Date(2025, 11, 25, 12, 0, 0, 0, time.UTC)

// Server is a fake registry. Paths: /npm/<name>, /simple/<name>/,
// /pypi/<name>/json, /gems/api/v1/versions/<name>.json, and any path added
// with Set (e.g. tarballs).
type Server struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	// Requests counts every request; NotModified the ones answered 304.
	Requests, NotModified atomic.Int64
	// HTMLOnly makes the Simple API ignore the JSON Accept header, like
	// an index that serves only PEP 503 HTML.
	HTMLOnly atomic.Bool
}

// New starts a server with the fixtures loaded; it stops with the test.
func New(tb testing.TB) *Server {
	s := &Server{files: map[string][]byte{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	for path, fixture := range map[string]string{
		"/npm/hijacked-lib":                  "npm-hijacked.json",
		"/npm/gone-pkg":                      "npm-unpublished.json",
		"/npm/evil-typo":                     "npm-security-holder.json",
		"/simple/sample-pkg/":                "pypi-simple.json",
		"/pypi/sample-pkg/json":              "pypi-json.json",
		"/gems/api/v1/versions/old-gem.json": "gems-versions.json",
	} {
		b, err := fixtures.ReadFile("fixtures/" + fixture)
		if err != nil {
			tb.Fatal(err)
		}
		s.Set(path, bytes.ReplaceAll(b, []byte("REGISTRY"), []byte(s.URL+"/npm")))
	}
	return s
}

// Endpoints points a registry client at this server.
func (s *Server) Endpoints() registry.Endpoints {
	return registry.Endpoints{NPM: s.URL + "/npm", PyPI: s.URL + "/simple", RubyGems: s.URL + "/gems"}
}

// NPMPath is the path of an npm package document on this server.
func NPMPath(name string) string {
	return "/npm/" + strings.Replace(url.PathEscape(name), "%40", "@", 1)
}

// NPMDocument builds a minimal npm package document with the given
// versions and publication times, each with a tarball on this server.
func NPMDocument(s *Server, name string, versions map[string]time.Time) []byte {
	type dist struct {
		Tarball string `json:"tarball"`
	}
	type version struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Dist    dist   `json:"dist"`
	}
	doc := struct {
		Name     string             `json:"name"`
		Versions map[string]version `json:"versions"`
		Time     map[string]string  `json:"time"`
	}{name, map[string]version{}, map[string]string{}}
	base := name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		base = name[i+1:]
	}
	for v, t := range versions {
		doc.Versions[v] = version{name, v, dist{s.URL + "/npm/" + name + "/-/" + base + "-" + v + ".tgz"}}
		doc.Time[v] = t.UTC().Format(time.RFC3339)
	}
	b, _ := json.Marshal(doc)
	return b
}

// Set serves body at path (an npm document is "/npm/<name>").
func (s *Server) Set(path string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = body
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.Requests.Add(1)
	s.mu.Lock()
	body, ok := s.files[r.URL.EscapedPath()]
	if !ok {
		body, ok = s.files[r.URL.Path]
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/simple/") {
		if s.HTMLOnly.Load() || !strings.Contains(r.Header.Get("Accept"), "application/vnd.pypi.simple.v1+json") {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!DOCTYPE html><html><body><a href=\"x\">x</a></body></html>"))
			return
		}
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		s.NotModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(body)
}
