package advisory

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Limits on what an advisory source may make customs read. OSV records are
// a few kilobytes; the largest all.zip today is tens of megabytes.
const (
	maxRecordBytes = 4 << 20   // one record
	maxSourceBytes = 1 << 30   // one zip, JSON or JSON-lines file
	maxRecords     = 5_000_000 // entries in one source
)

// ErrNoDatabase is returned by OpenDefault when `customs db update` has not run.
var ErrNoDatabase = errors.New("no advisory database: run `customs db update` or pass --db")

// IndexFile is where `customs db update` keeps the built index inside the cache dir.
func IndexFile(cacheDir string) string { return filepath.Join(cacheDir, "osv", "index.bin") }

// OpenDefault loads the index that `customs db update` built in cacheDir.
func OpenDefault(cacheDir string) (*DB, error) {
	data, err := os.ReadFile(IndexFile(cacheDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoDatabase
	}
	if err != nil {
		return nil, err
	}
	db, err := parseIndex(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (run `customs db update` again)", IndexFile(cacheDir), err)
	}
	return db, nil
}

// Open loads an advisory database from path: an index file, an OSV zip
// (osv.dev's all.zip), a directory of records or zips, a JSON record or
// array of records, or a JSON-lines file. Anything but an index is built into
// one and, when cacheDir is not empty, kept there keyed by the source's
// path, size and modification time, so the next scan with the same --db
// loads in milliseconds.
func Open(path, cacheDir string) (*DB, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		head := make([]byte, len(indexMagic))
		if f, err := os.Open(path); err == nil {
			n, _ := io.ReadFull(f, head)
			f.Close()
			if isIndex(head[:n]) {
				data, err := os.ReadFile(path)
				if err != nil {
					return nil, err
				}
				db, err := parseIndex(data)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", path, err)
				}
				return db, nil
			}
		}
	}
	var cached string
	if cacheDir != "" {
		if key, err := sourceKey(path); err == nil {
			cached = filepath.Join(cacheDir, "osv", "db-"+key+".bin")
			if data, err := os.ReadFile(cached); err == nil {
				if db, err := parseIndex(data); err == nil {
					return db, nil
				}
			}
		}
	}
	b := newBuilder()
	if err := b.addPath(path); err != nil {
		return nil, err
	}
	b.meta.Built = time.Now().UTC()
	var buf bytes.Buffer
	if err := b.write(&buf); err != nil {
		return nil, err
	}
	if cached != "" {
		// A cache that cannot be written only costs speed next time.
		_ = b.writeFile(cached)
	}
	return parseIndex(buf.Bytes())
}

// sourceKey identifies a --db source by absolute path, size and mtime of
// every file it consists of.
func sourceKey(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", p, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		return "", err
	}
	h.Write([]byte(indexMagic))
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

// addPath reads every record under path.
func (b *builder) addPath(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		b.meta.Sources = append(b.meta.Sources, filepath.Base(path))
		return b.addFile(path)
	}
	b.meta.Sources = append(b.meta.Sources, filepath.Base(path)+string(filepath.Separator))
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			switch strings.ToLower(filepath.Ext(p)) {
			case ".json", ".zip", ".jsonl", ".ndjson":
				files = append(files, p)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		if err := b.addFile(f); err != nil {
			return err
		}
	}
	return nil
}

// addFile reads a zip, a JSON record or array, or JSON lines.
func (b *builder) addFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() > maxSourceBytes {
		return fmt.Errorf("%s: %d bytes is more than an advisory source may hold (%d)", path, st.Size(), maxSourceBytes)
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if n == 4 && string(head) == "PK\x03\x04" {
		return b.addZip(f, st.Size(), path)
	}
	if n == 4 && string(head) == "PK\x05\x06" {
		return nil // an empty zip
	}
	return b.addJSON(f, path)
}

func (b *builder) addZip(r io.ReaderAt, size int64, path string) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(zr.File) > maxRecords {
		return fmt.Errorf("%s: %d entries is more than an advisory zip may hold", path, len(zr.File))
	}
	buf := make([]byte, 0, 64<<10)
	for _, zf := range zr.File {
		if !strings.HasSuffix(strings.ToLower(zf.Name), ".json") || zf.FileInfo().IsDir() {
			continue
		}
		origin := filepath.Base(path) + ":" + zf.Name
		if zf.UncompressedSize64 > maxRecordBytes {
			b.invalid(origin, fmt.Errorf("record of %d bytes exceeds the %d limit", zf.UncompressedSize64, maxRecordBytes))
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			b.invalid(origin, err)
			continue
		}
		buf, err = readBounded(rc, buf[:0], maxRecordBytes)
		rc.Close()
		if err != nil {
			b.invalid(origin, err)
			continue
		}
		b.addRecord(buf, origin)
	}
	return nil
}

// readBounded reads r into buf, failing rather than growing past limit
// (a zip's declared size is not to be trusted).
func readBounded(r io.Reader, buf []byte, limit int64) ([]byte, error) {
	w := bytes.NewBuffer(buf)
	n, err := io.Copy(w, io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("record exceeds %d bytes", limit)
	}
	return w.Bytes(), nil
}

func (b *builder) invalid(origin string, err error) {
	b.meta.Invalid++
	if b.meta.InvalidExample == "" {
		b.meta.InvalidExample = origin + ": " + err.Error()
	}
}

// addJSON reads one record, an array of records, or one record per line.
func (b *builder) addJSON(r io.Reader, path string) error {
	br := bufio.NewReaderSize(r, 64<<10)
	first, err := peekNonSpace(br)
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	name := filepath.Base(path)
	dec := json.NewDecoder(io.LimitReader(br, maxSourceBytes))
	if first == '[' {
		if _, err := dec.Token(); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for i := 0; dec.More(); i++ {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fmt.Errorf("%s: record %d: %w", path, i+1, err)
			}
			b.addRecord(raw, fmt.Sprintf("%s[%d]", name, i))
		}
		return nil
	}
	if first != '{' {
		return fmt.Errorf("%s: neither OSV JSON nor JSON lines", path)
	}
	// One object, or one object per line: the decoder reads both.
	for i := 1; ; i++ {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: record %d: %w", path, i, err)
		}
		if len(raw) > maxRecordBytes {
			b.invalid(fmt.Sprintf("%s:%d", name, i), fmt.Errorf("record exceeds %d bytes", maxRecordBytes))
			continue
		}
		b.addRecord(raw, fmt.Sprintf("%s:%d", name, i))
	}
}

func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case 0xEF: // a UTF-8 byte order mark
			br.Discard(2)
			continue
		}
		return c, br.UnreadByte()
	}
}
