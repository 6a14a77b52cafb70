package diff

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"strings"

	"customs/internal/analyze"
	"customs/internal/archive"
	"customs/internal/pkgmeta"
)

// Bounds on what a snapshot keeps in memory. Every file is hashed; only text
// files are kept, because only they are diffed and analysed, and only up to
// these sizes so that two hostile archives cannot exhaust memory.
const (
	maxKeepFile  = 16 << 20
	maxKeepTotal = 512 << 20
)

// digest identifies a file's content. A seeded 64-bit hash (hash/maphash,
// several times faster than SHA-256 on multi-megabyte bundles) is enough
// here: the seed is random per process, so a hostile package cannot be
// crafted to collide with the version it replaces; the size must match too.
type digest struct {
	size int
	hash uint64
}

func digestOf(data []byte) digest {
	return digest{len(data), maphash.Bytes(seed, data)}
}

// file is one regular file of a package version.
type file struct {
	path   string // relative to the package root
	size   int64
	sum    digest
	binary bool
	native bool   // an ELF, PE or Mach-O executable
	data   []byte // content of a text file; nil when not kept
}

// snapshot is what one version of a package holds.
type snapshot struct {
	target string
	meta   pkgmeta.Meta
	files  map[string]*file
}

// load reads every file of target (an archive or a directory) once: hash,
// kind and, for text files, content; and collects the package metadata.
// A file cut by the walk's per-file bound (archive.Limits.MaxFileBytes) is
// hashed and kept on the part read. Content whose hash is in known (the files of the other version) is not
// kept: a file that did not change is neither diffed nor analysed, so
// memory holds the old version's text and only the new version's changes.
func load(target string, known map[digest]bool, open func(fn func(*archive.Entry) error) (archive.Info, error)) (*snapshot, error) {
	s := &snapshot{target: target, files: map[string]*file{}}
	col := pkgmeta.Collector{Target: target}
	var kept int64
	_, err := open(func(e *archive.Entry) error {
		if e.Kind != archive.File {
			return nil
		}
		col.Add(e.Path, e.Data)
		f := &file{path: e.Path, size: e.Size, sum: digestOf(e.Data)}
		f.binary = isBinary(e.Data)
		f.native = f.binary && analyze.Language(e.Path, e.Data) == "binary"
		if !f.binary && !known[f.sum] && len(e.Data) <= maxKeepFile && kept+int64(len(e.Data)) <= maxKeepTotal {
			f.data = bytes.Clone(e.Data)
			kept += int64(len(e.Data))
		}
		s.files[e.Path] = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	// An unidentified package is still compared, file by file; its
	// identity and hooks are simply unknown.
	s.meta, _ = col.Meta("")
	s.stripRoot()
	return s, nil
}

func loadPath(ctx context.Context, target string, known map[digest]bool) (*snapshot, error) {
	return load(target, known, func(fn func(*archive.Entry) error) (archive.Info, error) {
		return archive.Walk(ctx, target, archive.DefaultLimits(), fn)
	})
}

func loadReader(ctx context.Context, name string, r io.ReaderAt, size int64, known map[digest]bool) (*snapshot, error) {
	return load(name, known, func(fn func(*archive.Entry) error) (archive.Info, error) {
		return archive.WalkReader(ctx, name, r, size, archive.DefaultLimits(), fn)
	})
}

// stripRoot re-keys files relative to the package root (npm's "package/",
// an sdist's "name-1.0/"), so that the same file matches across versions.
func (s *snapshot) stripRoot() {
	root := s.meta.Root
	if root == "" {
		return
	}
	files := make(map[string]*file, len(s.files))
	for p, f := range s.files {
		if rel, ok := strings.CutPrefix(p, root); ok {
			f.path = rel
		}
		files[f.path] = f
	}
	s.files = files
}

// sums returns the set of content hashes of the snapshot's files.
func (s *snapshot) sums() map[digest]bool {
	m := make(map[digest]bool, len(s.files))
	for _, f := range s.files {
		m[f.sum] = true
	}
	return m
}

// rel returns a path of the package's metadata relative to the root.
func (s *snapshot) rel(p string) string {
	return strings.TrimPrefix(p, s.meta.Root)
}

func (s *snapshot) String() string {
	if s.meta.Name == "" {
		return s.target
	}
	return fmt.Sprintf("%s@%s", s.meta.Name, s.meta.Version)
}

// isBinary reports whether data looks like anything but text: a NUL byte in
// its first 8 KiB, as git and grep decide.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), 8<<10)], 0) >= 0
}
