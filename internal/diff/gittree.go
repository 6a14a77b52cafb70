package diff

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"time"
)

// gitTree is the project at dir as it was at a git ref, as an fs.FS for
// lockfile.ParseFS, so that a requirements file's -r includes are followed
// at the ref just as in the working tree. Each Open reads one blob with
// git; git has no file-system view of a commit to offer instead.
type gitTree struct {
	ctx      context.Context
	dir, ref string
}

func (t gitTree) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	// cat-file blob refuses trees, so a directory is never read as a file.
	data, err := git(t.ctx, t.dir, "cat-file", "blob", t.ref+":./"+name)
	if errors.Is(err, errNotInRef) {
		err = fs.ErrNotExist
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &blob{Reader: bytes.NewReader(data), name: name, size: int64(len(data))}, nil
}

// blob is a file read from a git tree, and its own fs.FileInfo.
type blob struct {
	*bytes.Reader
	name string
	size int64
}

func (b *blob) Stat() (fs.FileInfo, error) { return b, nil }
func (b *blob) Close() error               { return nil }
func (b *blob) Name() string               { return b.name }
func (b *blob) Size() int64                { return b.size }
func (b *blob) Mode() fs.FileMode          { return 0o444 }
func (b *blob) ModTime() time.Time         { return time.Time{} }
func (b *blob) IsDir() bool                { return false }
func (b *blob) Sys() any                   { return nil }
