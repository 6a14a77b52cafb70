package archive

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"slices"

	"github.com/ulikunitz/xz/lzma"
)

// maxXzDict bounds the dictionary an xz block may ask for: the decoder
// allocates it up front, and xz -9 (the largest preset) uses 64 MiB.
const maxXzDict = 64 << 20

// errXzDict is returned (wrapped) for a block asking for more than maxXzDict.
var errXzDict = errors.New("xz dictionary over the memory bound")

// xzReader decodes an xz stream. The container framing (stream header,
// block headers, padding, checks) is read here and each block's LZMA2 data
// is decoded by ulikunitz/xz/lzma: ulikunitz's own xz reader allocates
// whatever dictionary a block header asks for (up to 4 GiB, per block), so
// the bound must be applied to every block header before decoding it.
// Each block's check (CRC32, CRC64 or SHA-256) is verified. Reading stops
// at the index: the tar inside ends before it.
type xzReader struct {
	src       *countingReader
	checkSize int
	check     hash.Hash // nil for "none" and for check types xz does not define
	block     io.Reader // LZMA2 data of the current block; nil between blocks
	start     int64     // offset of the current block
	done      bool
}

type countingReader struct {
	r *bufio.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

var errXzHeader = errors.New("xz: bad header")

func newXzReader(src *bufio.Reader) (*xzReader, error) {
	x := &xzReader{src: &countingReader{r: src}}
	var h [12]byte
	if _, err := io.ReadFull(x.src, h[:]); err != nil {
		return nil, noEOF(err)
	}
	if !bytes.Equal(h[:6], xzMagic) || h[6] != 0 || h[7]&0xf0 != 0 || crc32.ChecksumIEEE(h[6:8]) != binary.LittleEndian.Uint32(h[8:]) {
		return nil, errXzHeader
	}
	id := h[7] & 0x0f
	if id > 0 {
		x.checkSize = 4 << ((id - 1) / 3) // 4, 8, 16, 32 or 64 bytes (xz file format 2.1.1.2)
	}
	switch id {
	case 0x01:
		x.check = crc32.NewIEEE()
	case 0x04:
		x.check = crc64.New(crc64.MakeTable(crc64.ECMA))
	case 0x0a:
		x.check = sha256.New()
	}
	return x, nil
}

func (x *xzReader) Read(p []byte) (int, error) {
	for {
		if x.block == nil {
			if x.done {
				return 0, io.EOF
			}
			if err := x.nextBlock(); err != nil {
				return 0, err
			}
			continue
		}
		n, err := x.block.Read(p)
		if x.check != nil {
			x.check.Write(p[:n])
		}
		if err == io.EOF {
			x.block = nil
			if err := x.endBlock(); err != nil {
				return n, err
			}
			if n == 0 {
				continue
			}
			return n, nil
		}
		return n, err
	}
}

// nextBlock reads a block header and starts decoding its data; a zero
// byte instead of a header starts the index, where the data ends.
func (x *xzReader) nextBlock() error {
	x.start = x.src.n
	b, err := x.src.ReadByte()
	if err != nil {
		return noEOF(err)
	}
	if b == 0 {
		x.done = true
		return nil
	}
	h := make([]byte, (int(b)+1)*4)
	h[0] = b
	if _, err := io.ReadFull(x.src, h[1:]); err != nil {
		return noEOF(err)
	}
	n := len(h) - 4
	if crc32.ChecksumIEEE(h[:n]) != binary.LittleEndian.Uint32(h[n:]) {
		return errors.New("xz: block header checksum mismatch")
	}
	dict, err := xzBlockDict(h[1:n])
	if err != nil {
		return err
	}
	if dict > maxXzDict {
		return fmt.Errorf("%w: block asks for %s, bound %s", errXzDict, humanBytes(dict), humanBytes(maxXzDict))
	}
	r, err := lzma.Reader2Config{DictCap: int(max(dict, lzma.MinDictCap))}.NewReader2(x.src)
	if err != nil {
		return err
	}
	x.block = r
	return nil
}

// endBlock reads the block padding (to a multiple of 4) and verifies the
// block's check.
func (x *xzReader) endBlock() error {
	pad := (4 - (x.src.n-x.start)%4) % 4
	tail := make([]byte, pad+int64(x.checkSize))
	if _, err := io.ReadFull(x.src, tail); err != nil {
		return noEOF(err)
	}
	if bytes.ContainsFunc(tail[:pad], func(r rune) bool { return r != 0 }) {
		return errors.New("xz: non-zero block padding")
	}
	if x.check == nil {
		return nil
	}
	sum := x.check.Sum(nil)
	if x.checkSize != sha256.Size { // CRCs are stored little-endian; Sum appends them big-endian
		slices.Reverse(sum)
	}
	x.check.Reset()
	if !bytes.Equal(sum, tail[pad:]) {
		return errors.New("xz: block check mismatch")
	}
	return nil
}

// xzBlockDict returns the LZMA2 dictionary size of a block header (flags
// onwards, without size byte and CRC). Only a lone LZMA2 filter is
// supported: that is what xz writes unless told otherwise.
func xzBlockDict(h []byte) (int64, error) {
	flags := h[0]
	if flags&0x3c != 0 || flags&3 != 0 {
		return 0, errors.New("xz: unsupported block flags or filter chain")
	}
	b := h[1:]
	var ok bool
	for _, present := range []bool{flags&0x40 != 0, flags&0x80 != 0} { // compressed, uncompressed size
		if present {
			if _, b, ok = uvarint(b); !ok {
				return 0, errXzHeader
			}
		}
	}
	id, b, ok := uvarint(b)
	if !ok || id != 0x21 {
		return 0, fmt.Errorf("xz: unsupported filter %#x", id)
	}
	size, b, ok := uvarint(b)
	if !ok || size != 1 || len(b) < 1 {
		return 0, errXzHeader
	}
	return lzma.DecodeDictCap(b[0])
}

// uvarint decodes the xz multibyte integer (7 bits a byte, at most 9 bytes).
func uvarint(b []byte) (uint64, []byte, bool) {
	var v uint64
	for i := 0; i < len(b) && i < 9; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, b[i+1:], true
		}
	}
	return 0, nil, false
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
