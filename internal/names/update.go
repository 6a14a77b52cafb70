package names

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"customs/internal/registry"
)

// Endpoints are where Update fetches lists; callers take the user's
// configuration (pip's index-url, gem sources) first and DefaultEndpoints
// as the fallback.
type Endpoints struct {
	PyPISimple    string // PEP 691 Simple API root, e.g. https://pypi.org/simple/
	RubyGemsIndex string // compact index root serving /names
	NPMDownloads  string // npm download-counts API root serving /downloads/point/last-month/
}

// NPMDownloadsEnv names npm's download-counts API. npm's configuration has
// no key for it, so the npm popular list is refreshed only when it is set.
const NPMDownloadsEnv = "CUSTOMS_NPM_DOWNLOADS_URL"

// DefaultEndpoints are the public registries, as internal/registry names
// them, and npm's download-counts API from $CUSTOMS_NPM_DOWNLOADS_URL.
func DefaultEndpoints() Endpoints {
	pub := registry.PublicEndpoints()
	ep := Endpoints{
		PyPISimple:    strings.TrimSuffix(pub.PyPI, "/") + "/",
		RubyGemsIndex: strings.TrimSuffix(pub.RubyGems, "/") + "/",
	}
	if v := os.Getenv(NPMDownloadsEnv); v != "" {
		ep.NPMDownloads = strings.TrimSuffix(v, "/") + "/"
	}
	return ep
}

// UpdateReport says what Update refreshed.
type UpdateReport struct {
	Lists  map[Ecosystem]ListMeta
	Errors []error // per ecosystem; the others are still written
}

// maxIndexBytes bounds one downloaded index.
const maxIndexBytes = 512 << 20

// Update refreshes the name lists into dir (see CacheDir), which later
// Checkers read before the embedded data: PyPI's full name set from the
// Simple API index, RubyGems' from the compact index /names, and the monthly
// downloads of npm's popular packages. An ecosystem that fails keeps its
// previous list; the error is reported and the others go on.
func Update(ctx context.Context, client *http.Client, ep Endpoints, dir string, now time.Time) (UpdateReport, error) {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Minute}
	}
	rep := UpdateReport{Lists: map[Ecosystem]ListMeta{}}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return rep, err
	}
	date := now.UTC().Format(time.DateOnly)
	fail := func(eco Ecosystem, err error) { rep.Errors = append(rep.Errors, fmt.Errorf("%s: %w", eco, err)) }

	if ep.PyPISimple != "" {
		if all, err := fetchPyPINames(ctx, client, ep.PyPISimple); err != nil {
			fail(PyPI, err)
		} else if err := writeNameSet(dir, PyPI, all); err != nil {
			fail(PyPI, err)
		} else {
			rep.Lists[PyPI] = ListMeta{Date: date, Source: ep.PyPISimple, Names: len(all), Measure: "rank"}
		}
	}
	if ep.RubyGemsIndex != "" {
		if all, err := fetchGemNames(ctx, client, ep.RubyGemsIndex); err != nil {
			fail(RubyGems, err)
		} else if err := writeNameSet(dir, RubyGems, all); err != nil {
			fail(RubyGems, err)
		} else {
			rep.Lists[RubyGems] = ListMeta{Date: date, Source: ep.RubyGemsIndex + "names", Names: len(all), Measure: "none"}
		}
	}
	if ep.NPMDownloads != "" {
		if pop, err := refreshNPMDownloads(ctx, client, ep.NPMDownloads, dir); err != nil {
			fail(NPM, err)
		} else if err := WritePopular(dir, NPM, pop); err != nil {
			fail(NPM, err)
		} else {
			rep.Lists[NPM] = ListMeta{Date: date, Source: ep.NPMDownloads + " (monthly downloads of the popular list)", Popular: len(pop), Measure: "downloads a month"}
		}
	}
	if err := mergeMeta(dir, rep.Lists); err != nil {
		return rep, err
	}
	return rep, errors.Join(rep.Errors...)
}

// get fetches url with up to three tries for transport errors and 5xx.
func get(ctx context.Context, client *http.Client, u, accept string) ([]byte, error) {
	var last error
	for try := range 3 {
		if try > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(try) * 500 * time.Millisecond):
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := client.Do(req)
		if err != nil {
			last = err
			continue
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxIndexBytes+1))
		resp.Body.Close()
		switch {
		case err != nil:
			last = err
			continue
		case resp.StatusCode >= 500:
			last = fmt.Errorf("%s: %s", u, resp.Status)
			continue
		case resp.StatusCode != http.StatusOK:
			return nil, fmt.Errorf("%s: %s", u, resp.Status)
		case len(b) > maxIndexBytes:
			return nil, fmt.Errorf("%s: larger than %d bytes", u, maxIndexBytes)
		}
		return b, nil
	}
	return nil, last
}

