// Package archive reads package archives and directories as a stream of
// entries, in memory, under hard bounds. It never writes to disk, never
// follows a link and never trusts a path.
//
// The format is recognised from the bytes, never from the file name (real
// malware corpora hold zip wheels named .tar.gz and xz tars named .tar.gz):
// gzip, bzip2 and xz compressed tars, plain tars, zip (sdists and wheels),
// RubyGems .gem files and directories (an unpacked package or an installed
// tree such as site-packages or a GEM_HOME).
//
// # RubyGems convention
//
// A .gem is a plain tar holding metadata.gz, data.tar.gz and
// checksums.yaml.gz. Walk yields:
//   - the decompressed metadata.gz (the gem specification as YAML) as a File
//     with Path ".gem/metadata";
//   - every entry of data.tar.gz under its own path (this is the package);
//   - any other member of the outer tar (checksums.yaml.gz, signatures) as is,
//     under ".gem/<name>".
//
// # Paths
//
// Entry paths are cleaned, relative and use forward slashes. A backslash in
// an archive name is read as a separator (Windows tools write them). A name
// that is absolute, holds a ".." element or a NUL byte is not yielded: it is
// reported in Info.Warnings and skipped.
//
// # Nested archives
//
// A member that is itself a complete archive (a wheel vendored in an sdist,
// a zip hidden in an npm package) is yielded as a File, then walked: its
// entries follow, with paths under the member's path
// ("pkg/vendor/x.whl/x/__init__.py") and Entry.Container set to it. A
// nested archive that turns out corrupt is a warning; a compressed file
// that holds no archive (data.json.gz) is just a file. Nesting deeper than
// MaxDepth is an error.
//
// # Bounds
//
// Every target is read under Limits: bytes per file (larger files are
// yielded truncated), total uncompressed bytes, entry count, compression
// ratio, archive nesting depth and time. Breaking a bound stops the walk of
// that target with an *Error whose Kind is one of the Err* sentinels. The
// ratio bound applies once a target has produced 16 MiB, so that a small
// archive of zeros passes; a zip is also refused up front when the sizes it
// declares exceed it. Memory stays bounded by one content buffer
// (MaxFileBytes) per walk, one copy per level of nesting, and decoder state
// (an xz dictionary is at most 64 MiB).
package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Format names an archive format as recognised from its bytes.
type Format string

// Formats Walk recognises.
const (
	FormatTarGz  Format = "tar.gz"
	FormatTarBz2 Format = "tar.bz2"
	FormatTarXz  Format = "tar.xz"
	FormatTar    Format = "tar"
	FormatZip    Format = "zip"
	FormatGem    Format = "gem"
	FormatDir    Format = "dir"
)

// Limits bounds the work spent on one target. Zero fields take the default.
type Limits struct {
	MaxFileBytes  int64         // bytes read per file; larger files are yielded truncated
	MaxTotalBytes int64         // uncompressed bytes per target
	MaxEntries    int           // entries per target
	MaxRatio      float64       // uncompressed / compressed size, for compressed inputs
	MaxDepth      int           // archives inside archives (a gem's data.tar.gz is depth 1)
	Timeout       time.Duration // per target
}

// ratioGrace is the uncompressed size below which the ratio bound is not
// applied: a small archive of zeros is cheap to read whatever its ratio.
const ratioGrace = 16 << 20

