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

	"customs/internal/archivetest"
)

// FuzzWalkReader feeds arbitrary bytes to every reader: it must never
// panic, and whatever it yields must respect the path and size contract.
func FuzzWalkReader(f *testing.F) {
	tarball := archivetest.Tar(append(pkgMembers, archivetest.File{Name: "pkg-1.0/link", Type: tar.TypeSymlink, Link: "/etc"})...)
	f.Add(tarball)
	f.Add(archivetest.Gzip(tarball))
	f.Add(xzBytes(f, tarball))
	f.Add(archivetest.Zip(pkgMembers...))
	f.Add(archivetest.Gem("name: x\n", archivetest.File{Name: "lib/x.rb", Body: "puts 1"}))
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
	tarball := archivetest.Tar(pkgMembers...)
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
