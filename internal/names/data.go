package names

import (
	"crypto/sha256"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/blevesearch/vellum"
	"github.com/klauspost/compress/zstd"
)

// The embedded data is rebuilt by the generator; see gen/main.go for the
// sources and the full command.
//
//go:generate sh -c "apt-file search -x 'specifications/(default/)?[^/]+\\.gemspec$' > ${TMPDIR:-/tmp}/customs-debian-gemspecs.txt && go run ./gen -pypi ../../../shared/corpus/registries/pypi.tsv.gz -npm ../../../shared/corpus/registries/npm.tsv.gz -debian ${TMPDIR:-/tmp}/customs-debian-gemspecs.txt -date 2026-11-25 -out data"

//go:embed data
var embedded embed.FS

// Meta describes the name data: where each list came from and when.
type Meta struct {
	Lists map[Ecosystem]ListMeta `json:"lists"`
}

// ListMeta dates one ecosystem's lists.
type ListMeta struct {
	Date    string `json:"date"`
	Source  string `json:"source"`
	Names   int    `json:"names"`
	Popular int    `json:"popular"`
	Measure string `json:"measure"` // "rank", "downloads a month", "none"
}

// File names, the same in the embedded data and in the cache directory.
func popularFile(eco Ecosystem) string { return string(eco) + "-popular.tsv.gz" }
func namesFile(eco Ecosystem) string   { return string(eco) + "-names.fst.zst" }
func indexFile(eco Ecosystem) string   { return string(eco) + "-popular.index" }

const scopedFile = "npm-scoped.fst.zst"

const metaFile = "meta.json"

// CacheDir is where `customs db update` keeps refreshed name lists:
// $CUSTOMS_CACHE_DIR/names, else the user cache directory's customs/names.
func CacheDir() (string, error) {
	if d := os.Getenv("CUSTOMS_CACHE_DIR"); d != "" {
		return filepath.Join(d, "names"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "customs", "names"), nil
}

// dataFS returns the file systems to read, the cache (when present) first.
func dataFS(cacheDir string) []fs.FS {
	sub, _ := fs.Sub(embedded, "data")
	if cacheDir == "" {
		return []fs.FS{sub}
	}
	return []fs.FS{os.DirFS(cacheDir), sub}
}

// LoadMeta reads the dates of the lists in use (cache entries override the
// embedded ones per ecosystem).
func LoadMeta(cacheDir string) (Meta, error) {
	m := Meta{Lists: map[Ecosystem]ListMeta{}}
	fss := dataFS(cacheDir)
	for i := len(fss) - 1; i >= 0; i-- {
		b, err := fs.ReadFile(fss[i], metaFile)
		if err != nil {
			continue
		}
		var part Meta
		if err := json.Unmarshal(b, &part); err != nil {
			return m, fmt.Errorf("%s: %w", metaFile, err)
		}
		for k, v := range part.Lists {
			m.Lists[k] = v
		}
	}
	return m, nil
}

// loadPopular reads the popular list of eco: the cached one, or the
// embedded one when the cache has none or a broken one.
func loadPopular(fss []fs.FS, eco Ecosystem) (*List, error) {
	return loadFirst(fss, popularFile(eco), func(_ fs.FS, b []byte) (*List, error) { return parsePopular(b) })
}

func parsePopular(b []byte) (*List, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return nil, errors.New("not gzip-compressed")
	}
	l, err := ParseList(bytesReader(b))
	if err == nil && len(l.Entries) == 0 {
		err = errors.New("no names")
	}
	return l, err
}

// loadIndex returns the typosquatting index of eco's popular list (the
// cached list, or the embedded one when the cache has none or a broken
// one): the index stored next to the list when it was built from these
// very bytes, else one built now, as it is with extra lists.
func loadIndex(fss []fs.FS, eco Ecosystem, extra []*List) (*index, error) {
	return loadFirst(fss, popularFile(eco), func(f fs.FS, list []byte) (*index, error) {
		if len(extra) == 0 {
			if ix, err := openStoredIndex(f, eco, list); err == nil {
				return ix, nil
			}
		}
		pop, err := parsePopular(list)
		if err != nil {
			return nil, err
		}
		ix, _, err := openIndex(eco, buildIndex(eco, withExtra(eco, pop.Entries, extra), nil, false))
		return ix, err
	})
}

var errStaleIndex = errors.New("index built from another list")

// openStoredIndex opens the index file of f if it was built from list.
func openStoredIndex(f fs.FS, eco Ecosystem, list []byte) (*index, error) {
	b, err := fs.ReadFile(f, indexFile(eco))
	if err != nil {
		return nil, err
	}
	ix, sum, err := openIndex(eco, b)
	if err != nil {
		return nil, err
	}
	if sum != sha256.Sum256(list) {
		return nil, errStaleIndex
	}
	return ix, nil
}

var zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(512<<20))

// loadNameSet reads and decompresses the name set of eco, falling back
// like loadPopular.
func loadNameSet(fss []fs.FS, eco Ecosystem) (*NameSet, error) {
	return loadFirst(fss, namesFile(eco), func(_ fs.FS, b []byte) (*NameSet, error) {
		raw, err := zstdDecoder.DecodeAll(b, nil)
		if err != nil {
			return nil, err
		}
		return LoadNameSet(eco, raw)
	})
}

// loadScopedSet reads npm's scoped names by name part.
func loadScopedSet(fss []fs.FS) (*ScopedSet, error) {
	return loadFirst(fss, scopedFile, func(_ fs.FS, b []byte) (*ScopedSet, error) {
		raw, err := zstdDecoder.DecodeAll(b, nil)
		if err != nil {
			return nil, err
		}
		f, err := vellum.Load(raw)
		if err != nil {
			return nil, err
		}
		return &ScopedSet{fst: f}, nil
	})
}

// loadFirst decodes file from the first of fss that holds a good copy;
// the errors of broken copies are returned only when none is good. decode
// also gets the file system the copy came from.
func loadFirst[T any](fss []fs.FS, file string, decode func(fs.FS, []byte) (T, error)) (T, error) {
	var zero T
	var errs []error
	for _, f := range fss {
		b, err := fs.ReadFile(f, file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil {
			var v T
			if v, err = decode(f, b); err == nil {
				return v, nil
			}
		}
		errs = append(errs, fmt.Errorf("%s: %w", file, err))
	}
	if len(errs) == 0 {
		return zero, fmt.Errorf("%s: %w", file, fs.ErrNotExist)
	}
	return zero, errors.Join(errs...)
}

// CompressNameSet compresses BuildNameSet's output (or a section of an
// index) as it is stored.
func CompressNameSet(fst []byte) ([]byte, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	return enc.EncodeAll(fst, nil), nil
}
