// Package atomicfile writes cache files so that a reader (another customs
// process) sees either the old file or the whole new one, never a part.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write creates or replaces path with data, creating its directory.
func Write(path string, data []byte) error {
	return WriteFrom(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFrom creates or replaces path with what write produces; on any
// error the previous file, if any, is left as it was.
func WriteFrom(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
