// Package registry reads the publication history of packages from the npm
// registry, a PyPI-style index (PEP 691 Simple API, or PyPI's JSON API) and
// a RubyGems server, with an on-disk cache revalidated by ETag and
// Last-Modified, and judges a locked version against that history
// (signals.go). Every response is treated as hostile: sizes, counts and
// times are bounded.
package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"customs/internal/advisory"
	"customs/internal/atomicfile"
)

// Options configure a Client; zero values pick the defaults in brackets.
type Options struct {
	Endpoints   Endpoints
	CacheDir    string        // on-disk cache root; "" disables the disk cache
	HTTP        *http.Client  // [a client with Timeout]
	Timeout     time.Duration // per request [20s]
	Concurrency int           // requests in flight [8]
	Retries     int           // extra attempts after a network error, 429 or 5xx [2]
	Backoff     time.Duration // first retry delay, doubled each time [250ms]
	MaxBytes    int64         // largest metadata response [64 MiB]
	// FreshFor is how long a cached answer is used without asking the
	// registry again; after that it is revalidated [1h].
	FreshFor  time.Duration
	UserAgent string
	Now       func() time.Time
}

// Client fetches package histories. It is safe for concurrent use.
type Client struct {
	opt  Options
	http *http.Client
	sem  chan struct{}

	// failures counts consecutive network failures per host; a host that
	// failed maxHostFailures times in a row is not asked again by this
	// client, so an unreachable registry costs seconds, not one timeout
	// per package.
	mu       sync.Mutex
	failures map[string]int
}

const maxHostFailures = 3

// ErrNotFound is returned when the registry does not know the package.
var ErrNotFound = errors.New("not found in the registry")

// New returns a client with opt's defaults filled in.
func New(opt Options) *Client {
	if opt.Timeout == 0 {
		opt.Timeout = 20 * time.Second
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 8
	}
	if opt.Retries < 0 {
		opt.Retries = 0
	} else if opt.Retries == 0 {
		opt.Retries = 2
	}
	if opt.Backoff == 0 {
		opt.Backoff = 250 * time.Millisecond
	}
	if opt.MaxBytes == 0 {
		opt.MaxBytes = 64 << 20
	}
	if opt.FreshFor == 0 {
		opt.FreshFor = time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.UserAgent == "" {
		opt.UserAgent = "customs (package supply-chain scanner)"
	}
	hc := opt.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: opt.Timeout}
	}
	return &Client{opt: opt, http: hc, sem: make(chan struct{}, opt.Concurrency), failures: map[string]int{}}
}

// Endpoints returns the registries the client talks to.
func (c *Client) Endpoints() Endpoints { return c.opt.Endpoints }

// cacheEntry is what the disk cache keeps for one URL: the validators and
// the package history parsed from the response, not the raw body (npm
// documents run to megabytes; the parsed history is a few kilobytes).
type cacheEntry struct {
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Fetched      time.Time `json:"fetched"`
	NotFound     bool      `json:"not_found,omitempty"`
	Package      *Package  `json:"package,omitempty"`
}

func (c *Client) cachePath(url string) string {
	if c.opt.CacheDir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(url))
	return filepath.Join(c.opt.CacheDir, "registry", hex.EncodeToString(sum[:16])+".json")
}

func (c *Client) readCache(url string) *cacheEntry {
	p := c.cachePath(url)
	if p == "" {
		return nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil
	}
	var e cacheEntry
	if json.Unmarshal(b, &e) != nil || e.URL != url {
		return nil
	}
	return &e
}

func (c *Client) writeCache(e *cacheEntry) {
	p := c.cachePath(e.URL)
	if p == "" {
		return
	}
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	_ = atomicfile.Write(p, b) // a cache that cannot be written only costs a request next time
}

// parseFunc turns a response body into a package history.
type parseFunc func(body []byte) (*Package, error)

