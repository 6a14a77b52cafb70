package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// walkArchive recognises the format of an archive file and walks it.
func (w *walker) walkArchive(r io.ReaderAt, size int64) error {
	head := make([]byte, 512)
	n, err := r.ReadAt(head, 0)
	if n == 0 {
		if err == nil || err == io.EOF {
			return w.fail(ErrUnknownFormat, "empty file", nil)
		}
		return w.fail(ErrCorrupt, "read error", err)
	}
	head = head[:n]
	if isZip(head) {
		return w.walkZip(r, size)
	}
	if sniffCompression(head) != compNone || isTar(head) {
		src := bufioPool.Get().(*bufio.Reader)
		src.Reset(io.NewSectionReader(r, 0, size))
		defer func() { src.Reset(nil); bufioPool.Put(src) }()
		return w.walkStream(src, "")
	}
	// Zips with leading bytes (self-extractors) are found from their end.
	if zipDirectoryEntries(r, size, 0) >= 0 {
		return w.walkZip(r, size)
	}
	return w.fail(ErrUnknownFormat, "not a tar, gzip, bzip2, xz, zip or gem archive", nil)
}

// gzipPool and bufioPool keep decoder state (windows, tables, buffers)
// between walks: a corpus of small archives otherwise spends much of its
// time allocating and clearing them.
var (
	gzipPool  sync.Pool
	bufioPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}
)

func getGzip(r io.Reader) (*gzip.Reader, error) {
	if zr, ok := gzipPool.Get().(*gzip.Reader); ok {
		if err := zr.Reset(r); err != nil {
			gzipPool.Put(zr)
			return nil, err
		}
		return zr, nil
	}
	return gzip.NewReader(r)
}

// meter counts the uncompressed bytes a layer produces against the walk's
// bounds, and remembers the layer's own error so that a failure can be
// blamed on the right layer ("truncated gzip" rather than "truncated tar").
type meter struct {
	r   io.Reader
	w   *walker
	err error
}

func (m *meter) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		m.err = err
	}
	if n > 0 {
		if lerr := m.w.account(int64(n)); lerr != nil {
			return n, lerr
		}
	}
	return n, err
}

// layer is one decoded stream: its name for errors and its meter.
type layer struct {
	codec string // "gzip", "bzip2", "xz" or "" for a plain tar
	where string // "" for the target itself, else the member holding it
	m     *meter
}

// walkStream walks a tar, possibly compressed once, read from src; where
// names the member it came from ("" for the target itself).
func (w *walker) walkStream(src *bufio.Reader, where string) error {
	head, _ := src.Peek(512)
	l := layer{where: where}
	var dec io.Reader
	switch sniffCompression(head) {
	case compGzip:
		l.codec = "gzip"
		zr, err := getGzip(src)
		if err != nil {
			return w.layerErr(l, err)
		}
		defer gzipPool.Put(zr)
		zr.Multistream(false)
		dec = &gzipMembers{zr: zr, src: src, trailing: func() {
			w.warn("%s", w.in(where, "data after the end of the gzip stream ignored"))
		}}
	case compBzip2:
		l.codec = "bzip2"
		dec = bzip2.NewReader(src)
	case compXz:
		l.codec = "xz"
		xr, err := newXzReader(src)
		if err != nil {
			return w.layerErr(l, err)
		}
		dec = xr
	default:
		dec = src
	}
	l.m = &meter{r: dec, w: w}
	var tarSrc io.Reader = l.m
	if l.codec != "" {
		w.compressed = true
		// Peek at the decompressed start to check it is a tar.
		peek := bufio.NewReaderSize(l.m, 4096)
		tarSrc = peek
		head, _ = peek.Peek(512)
		if w.limitErr != nil {
			return w.limitErr
		}
		if l.m.err != nil {
			return w.layerErr(l, l.m.err)
		}
		if !isTar(head) {
			return w.fail(ErrUnknownFormat, w.in(where, l.codec+" stream does not hold a tar archive"), nil)
		}
	}
	gem := w.depth == 0 && l.codec == "" && isGem(head)
	if w.depth == 0 {
		w.info.Format = formatOf(l.codec, gem)
	}
	if err := w.walkTar(tarSrc, gem, l); err != nil || l.codec == "" {
		return err
	}
	return w.drain(tarSrc, l)
}

// drain reads a compressed stream to its end after the tar inside ended:
// the decompressor verifies its checksum only there, and the bytes after
// the tar are part of what a target costs to read.
func (w *walker) drain(r io.Reader, l layer) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return w.layerErr(l, err)
	}
	return nil
}

// gzipMembers reads concatenated gzip members as gunzip does, and stops
// with a warning at bytes after the last member that are not another
// member (tar and pip ignore them too).
type gzipMembers struct {
	zr       *gzip.Reader
	src      *bufio.Reader
	trailing func()
	done     bool
}

