package archive

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ulikunitz/xz"
)

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
