package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
)

// member describes one member of a test archive.
type member struct {
	name string
	body string
	typ  byte   // tar type flag; 0 means a regular file
	link string // symlink target
}

func tarBytes(tb testing.TB, members ...member) []byte {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		hdr := &tar.Header{Name: m.name, Mode: 0o644, Typeflag: m.typ, Linkname: m.link, Format: tar.FormatPAX}
		if m.typ == 0 {
			hdr.Typeflag = tar.TypeReg
			hdr.Size = int64(len(m.body))
		}
		if m.typ == tar.TypeDir {
			hdr.Mode = 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			tb.Fatal(err)
		}
		if _, err := tw.Write([]byte(m.body)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func gzipBytes(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if _, err := zw.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func xzBytes(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	xw, err := xz.NewWriter(&buf)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := xw.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := xw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func zipBytes(tb testing.TB, members ...member) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		hdr := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		switch {
		case m.typ == tar.TypeSymlink:
			hdr.SetMode(os.ModeSymlink | 0o777)
			m.body = m.link
		case m.typ == tar.TypeDir:
			hdr.SetMode(os.ModeDir | 0o755)
		}
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(m.body)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// gemBytes builds a .gem: a plain tar of metadata.gz, data.tar.gz and
// checksums.yaml.gz.
func gemBytes(tb testing.TB, metadata string, data ...member) []byte {
	tb.Helper()
	return tarBytes(tb,
		member{name: "metadata.gz", body: string(gzipBytes(tb, []byte(metadata)))},
		member{name: "data.tar.gz", body: string(gzipBytes(tb, tarBytes(tb, data...)))},
		member{name: "checksums.yaml.gz", body: string(gzipBytes(tb, []byte("---\nSHA256: {}\n")))},
	)
}

// walked is what a walk yielded, copied out of the callback.
type walked struct {
	Path, Data, Link string
	Kind             Kind
	Truncated        bool
}

func walkBytes(tb testing.TB, b []byte, lim Limits) ([]walked, Info, error) {
	tb.Helper()
	var got []walked
	info, err := WalkReader(context.Background(), "test-archive", bytes.NewReader(b), int64(len(b)), lim, func(e *Entry) error {
		got = append(got, walked{Path: e.Path, Data: string(e.Data), Link: e.Link, Kind: e.Kind, Truncated: e.Truncated})
		return nil
	})
	return got, info, err
}

func writeFile(tb testing.TB, name string, b []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}