func (g *gzipMembers) Read(p []byte) (int, error) {
	for !g.done {
		n, err := g.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		switch err := g.zr.Reset(g.src); {
		case err == nil:
			g.zr.Multistream(false)
		case err == io.EOF:
			g.done = true
		case errors.Is(err, gzip.ErrHeader):
			g.done = true
			g.trailing()
		default:
			return n, err
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, io.EOF
}

func formatOf(codec string, gem bool) Format {
	switch {
	case gem:
		return FormatGem
	case codec == "gzip":
		return FormatTarGz
	case codec == "bzip2":
		return FormatTarBz2
	case codec == "xz":
		return FormatTarXz
	}
	return FormatTar
}

// in prefixes a reason with the member a nested archive came from.
func (w *walker) in(where, reason string) string {
	if where == "" {
		return reason
	}
	return where + ": " + reason
}

// layerErr explains why reading a layer failed.
func (w *walker) layerErr(l layer, err error) error {
	if w.limitErr != nil {
		return w.limitErr
	}
	if cerr := w.check(); cerr != nil {
		return cerr
	}
	codec := l.codec
	if l.m != nil && l.m.err != nil {
		err = l.m.err
	} else if l.m != nil {
		codec = "tar" // the decompressor was fine: the tar inside is broken
	}
	if codec == "" {
		codec = "tar"
	}
	if errors.Is(err, errXzDict) {
		return w.fail(ErrTooLarge, w.in(l.where, fmt.Sprintf("xz dictionary over the %s memory bound", humanBytes(maxXzDict))), err)
	}
	reason := "corrupt " + codec
	if errors.Is(err, io.ErrUnexpectedEOF) {
		reason = "truncated " + codec
	}
	return w.fail(ErrCorrupt, w.in(l.where, reason), err)
}

// walkTar yields the members of a tar stream. In a gem (the outer tar of a
// .gem file) it decodes metadata.gz and walks data.tar.gz as described in
// the package comment.
func (w *walker) walkTar(r io.Reader, gem bool, l layer) error {
	tr := tar.NewReader(r)
	for {
		if err := w.check(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return w.layerErr(l, err)
		}
		if err := w.countEntry(); err != nil {
			return err
		}
		p, ok := w.memberPath(hdr.Name)
		if !ok {
			continue
		}
		if gem {
			if err := w.gemMember(tr, hdr, p); err != nil {
				return err
			}
			continue
		}
		e := &w.entry
		*e = Entry{Path: p, Size: hdr.Size, Mode: hdr.FileInfo().Mode()}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse:
			e.Kind = File
			data, cut, err := w.readContent(tr, hdr.Size)
			if err != nil {
				return w.layerErr(l, err)
			}
			e.Data, e.Truncated = data, cut
		case tar.TypeDir:
			e.Kind = Dir
		case tar.TypeSymlink, tar.TypeLink:
			e.Kind, e.Link = Symlink, hdr.Linkname
		default:
			e.Kind = Other
		}
		if err := w.emit(e); err != nil {
			return err
		}
	}
}

// gemMember handles one member of a gem's outer tar.
func (w *walker) gemMember(tr *tar.Reader, hdr *tar.Header, p string) error {
	switch {
	case p == "data.tar.gz" && hdr.Typeflag == tar.TypeReg:
		if err := w.deeper("data.tar.gz"); err != nil {
			return err
		}
		w.depth++
		defer func() { w.depth-- }()
		return w.walkStream(bufio.NewReaderSize(tr, 64<<10), "data.tar.gz")
	case p == "metadata.gz" && hdr.Typeflag == tar.TypeReg:
		l := layer{codec: "gzip", where: "metadata.gz"}
		zr, err := getGzip(tr)
		if err != nil {
			return w.layerErr(l, err)
		}
		defer gzipPool.Put(zr)
		w.compressed = true
		l.m = &meter{r: zr, w: w}
		// The decompressed size is not declared: read up to the per-file
		// bound, then probe for more.
		data, _, err := w.readContent(l.m, w.lim.MaxFileBytes)
		cut := false
		if err == nil {
			var probe [1]byte
			n, perr := io.ReadFull(l.m, probe[:])
			cut, err = n > 0, perr
		}
		if l.m.err != nil || (err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && err != io.EOF) {
			return w.layerErr(l, err)
		}
		e := &w.entry
		*e = Entry{Path: ".gem/metadata", Kind: File, Size: int64(len(data)), Data: data, Truncated: cut, Mode: 0o644}
		return w.emit(e)
	default:
		e := &w.entry
		*e = Entry{Path: ".gem/" + p, Size: hdr.Size, Mode: hdr.FileInfo().Mode()}
		if hdr.Typeflag == tar.TypeReg {
			data, cut, err := w.readContent(tr, hdr.Size)
			if err != nil {
				return w.layerErr(layer{}, err)
			}
			e.Kind, e.Data, e.Truncated = File, data, cut
		} else {
			e.Kind = Other
		}
		return w.emit(e)
	}
}

// IsArchive reports whether content starts like an archive Walk reads (and
// so walks when it is a member of another archive).
func IsArchive(b []byte) bool {
	return isZip(b) || sniffCompression(b) != compNone || isTar(b)
}

// deeper checks that one more level of nesting stays within MaxDepth.
func (w *walker) deeper(p string) error {
	if w.depth+1 > w.lim.MaxDepth {
		return w.fail(ErrTooDeep, fmt.Sprintf("%s: archives nested more than %d deep (limit --max-depth)", truncateName(p), w.lim.MaxDepth), nil)
	}
	return nil
}

// nest walks the archive member at p (content data) in place: its entries
// follow it, under its path. data is copied: the walk buffer is reused.
func (w *walker) nest(p string, data []byte) error {
	if err := w.deeper(p); err != nil {
		return err
	}
	b := bytes.Clone(data)
	prefix, container := w.prefix, w.container
	w.prefix, w.container = p+"/", p
	w.depth++
	defer func() { w.prefix, w.container = prefix, container; w.depth-- }()
	var err error
	if isZip(b) {
		err = w.walkZip(bytes.NewReader(b), int64(len(b)))
	} else {
		err = w.walkStream(bufio.NewReader(bytes.NewReader(b)), p)
	}
	var ae *Error
	if errors.As(err, &ae) {
		switch ae.Kind {
		case ErrUnknownFormat: // a compressed file, not an archive
			return nil
		case ErrCorrupt:
			w.warn("nested archive %q unreadable: %s", truncateName(p), strings.TrimPrefix(ae.Error(), ae.Target+": "))
			return nil
		}
	}
	return err
}