func fetchPyPINames(ctx context.Context, client *http.Client, root string) ([]Entry, error) {
	b, err := get(ctx, client, root, "application/vnd.pypi.simple.v1+json")
	if err != nil {
		return nil, err
	}
	var idx struct {
		Projects []struct {
			Name string `json:"name"`
		} `json:"projects"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("%s: not a PEP 691 JSON index: %w", root, err)
	}
	out := make([]Entry, 0, len(idx.Projects))
	for _, p := range idx.Projects {
		out = append(out, Entry{Name: p.Name})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no projects in the index", root)
	}
	return out, nil
}

func fetchGemNames(ctx context.Context, client *http.Client, root string) ([]Entry, error) {
	b, err := get(ctx, client, strings.TrimSuffix(root, "/")+"/names", "")
	if err != nil {
		return nil, err
	}
	var out []Entry
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" && s != "---" {
			out = append(out, Entry{Name: s})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no names in the compact index", root)
	}
	return out, sc.Err()
}

// refreshNPMDownloads asks for last month's downloads of the popular names
// (unscoped ones in bulk, 128 a request; scoped ones are kept as they are,
// the bulk API does not serve them).
func refreshNPMDownloads(ctx context.Context, client *http.Client, root, dir string) ([]Entry, error) {
	cur, err := loadPopular(dataFS(dir), NPM)
	if err != nil {
		return nil, err
	}
	var out, batch []Entry
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var parts []string
		for _, e := range batch {
			parts = append(parts, url.PathEscape(e.Name))
		}
		b, err := get(ctx, client, strings.TrimSuffix(root, "/")+"/downloads/point/last-month/"+strings.Join(parts, ","), "application/json")
		if err != nil {
			return err
		}
		var counts map[string]*struct {
			Downloads int64 `json:"downloads"`
		}
		if err := json.Unmarshal(b, &counts); err != nil {
			return fmt.Errorf("download counts: %w", err)
		}
		for _, e := range batch {
			if c := counts[e.Name]; c != nil {
				e.Downloads = c.Downloads
			}
			out = append(out, e)
		}
		batch = batch[:0]
		return nil
	}
	for _, e := range cur.Entries {
		if _, _, scoped := SplitScope(e.Name); scoped {
			out = append(out, e)
			continue
		}
		if batch = append(batch, e); len(batch) == 128 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	return out, flush()
}

func writeNameSet(dir string, eco Ecosystem, all []Entry) error {
	fst, err := BuildNameSet(eco, all)
	if err != nil {
		return err
	}
	zst, err := CompressNameSet(fst)
	if err != nil {
		return err
	}
	// The popular lists stay: neither index has download counts.
	return writeAtomic(filepath.Join(dir, namesFile(eco)), zst)
}

// WritePopular writes a popular list into dir (the embedded data or the
// cache) with the index built from it, so that a Checker maps the index
// instead of building it.
func WritePopular(dir string, eco Ecosystem, entries []Entry) error {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err := WriteList(zw, entries); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	// Indexed as a Checker reads the list back, so that the stored
	// index and one built from the list are the same.
	l, err := parsePopular(buf.Bytes())
	if err != nil {
		return err
	}
	// The list goes last: until it is replaced, the new index does not
	// match the list and is not used.
	if err := writeAtomic(filepath.Join(dir, indexFile(eco)), buildIndex(eco, l.Entries, buf.Bytes(), true)); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, popularFile(eco)), buf.Bytes())
}

func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// mergeMeta records the refreshed lists in dir's meta.json, keeping the
// entries of ecosystems not refreshed this time.
func mergeMeta(dir string, lists map[Ecosystem]ListMeta) error {
	m := Meta{Lists: map[Ecosystem]ListMeta{}}
	if b, err := os.ReadFile(filepath.Join(dir, metaFile)); err == nil {
		_ = json.Unmarshal(b, &m)
		if m.Lists == nil {
			m.Lists = map[Ecosystem]ListMeta{}
		}
	}
	for k, v := range lists {
		m.Lists[k] = v
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, metaFile), append(b, '\n'))
}
