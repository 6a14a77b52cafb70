package archive

import (
	"archive/zip"
	"errors"
	"io"
	"io/fs"
	"strings"
	"sync"

	"github.com/klauspost/compress/flate"
)

// maxLinkBytes bounds the target of a symlink stored in a zip.
const maxLinkBytes = 4096

// walkZip yields the members of a zip in central-directory order.
func (w *walker) walkZip(r io.ReaderAt, size int64) error {
	if w.depth == 0 {
		w.info.Format = FormatZip
	}
	w.compressed = true
	// A central directory record takes at least 46 bytes: only a zip this
	// large can hold more records than the limit, so only it is counted
	// before archive/zip reads (and allocates for) every record.
	if size/46 > int64(w.lim.MaxEntries) && zipDirectoryEntries(r, size, w.lim.MaxEntries) > w.lim.MaxEntries {
		return w.tooManyEntries()
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return w.fail(ErrCorrupt, "corrupt zip", err)
	}
	zr.RegisterDecompressor(zip.Deflate, newFlateReader)
	if len(zr.File) > w.lim.MaxEntries {
		return w.tooManyEntries()
	}
	// A zip declares what it expands to: refuse a bomb before inflating it.
	var declared uint64
	for _, f := range zr.File {
		declared += f.UncompressedSize64
	}
	if declared > ratioGrace && float64(declared) > w.lim.MaxRatio*float64(max(size, 1)) {
		return w.bombErr(float64(declared) / float64(max(size, 1)))
	}
	for _, f := range zr.File {
		if err := w.check(); err != nil {
			return err
		}
		if err := w.countEntry(); err != nil {
			return err
		}
		p, ok := w.memberPath(f.Name)
		if !ok {
			continue
		}
		if err := w.zipMember(f, p); err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) zipMember(f *zip.File, p string) error {
	mode := f.Mode()
	e := &w.entry
	*e = Entry{Path: p, Size: int64(f.UncompressedSize64), Mode: mode}
	switch {
	case strings.HasSuffix(f.Name, "/") || mode.IsDir():
		e.Kind = Dir
		return w.emit(e)
	case mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket) != 0:
		e.Kind = Other
		return w.emit(e)
	}
	rc, err := f.Open()
	if err != nil {
		w.warn("zip member %q unreadable: %v", truncateName(f.Name), err)
		return nil
	}
	defer rc.Close()
	if mode&fs.ModeSymlink != 0 {
		// The content of a zip symlink is its target.
		data, _, err := w.readContent(rc, min(e.Size, maxLinkBytes))
		if aerr := w.account(int64(len(data))); aerr != nil {
			return aerr
		}
		if err != nil {
			w.warn("zip member %q: %v", truncateName(f.Name), err)
		}
		e.Kind, e.Link = Symlink, string(data)
		return w.emit(e)
	}
	e.Kind = File
	data, cut, err := w.readContent(rc, e.Size)
	if aerr := w.account(int64(len(data))); aerr != nil {
		return aerr
	}
	if err == nil && !cut {
		// Read past the declared size: archive/zip checks the CRC and the
		// size only at the end of a member.
		var probe [1]byte
		if _, err = rc.Read(probe[:]); err == io.EOF {
			err = nil
		}
	}
	if err != nil {
		w.warn("zip member %q is corrupt: %v", truncateName(f.Name), err)
	}
	e.Data, e.Truncated = data, cut
	return w.emit(e)
}

// flatePool reuses klauspost's inflaters (much faster than compress/flate)
// across zip members and walks.
var flatePool sync.Pool

func newFlateReader(r io.Reader) io.ReadCloser {
	if fr, ok := flatePool.Get().(io.ReadCloser); ok {
		if err := fr.(flate.Resetter).Reset(r, nil); err == nil {
			return &pooledFlate{fr}
		}
	}
	return &pooledFlate{flate.NewReader(r)}
}

type pooledFlate struct{ io.ReadCloser }

func (p *pooledFlate) Read(b []byte) (int, error) {
	if p.ReadCloser == nil {
		return 0, errors.New("flate: read after close")
	}
	return p.ReadCloser.Read(b)
}

func (p *pooledFlate) Close() error {
	if p.ReadCloser != nil {
		flatePool.Put(p.ReadCloser)
		p.ReadCloser = nil
	}
	return nil
}
