package diff

import (
	"bytes"
	"hash/maphash"
)

// Region is a stretch of a new file's content that the old file did not
// have. Start and End are byte offsets into the new content (End exclusive);
// StartLine and EndLine the 1-based lines they fall on (inclusive).
type Region struct {
	Start, End         int
	StartLine, EndLine int
}

// Lines is how many lines the region touches.
func (r Region) Lines() int { return r.EndLine - r.StartLine + 1 }

// longLine is the length above which a line is treated as minified code:
// for such a line the added bytes are narrowed from the whole line to the
// part that differs, so that a payload injected into a one-line bundle is
// located (and analysed) without the rest of the bundle.
const longLine = 1024

var seed = maphash.MakeSeed()

// addedRegions returns the parts of newData that are not in oldData.
//
// This is not an edit script (which go-difflib or go-diff would give): the
// question here is "what content is new", so a line that merely moved, or
// that appears elsewhere in the old file, is not news, and the answer must
// come in linear time for multi-megabyte bundles. So: the common byte prefix
// and suffix are cut off, and of the middle, a new line counts as added when
// the old middle holds no (unused) copy of it — a multiset match on line
// hashes, O(n).
func addedRegions(oldData, newData []byte) []Region {
	if bytes.Equal(oldData, newData) {
		return nil
	}
	p := commonPrefix(oldData, newData)
	s := commonSuffix(oldData[p:], newData[p:])
	// Widen to whole lines.
	lp := bytes.LastIndexByte(newData[:p], '\n') + 1
	ls := len(newData) - s
	if i := bytes.IndexByte(newData[ls:], '\n'); i >= 0 {
		ls += i + 1
	} else {
		ls = len(newData)
	}
	oldEnd := len(oldData) - (len(newData) - ls)
	if oldEnd < lp {
		oldEnd = lp
	}
	oldMid, newMid := oldData[lp:oldEnd], newData[lp:ls]

	counts := make(map[uint64]int32, bytes.Count(oldMid, []byte{'\n'})+1)
	forEachLine(oldMid, func(_ int, line []byte) { counts[lineHash(line)]++ })

	firstLine := 1 + bytes.Count(newData[:lp], []byte{'\n'})
	var regions []Region
	forEachLine(newMid, func(off int, line []byte) {
		h := lineHash(line)
		if counts[h] > 0 {
			counts[h]--
			return
		}
		start, end := lp+off, lp+off+len(line)
		n := len(regions)
		if n > 0 && regions[n-1].End == start {
			regions[n-1].End = end
			return
		}
		regions = append(regions, Region{Start: start, End: end})
	})
	// Narrow regions that lie on one long line to the bytes that differ.
	for i := range regions {
		r := &regions[i]
		if r.End-r.Start > longLine && r.Start <= p && len(newData)-s <= r.End && bytes.IndexByte(newData[r.Start:r.End-1], '\n') < 0 {
			r.Start, r.End = p, len(newData)-s
		}
	}
	kept := regions[:0]
	for _, r := range regions {
		if r.End > r.Start {
			kept = append(kept, r)
		}
	}
	regions = kept
	// Line numbers, in one pass over the new data.
	line, pos := firstLine, lp
	for i := range regions {
		r := &regions[i]
		line += bytes.Count(newData[pos:r.Start], []byte{'\n'})
		r.StartLine = line
		end := r.End
		if end > r.Start && newData[end-1] == '\n' {
			end-- // a region ending in a newline ends on that line
		}
		line += bytes.Count(newData[r.Start:end], []byte{'\n'})
		r.EndLine = line
		pos = end
	}
	return regions
}

// lineHash identifies a line by its content without the line ending, so
// that a last line that gained a newline is not new.
func lineHash(line []byte) uint64 {
	n := len(line)
	for n > 0 && (line[n-1] == '\n' || line[n-1] == '\r') {
		n--
	}
	return maphash.Bytes(seed, line[:n])
}

// forEachLine calls fn with each line of b (including its newline) and its offset.
func forEachLine(b []byte, fn func(off int, line []byte)) {
	off := 0
	for off < len(b) {
		i := bytes.IndexByte(b[off:], '\n')
		end := len(b)
		if i >= 0 {
			end = off + i + 1
		}
		fn(off, b[off:end])
		off = end
	}
}

func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for i+8 <= n && bytes.Equal(a[i:i+8], b[i:i+8]) {
		i += 8
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

func commonSuffix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}