// DefaultLimits returns generous bounds: real packages stay far below them
// (the largest Debian library tree in the benign corpus is 66 MiB).
func DefaultLimits() Limits {
	return Limits{
		MaxFileBytes:  32 << 20,
		MaxTotalBytes: 1 << 30,
		MaxEntries:    200_000,
		MaxRatio:      200,
		MaxDepth:      2,
		Timeout:       60 * time.Second,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = d.MaxFileBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	return l
}

// Kind is the type of an entry.
type Kind int

// Entry kinds. Symlinks (and tar hard links) are reported, never followed.
const (
	File Kind = iota
	Dir
	Symlink
	Other // devices, fifos and other special files; never opened
)

func (k Kind) String() string {
	switch k {
	case File:
		return "file"
	case Dir:
		return "dir"
	case Symlink:
		return "symlink"
	default:
		return "other"
	}
}

// Entry is one member of an archive or directory.
type Entry struct {
	Path string // cleaned, forward-slash, relative; never absolute, never ".."
	Kind Kind
	Size int64 // declared size
	// Data is the content of a File (nil for other kinds). It is valid ONLY
	// during the callback: the buffer is reused for the next entry.
	Data      []byte
	Truncated bool // Size exceeded MaxFileBytes (or the member was cut short); Data holds the first bytes
	Mode      fs.FileMode
	Link      string // target of a Symlink, as written (never resolved)
	// Container is the path of the archive this entry was found in when
	// archives nest ("pkg/vendor/x.whl" for "pkg/vendor/x.whl/x/__init__.py"),
	// "" for the target's own entries (a gem's data.tar.gz files included).
	Container string
}

// Info summarises a walk.
type Info struct {
	Format   Format
	Entries  int      // entries yielded
	Bytes    int64    // content bytes read and yielded
	Warnings []string // skipped unsafe names, unreadable members, ...
}

// maxWarnings bounds Info.Warnings; a hostile archive could hold millions.
const maxWarnings = 100

// Sentinel kinds of *Error, for errors.Is.
var (
	ErrUnknownFormat  = errors.New("unrecognised format")
	ErrCorrupt        = errors.New("corrupt archive")
	ErrTooLarge       = errors.New("archive too large")
	ErrTooManyEntries = errors.New("too many entries")
	ErrBomb           = errors.New("compression bomb")
	ErrTooDeep        = errors.New("archives nested too deep")
	ErrTimeout        = errors.New("timed out")
)

// Error is a failure to read one target. Kind is one of the Err* sentinels
// (or a context error when the caller cancelled); Err the underlying cause.
type Error struct {
	Target string
	Kind   error
	Reason string // human-readable, e.g. "truncated gzip"
	Err    error
}

func (e *Error) Error() string {
	s := e.Target + ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Walk streams every entry of target (an archive file or a directory) to fn,
// in archive order (lexical order for a directory). If fn returns
// fs.SkipAll the walk stops without error; any other error from fn stops
// the walk and is returned as is.
func Walk(ctx context.Context, target string, lim Limits, fn func(*Entry) error) (Info, error) {
	st, err := os.Stat(target)
	if err != nil {
		return Info{}, err
	}
	if st.IsDir() {
		// The target itself may be a link to a directory: the user named
		// it, so it is followed (links inside it never are).
		root, err := filepath.EvalSymlinks(target)
		if err != nil {
			return Info{}, err
		}
		w, cancel := newWalker(ctx, target, lim, fn)
		defer cancel()
		w.info.Format = FormatDir
		return w.finish(w.walkDir(root))
	}
	if !st.Mode().IsRegular() { // a fifo or device would block or never end
		return Info{}, &Error{Target: target, Kind: ErrUnknownFormat, Reason: "not a regular file or directory"}
	}
	f, err := os.Open(target)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	return WalkReader(ctx, target, f, st.Size(), lim, fn)
}

// WalkReader is Walk for an archive already in hand (for example a
// downloaded tarball); name is used in errors.
func WalkReader(ctx context.Context, name string, r io.ReaderAt, size int64, lim Limits, fn func(*Entry) error) (Info, error) {
	w, cancel := newWalker(ctx, name, lim, fn)
	defer cancel()
	w.inSize = size
	return w.finish(w.walkArchive(r, size))
}

// Floor decompresses and reads every byte of every entry of target and does
// nothing else: the cost any analysis of target must pay. It is Walk with a
// callback that does nothing, so it measures exactly Walk's code path.
func Floor(ctx context.Context, target string, lim Limits) (int64, error) {
	info, err := Walk(ctx, target, lim, func(*Entry) error { return nil })
	return info.Bytes, err
}

// walker holds the state of one walk: bounds, counters and the reused
// content buffer.
type walker struct {
	ctx    context.Context
	done   <-chan struct{}
	target string
	lim    Limits
	fn     func(*Entry) error

	info     Info
	warnings int

	entries    int   // entries seen, yielded or not
	total      int64 // uncompressed bytes produced by every layer
	inSize     int64 // size of the (compressed) input, for the ratio bound
	compressed bool  // a decompressor is involved: the ratio bound applies
	limitErr   error // first bound broken inside a reader, reported after it unwinds

	depth     int    // archives around the current one (0 for the target)
	prefix    string // added to member paths of a nested archive ("pkg/x.whl/")
	container string // path of the nested archive being walked

	buf   *[]byte
	entry Entry
}

// bufPool keeps content buffers between walks so that many small targets
// do not each allocate one.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// maxPooledBuf keeps one huge file from pinning its buffer in the pool.
const maxPooledBuf = 4 << 20

func newWalker(ctx context.Context, target string, lim Limits, fn func(*Entry) error) (*walker, context.CancelFunc) {
	lim = lim.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	return &walker{
		ctx:    ctx,
		done:   ctx.Done(),
		target: target,
		lim:    lim,
		fn:     fn,
		buf:    bufPool.Get().(*[]byte),
	}, cancel
}

func (w *walker) finish(err error) (Info, error) {
	if cap(*w.buf) <= maxPooledBuf {
		bufPool.Put(w.buf)
	}
	w.buf = nil
	if w.warnings > maxWarnings {
		w.info.Warnings = append(w.info.Warnings, fmt.Sprintf("%d more warnings not shown", w.warnings-maxWarnings))
	}
	if errors.Is(err, fs.SkipAll) {
		err = nil
	}
	return w.info, err
}

func (w *walker) warn(format string, args ...any) {
	w.warnings++
	if w.warnings <= maxWarnings {
		w.info.Warnings = append(w.info.Warnings, fmt.Sprintf(format, args...))
	}
}

func (w *walker) fail(kind error, reason string, cause error) error {
	return &Error{Target: w.target, Kind: kind, Reason: reason, Err: cause}
}

// check reports a broken bound or an expired context; readers call it
// between entries.
func (w *walker) check() error {
	if w.limitErr != nil {
		return w.limitErr
	}
	select {
	case <-w.done:
		return w.ctxErr()
	default:
		return nil
	}
}

func (w *walker) ctxErr() error {
	err := w.ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return w.fail(ErrTimeout, fmt.Sprintf("timed out after %s (limit --timeout)", w.lim.Timeout), nil)
	}
	return w.fail(err, "walk cancelled", nil)
}

// account adds n uncompressed bytes to the target's total and checks the
// size and ratio bounds.
func (w *walker) account(n int64) error {
	if w.limitErr != nil {
		return w.limitErr
	}
	w.total += n
	switch {
	case w.total > w.lim.MaxTotalBytes:
		w.limitErr = w.fail(ErrTooLarge, fmt.Sprintf("archive exceeds %s uncompressed (limit --max-total-size)", humanBytes(w.lim.MaxTotalBytes)), nil)
	case w.compressed && w.total > ratioGrace && float64(w.total) > w.lim.MaxRatio*float64(max(w.inSize, 1)):
		w.limitErr = w.bombErr(float64(w.total) / float64(max(w.inSize, 1)))
	default:
		return w.check()
	}
	return w.limitErr
}

func (w *walker) bombErr(ratio float64) error {
	what := "compression bomb"
	if w.info.Format == FormatZip {
		what = "zip bomb"
	}
	return w.fail(ErrBomb, fmt.Sprintf("%s: compression ratio %.0f:1 over %.0f:1 (limit --max-ratio)", what, ratio, w.lim.MaxRatio), nil)
}

// countEntry counts one member against MaxEntries.
func (w *walker) countEntry() error {
	w.entries++
	if w.entries > w.lim.MaxEntries {
		return w.tooManyEntries()
	}
	return nil
}

func (w *walker) tooManyEntries() error {
	return w.fail(ErrTooManyEntries, fmt.Sprintf("archive has more than %d entries (limit --max-entries)", w.lim.MaxEntries), nil)
}

// grow returns the walk buffer resliced to n bytes.
func (w *walker) grow(n int64) []byte {
	b := *w.buf
	if int64(cap(b)) < n {
		c := max(n, min(2*int64(cap(b)), w.lim.MaxFileBytes))
		b = make([]byte, c)
		*w.buf = b
	}
	return b[:n]
}

// emit hands one entry to the callback, then walks it if it is itself a
// complete archive.
func (w *walker) emit(e *Entry) error {
	e.Path = w.prefix + e.Path
	e.Container = w.container
	w.info.Entries++
	w.info.Bytes += int64(len(e.Data))
	p, data, nested := e.Path, e.Data, e.Kind == File && !e.Truncated && IsArchive(e.Data)
	if err := w.fn(e); err != nil {
		return err
	}
	if nested {
		return w.nest(p, data)
	}
	return nil
}

// readContent reads up to MaxFileBytes of a member whose declared size is
// size into the walk buffer. It returns the bytes read, whether the member
// was cut, and the read error (io.ErrUnexpectedEOF when the member is
// shorter than declared).
func (w *walker) readContent(r io.Reader, size int64) ([]byte, bool, error) {
	want := min(max(size, 0), w.lim.MaxFileBytes)
	b := w.grow(want)
	n, err := io.ReadFull(r, b)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return b[:n], size > w.lim.MaxFileBytes || err != nil, err
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}
