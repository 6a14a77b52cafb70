package archive

import (
	"io/fs"
	"os"
	"path/filepath"
)

// walkDir yields the contents of a directory in lexical order. Symlinks are
// reported with their target and never followed; special files are
// reported and never opened (opening a fifo would block).
func (w *walker) walkDir(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			w.warn("%s unreadable: %v", truncateName(p), err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p == root {
			return nil
		}
		if err := w.check(); err != nil {
			return err
		}
		if err := w.countEntry(); err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		e := &w.entry
		*e = Entry{Path: filepath.ToSlash(rel), Mode: d.Type()}
		switch t := d.Type(); {
		case t.IsDir():
			e.Kind = Dir
		case t&fs.ModeSymlink != 0:
			e.Kind = Symlink
			e.Link, _ = os.Readlink(p)
		case t.IsRegular():
			if ok, err := w.readFile(p, e); !ok {
				return err
			}
		default:
			e.Kind = Other
		}
		return w.emit(e)
	})
}

// readFile fills e with the content of the regular file p. It warns and
// returns false when the file cannot be read, and returns an error when a
// bound is broken.
func (w *walker) readFile(p string, e *Entry) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		w.warn("%s unreadable: %v", truncateName(p), err)
		return false, nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() { // replaced since it was listed
		w.warn("%s changed while being read", truncateName(p))
		return false, nil
	}
	w.inSize += st.Size() // the ratio bound of archives nested in the tree
	data, cut, err := w.readContent(f, st.Size())
	if aerr := w.account(int64(len(data))); aerr != nil {
		return false, aerr
	}
	if err != nil {
		w.warn("%s: %v", truncateName(p), err)
	}
	e.Kind, e.Size, e.Mode, e.Data, e.Truncated = File, st.Size(), st.Mode(), data, cut
	return true, nil
}
