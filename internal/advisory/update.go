package advisory

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultBaseURL is osv.dev's public bucket of per-ecosystem exports
// (<base>/<ecosystem>/all.zip). It is the only place the address is written;
// `customs db update --osv-url` and $CUSTOMS_OSV_URL override it.
const DefaultBaseURL = "https://osv-vulnerabilities.storage.googleapis.com"

// UpdateResult says what an update did per ecosystem.
type UpdateResult struct {
	Ecosystem   Ecosystem
	URL         string
	Bytes       int64
	NotModified bool
}

// Update downloads every ecosystem's all.zip from base into cacheDir/osv
// (sending the stored ETag so an unchanged export is not fetched again) and
// rebuilds the index that scans load. A failed download keeps the previous
// zip of that ecosystem, so one outage does not empty the database.
func Update(ctx context.Context, client *http.Client, base, cacheDir string) (Meta, []UpdateResult, error) {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Minute}
	}
	if base == "" {
		base = DefaultBaseURL
	}
	dir := filepath.Join(cacheDir, "osv")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Meta{}, nil, err
	}
	var results []UpdateResult
	var errs []string
	for _, eco := range Ecosystems {
		res, err := download(ctx, client, strings.TrimRight(base, "/")+"/"+string(eco)+"/all.zip", filepath.Join(dir, string(eco)+".zip"))
		res.Ecosystem = eco
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", eco, err))
			continue
		}
		results = append(results, res)
	}
	b := newBuilder()
	for _, eco := range Ecosystems {
		zipPath := filepath.Join(dir, string(eco)+".zip")
		if _, err := os.Stat(zipPath); err != nil {
			continue
		}
		if err := b.addFile(zipPath); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		b.meta.Sources = append(b.meta.Sources, strings.TrimRight(base, "/")+"/"+string(eco)+"/all.zip")
	}
	b.meta.Built = time.Now().UTC()
	if len(b.entries) == 0 {
		return b.meta, results, fmt.Errorf("no advisories downloaded: %s", strings.Join(errs, "; "))
	}
	if err := b.writeFile(IndexFile(cacheDir)); err != nil {
		return b.meta, results, err
	}
	if len(errs) > 0 {
		return b.meta, results, fmt.Errorf("some ecosystems were not updated: %s", strings.Join(errs, "; "))
	}
	return b.meta, results, nil
}

// download fetches url into dest unless the server says the stored copy
// (identified by the ETag kept beside it) is current.
func download(ctx context.Context, client *http.Client, url, dest string) (UpdateResult, error) {
	res := UpdateResult{URL: url}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return res, err
	}
	etagFile := dest + ".etag"
	if _, err := os.Stat(dest); err == nil {
		if etag, err := os.ReadFile(etagFile); err == nil && len(etag) > 0 && len(etag) < 1024 {
			req.Header.Set("If-None-Match", strings.TrimSpace(string(etag)))
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		res.NotModified = true
		return res, nil
	case resp.StatusCode != http.StatusOK:
		return res, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), ".download-*")
	if err != nil {
		return res, err
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, maxSourceBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, fmt.Errorf("GET %s: %w", url, err)
	}
	if n > maxSourceBytes {
		return res, fmt.Errorf("GET %s: larger than %d bytes", url, maxSourceBytes)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return res, err
	}
	if etag := resp.Header.Get("ETag"); etag != "" {
		_ = os.WriteFile(etagFile, []byte(etag), 0o644)
	} else {
		_ = os.Remove(etagFile)
	}
	res.Bytes = n
	return res, nil
}
