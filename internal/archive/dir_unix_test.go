//go:build unix

package archive

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A fifo in a directory is reported, never opened (opening one blocks).
func TestDirFifoNotOpened(t *testing.T) {
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, "a.py"), "a")
	if err := syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	var got []walked
	if _, err := Walk(context.Background(), root, Limits{}, func(e *Entry) error {
		got = append(got, walked{Path: e.Path, Data: string(e.Data), Kind: e.Kind})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []walked{{Path: "a.py", Kind: File, Data: "a"}, {Path: "pipe", Kind: Other}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	// Nor is a fifo given as the target.
	_, err := Walk(context.Background(), filepath.Join(root, "pipe"), Limits{}, func(*Entry) error { return nil })
	wantErr(t, err, ErrUnknownFormat, "not a regular file or directory")
}
