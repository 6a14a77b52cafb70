package archive

import (
	"bytes"
	"strconv"
)

// compression is the outer layer of a stream as recognised from its magic.
type compression int

const (
	compNone compression = iota
	compGzip
	compBzip2
	compXz
)

var (
	gzipMagic  = []byte{0x1f, 0x8b}
	bzip2Magic = []byte("BZh")
	xzMagic    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
)

func sniffCompression(head []byte) compression {
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		return compGzip
	case bytes.HasPrefix(head, xzMagic):
		return compXz
	case len(head) >= 4 && bytes.HasPrefix(head, bzip2Magic) && head[3] >= '1' && head[3] <= '9':
		return compBzip2
	}
	return compNone
}

// isZip recognises a zip by its first record: a local file header, or the
// end-of-central-directory record of an empty zip. (Zips with a prefix,
// such as self-extractors, are found by trying zip last.)
func isZip(head []byte) bool {
	return bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06"))
}

// isTar recognises a tar by its first 512-byte header: the ustar magic, a
// valid header checksum (old v7 tars have no magic), or an all-zero block
// (an empty archive).
func isTar(head []byte) bool {
	if len(head) < 512 {
		return false
	}
	h := head[:512]
	if bytes.Equal(h[257:262], []byte("ustar")) {
		return true
	}
	field := bytes.TrimRight(bytes.TrimLeft(h[148:156], " \x00"), " \x00")
	if len(field) == 0 {
		return bytes.Count(h, []byte{0}) == 512
	}
	want, err := strconv.ParseUint(string(field), 8, 32)
	if err != nil {
		return false
	}
	var sum uint64
	for i, c := range h {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += uint64(c)
	}
	return sum == want
}

// gemMembers are the names a RubyGems package tar starts with.
var gemMembers = map[string]bool{"metadata.gz": true, "data.tar.gz": true, "checksums.yaml.gz": true}

// isGem recognises a .gem: a plain tar whose first member is one of the
// members every gem has.
func isGem(head []byte) bool {
	if !isTar(head) {
		return false
	}
	name, _, _ := bytes.Cut(head[:100], []byte{0})
	return gemMembers[string(name)]
}
