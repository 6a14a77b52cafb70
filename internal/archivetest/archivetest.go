// Package archivetest builds small package archives (tar, tar.gz, zip, gem)
// in memory for tests, so every package's tests share one set of builders.
//
// It is imported only by _test.go files; production code must not use it.
// The builders write to memory, where the archive writers fail only on a
// header no archive can hold: that is a bug in the test, so they panic
// rather than make every caller check an error.
package archivetest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// File is one member of a test archive.
type File struct {
	Name string
	Body string
	Mode int64  // permission bits; 0 means 0o644 (0o755 for a directory)
	Type byte   // tar type flag (tar.TypeDir, tar.TypeSymlink, ...); 0 means a regular file
	Link string // target of a symlink or hard link
}

// Files turns a name→body map into regular files named prefix+name, sorted
// by name so the archive is the same on every run.
func Files(prefix string, m map[string]string) []File {
	out := make([]File, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		out = append(out, File{Name: prefix + name, Body: m[name]})
	}
	return out
}

// Tar builds an uncompressed tar of files, in the order given.
func Tar(files ...File) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr := &tar.Header{Name: f.Name, Mode: f.Mode, Typeflag: f.Type, Linkname: f.Link, Format: tar.FormatPAX}
		if f.Type == 0 {
			hdr.Typeflag = tar.TypeReg
			hdr.Size = int64(len(f.Body))
		}
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
			if f.Type == tar.TypeDir {
				hdr.Mode = 0o755
			}
		}
		check(tw.WriteHeader(hdr))
		_, err := tw.Write([]byte(f.Body))
		check(err)
	}
	check(tw.Close())
	return buf.Bytes()
}

// TarGz builds a gzip-compressed tar of files (an npm tarball, an sdist).
func TarGz(files ...File) []byte {
	return Gzip(Tar(files...))
}

// Gzip compresses b, at the fastest level: tests build large inputs.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	check(err)
	_, err = zw.Write(b)
	check(err)
	check(zw.Close())
	return buf.Bytes()
}

// Zip builds a deflated zip of files (a wheel). A symlink is stored as
// zip tools do: its mode says symlink and its body is the target.
func Zip(files ...File) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		hdr := &zip.FileHeader{Name: f.Name, Method: zip.Deflate}
		body := f.Body
		switch f.Type {
		case tar.TypeSymlink:
			hdr.SetMode(os.ModeSymlink | 0o777)
			body = f.Link
		case tar.TypeDir:
			hdr.SetMode(os.ModeDir | 0o755)
		}
		w, err := zw.CreateHeader(hdr)
		check(err)
		_, err = w.Write([]byte(body))
		check(err)
	}
	check(zw.Close())
	return buf.Bytes()
}

// Gem builds a RubyGems package: a plain tar of metadata.gz (the YAML
// gemspec), data.tar.gz (the files) and checksums.yaml.gz.
func Gem(metadata string, data ...File) []byte {
	return Tar(
		File{Name: "metadata.gz", Body: string(Gzip([]byte(metadata)))},
		File{Name: "data.tar.gz", Body: string(TarGz(data...))},
		File{Name: "checksums.yaml.gz", Body: string(Gzip([]byte("---\nSHA256: {}\n")))},
	)
}

// Write writes an archive to dir/name and returns its path.
func Write(tb testing.TB, dir, name string, archive []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, archive, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// WriteTarGz writes files as dir/name, a tar.gz, and returns its path.
func WriteTarGz(tb testing.TB, dir, name string, files ...File) string {
	tb.Helper()
	return Write(tb, dir, name, TarGz(files...))
}

// WriteZip writes files as dir/name, a zip, and returns its path.
func WriteZip(tb testing.TB, dir, name string, files ...File) string {
	tb.Helper()
	return Write(tb, dir, name, Zip(files...))
}

func check(err error) {
	if err != nil {
		panic("archivetest: " + err.Error())
	}
}