// fetchPackage returns the history behind url: from the cache while it is
// fresh, else by a conditional request that a 304 answers cheaply.
func (c *Client) fetchPackage(ctx context.Context, url string, header http.Header, parse parseFunc) (*Package, error) {
	cached := c.readCache(url)
	if cached != nil && c.opt.Now().Sub(cached.Fetched) < c.opt.FreshFor {
		return cached.result()
	}
	h := header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if cached != nil && !cached.NotFound {
		if cached.ETag != "" {
			h.Set("If-None-Match", cached.ETag)
		}
		if cached.LastModified != "" {
			h.Set("If-Modified-Since", cached.LastModified)
		}
	}
	resp, body, err := c.get(ctx, url, h, c.opt.MaxBytes)
	if err != nil {
		return nil, err
	}
	entry := &cacheEntry{URL: url, Fetched: c.opt.Now().UTC(), ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	switch {
	case resp.StatusCode == http.StatusNotModified && cached != nil:
		cached.Fetched = entry.Fetched
		c.writeCache(cached)
		return cached.result()
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		entry.NotFound = true
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	default:
		p, err := parse(body)
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", url, err)
		}
		entry.Package = p
	}
	c.writeCache(entry)
	return entry.result()
}

func (e *cacheEntry) result() (*Package, error) {
	if e.NotFound || e.Package == nil {
		return nil, ErrNotFound
	}
	return e.Package, nil
}

// get performs a GET with bounded concurrency, retries with exponential
// backoff and jitter on network errors, 429 and 5xx, and reads at most
// limit bytes of the body (a larger body is an error). Retry-After is not
// honoured: a hostile server could stall a scan as long as it liked.
func (c *Client) get(ctx context.Context, rawURL string, h http.Header, limit int64) (*http.Response, []byte, error) {
	host := ""
	if u, err := url.Parse(rawURL); err == nil {
		host = u.Host
	}
	if c.hostDown(host) {
		return nil, nil, fmt.Errorf("GET %s: %s is unreachable (%d requests failed in a row)", rawURL, host, maxHostFailures)
	}
	resp, body, err := c.getWithRetries(ctx, rawURL, h, limit)
	var netErr net.Error
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		c.noteHost(host, false)
	case errors.As(err, &dnsErr), errors.As(err, &netErr), errors.Is(err, syscall.ECONNREFUSED):
		c.noteHost(host, true)
	}
	return resp, body, err
}

func (c *Client) hostDown(host string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failures[host] >= maxHostFailures
}

func (c *Client) noteHost(host string, failed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if failed {
		c.failures[host]++
	} else {
		c.failures[host] = 0
	}
}

func (c *Client) getWithRetries(ctx context.Context, url string, h http.Header, limit int64) (*http.Response, []byte, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	var lastErr error
	for attempt := 0; attempt <= c.opt.Retries; attempt++ {
		if attempt > 0 {
			delay := c.opt.Backoff << (attempt - 1)
			delay += time.Duration(rand.Int64N(int64(delay)/2 + 1))
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		}
		resp, body, err := c.once(ctx, url, h, limit)
		if err == nil && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < 500 {
			return resp, body, nil
		}
		if err != nil {
			lastErr = err
			var dnsErr *net.DNSError
			if errors.Is(err, errTooLarge) || ctx.Err() != nil || (errors.As(err, &dnsErr) && dnsErr.IsNotFound) {
				return nil, nil, err // retrying cannot help
			}
		} else {
			lastErr = fmt.Errorf("GET %s: %s", url, resp.Status)
		}
	}
	return nil, nil, lastErr
}

var errTooLarge = errors.New("response too large")

func (c *Client) once(ctx context.Context, url string, h http.Header, limit int64) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", c.opt.UserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.ContentLength > limit {
		return nil, nil, fmt.Errorf("GET %s: %w (%d bytes, limit %d)", url, errTooLarge, resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if int64(len(body)) > limit {
		return nil, nil, fmt.Errorf("GET %s: %w (limit %d bytes)", url, errTooLarge, limit)
	}
	return resp, body, nil
}

// Download fetches an artifact (a package archive) of at most limit bytes.
func (c *Client) Download(ctx context.Context, url string, limit int64) ([]byte, error) {
	resp, body, err := c.get(ctx, url, nil, limit)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, nil
}

// Package returns the publication history of a package in eco.
func (c *Client) Package(ctx context.Context, eco advisory.Ecosystem, name string) (*Package, error) {
	// Escaping keeps a name inside its path segment; these would still
	// name another resource.
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "\x00\r\n") {
		return nil, fmt.Errorf("registry history: %q is not a package name", name)
	}
	switch eco {
	case advisory.NPM:
		return c.npmPackage(ctx, name)
	case advisory.PyPI:
		return c.pypiPackage(ctx, name)
	case advisory.RubyGems:
		return c.gemPackage(ctx, name)
	}
	return nil, fmt.Errorf("registry history: unsupported ecosystem %q", eco)
}
