package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path"
	"strings"
	"testing"
)

// FuzzWalkReader feeds arbitrary bytes to every reader: it must never
// panic, and whatever it yields must respect the path and size contract.
func FuzzWalkReader(f *testing.F) {
	tarball := tarBytes(f, append(pkgMembers, member{name: "pkg-1.0/link", typ: tar.TypeSymlink, link: "/etc"})...)
	f.Add(tarball)
	f.Add(gzipBytes(f, tarball))
	f.Add(xzBytes(f, tarball))
	f.Add(zipBytes(f, pkgMembers...))
	f.Add(gemBytes(f, "name: x\n", member{name: "lib/x.rb", body: "puts 1"}))
	if bz2, err := os.ReadFile("testdata/hello.tar.bz2"); err == nil {
		f.Add(bz2)
	}
	f.Add([]byte{})
	lim := Limits{MaxFileBytes: 1 << 10, MaxTotalBytes: 1 << 20, MaxEntries: 100}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = WalkReader(context.Background(), "fuzz", bytes.NewReader(b), int64(len(b)), lim, func(e *Entry) error {
			if e.Path == "" || strings.HasPrefix(e.Path, "/") || path.Clean(e.Path) != e.Path || strings.HasPrefix(e.Path, "../") || e.Path == ".." || strings.Contains(e.Path, "/../") {
				t.Fatalf("unsafe path %q", e.Path)
			}
			if int64(len(e.Data)) > lim.MaxFileBytes {
				t.Fatalf("%s: %d bytes over the per-file bound", e.Path, len(e.Data))
			}
			if e.Kind != File && e.Data != nil {
				t.Fatalf("%s: %v with data", e.Path, e.Kind)
			}
			return nil
		})
	})
}

// FuzzXzReader explores the hand-read xz framing directly.
func FuzzXzReader(f *testing.F) {
	tarball := tarBytes(f, pkgMembers...)
	f.Add(xzBytes(f, tarball))
	f.Add(xzBlocks(f, xzBlock{18, tarball[:100]}, xzBlock{20, tarball[100:]}))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := newXzReader(bufio.NewReader(bytes.NewReader(b)))
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(x, 1<<20))
	})
}
