package archive

import (
	"bytes"
	"encoding/binary"
	"io"
)

// zipDirectoryEntries counts the records of a zip's central directory
// without allocating per record, stopping at limit+1. archive/zip keeps a
// File (a few hundred bytes) for every record before anyone can count
// them, so a large zip could otherwise claim gigabytes for a hostile
// directory of millions of tiny records. It returns -1 when there is no
// end-of-directory record (not a zip).
func zipDirectoryEntries(r io.ReaderAt, size int64, limit int) int {
	const eocdLen, maxComment = 22, 65535
	tail := min(size, eocdLen+maxComment)
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && err != io.EOF {
		return -1
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || len(buf)-i < eocdLen {
		return -1
	}
	eocd := buf[i:]
	end := size - tail + int64(i) // where the directory ends
	dirSize := int64(binary.LittleEndian.Uint32(eocd[12:]))
	dirOffset := int64(binary.LittleEndian.Uint32(eocd[16:]))
	if dirOffset == 0xffffffff || dirSize == 0xffffffff {
		// zip64: the locator just before the record points at the zip64 end record.
		loc := make([]byte, 20)
		rec := make([]byte, 56)
		if end-20 < 0 {
			return -1
		}
		if _, err := r.ReadAt(loc, end-20); err != nil || !bytes.HasPrefix(loc, []byte("PK\x06\x07")) {
			return -1
		}
		end = int64(binary.LittleEndian.Uint64(loc[8:]))
		if _, err := r.ReadAt(rec, end); err != nil || !bytes.HasPrefix(rec, []byte("PK\x06\x06")) {
			return -1
		}
		dirSize = int64(binary.LittleEndian.Uint64(rec[40:]))
		dirOffset = int64(binary.LittleEndian.Uint64(rec[48:]))
	}
	// Offsets are relative to the zip's start; a zip with leading bytes
	// (a self-extractor) has its directory just before its end instead.
	var hdr [46]byte
	isRecord := func(off int64) bool {
		if off < 0 {
			return false
		}
		_, err := r.ReadAt(hdr[:], off)
		return err == nil && bytes.HasPrefix(hdr[:], []byte("PK\x01\x02"))
	}
	off := dirOffset
	if !isRecord(off) {
		off = end - dirSize
	}
	n := 0
	for ; n <= limit && isRecord(off); n++ {
		off += 46 + int64(binary.LittleEndian.Uint16(hdr[28:])) + int64(binary.LittleEndian.Uint16(hdr[30:])) + int64(binary.LittleEndian.Uint16(hdr[32:]))
	}
	return n
}
