package analyze

import (
	"bytes"
	"compress/bzip2"
	"encoding/base64"
	"encoding/hex"
	"io"
	"regexp"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/ulikunitz/xz"
)

// Thresholds of the built-in detectors.
const (
	longLine = 5000 // bytes; no hand-written line is this long
	minBlob  = 64   // shortest encoded literal worth decoding
	// shortest run of spaces and tabs decoded as bits (40 bytes)
	minWhitespaceBits = 320
	obfuscatorNames   = 20 // _0x… identifiers that mark javascript-obfuscator output
	invisibleRun      = 12 // consecutive invisible code points that hide data
	mathLetters       = 12 // mathematical letters that mark restyled identifiers
)

// binary looks at an executable's header only.
func (s *scan) binary(data []byte) {
	if c, ok := s.e.detectors["embedded-binary"]; ok {
		s.add(c, 0, []byte(executableFormat(data)+" executable"), false)
	}
}

// detect runs the built-in detectors that apply to lang over data in one
// pass over the bytes.
func (s *scan) detect(data []byte, lang string, applies func(*compiled) bool, gated map[string]bool, depth int, lineOf func(int) int) {
	det := func(name string) *compiled {
		c, ok := s.e.detectors[name]
		if !ok || !applies(c) {
			return nil
		}
		return c
	}
	long, invisible, payload, math := det("long-line"), det("invisible-unicode"), det("decoded-payload"), det("math-letters")
	mathCount, mathFirst := 0, -1

	// One pass: line lengths, runs of base64/hex characters, runs of
	// invisible code points. Letters and digits (most of any code) are
	// consumed by the tight run loop.
	lineStart := 0
	comment := -1 // offset of a '#' on the current line (a comment in Python), or -1
	invStart, invCount := -1, 0
	longDone, invDone := long == nil, invisible == nil
	for i, n := 0, len(data); i < n; {
		switch byteClass[data[i]] {
		case clsB64:
			j := i + 1
			for j < n && byteClass[data[j]] == clsB64 {
				j++
			}
			if payload != nil && j-i >= minBlob {
				s.blob(data, i, j, lang, depth, lineOf)
			}
			i, invCount = j, 0
		case clsNewline:
			if !longDone && i-lineStart > longLine && !dataLine(data[lineStart:i]) {
				s.add(long, lineOf(lineStart), data[lineStart:lineStart+120], depth > 0)
				longDone = true
			}
			lineStart, comment = i+1, -1
			i, invCount = i+1, 0
		case clsOther:
			if data[i] == ' ' || data[i] == '\t' {
				j := i + 1
				for j < n && (data[j] == ' ' || data[j] == '\t') {
					j++
				}
				if payload != nil && j-i >= minWhitespaceBits {
					s.whitespaceBits(data, i, j, lang, depth, lineOf)
				}
				i, invCount = j, 0
				continue
			}
			if data[i] == '#' && comment < 0 {
				comment = i
			}
			i, invCount = i+1, 0
		default: // the first byte of a multi-byte character
			r, size := utf8.DecodeRune(data[i:])
			// Mathematical letters in identifiers (not closing a string
			// literal nor in a comment, where maths text legitimately
			// holds them).
			if r >= 0x1D400 && r <= 0x1D7FF && comment < 0 && (i+size >= len(data) || data[i+size] != '\'' && data[i+size] != '"') {
				if mathCount == 0 {
					mathFirst = i
				}
				mathCount++
			}
			if !invDone && isInvisible(r) {
				if invCount == 0 {
					invStart = i
				}
				invCount++
				if invCount >= invisibleRun {
					s.add(invisible, lineOf(invStart), data[invStart:i+size], depth > 0)
					invDone = true
				}
			} else {
				invCount = 0
			}
			i += size
		}
	}
	if !longDone && len(data)-lineStart > longLine && !dataLine(data[lineStart:]) {
		s.add(long, lineOf(lineStart), data[lineStart:lineStart+120], depth > 0)
	}
	if payload != nil {
		s.hexEscapes(data, lang, depth, lineOf)
	}
	if math != nil && mathCount >= mathLetters {
		s.add(math, lineOf(mathFirst), data[mathFirst:min(len(data), mathFirst+80)], depth > 0)
	}
	if gated["exec-decoded-name"] {
		if c := det("exec-decoded-name"); c != nil {
			s.execDecodedName(c, data, lineOf, depth)
		}
	}
	if gated["js-obfuscator"] {
		if c := det("js-obfuscator"); c != nil {
			s.obfuscatorNames(c, data, lineOf, depth)
		}
	}
}

// Byte classes of the detector pass.
const (
	clsOther   = iota // ASCII outside the base64 alphabet
	clsB64            // A-Z a-z 0-9 + / = - _
	clsNewline        // '\n'
	clsNonASCII
)

var byteClass = func() (t [256]uint8) {
	for i := 0x80; i < 0x100; i++ {
		t[i] = clsNonASCII
	}
	for _, r := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_" {
		t[r] = clsB64
	}
	t['\n'] = clsNewline
	return t
}()

// isInvisible reports code points that render as nothing and are used to
// hide code or data: zero-width characters, Hangul fillers, variation
// selectors and tag characters.
func isInvisible(r rune) bool {
	switch {
	case r >= 0x200B && r <= 0x200D, r == 0x2060, r == 0x3164, r == 0xFFA0:
		return true
	case r >= 0xFE00 && r <= 0xFE0F:
		return true
	case r >= 0xE0000 && r <= 0xE01EF:
		return true
	}
	return false
}

// obfuscatorNames counts _0x… identifiers, the signature of
// javascript-obfuscator output, which legitimate packages do not ship.
func (s *scan) obfuscatorNames(c *compiled, data []byte, lineOf func(int) int, depth int) {
	n, first := 0, -1
	for off := 0; ; {
		i := bytes.Index(data[off:], []byte("_0x"))
		if i < 0 {
			break
		}
		p := off + i + 3
		j := p
		for j < len(data) && j-p < 8 && isHex(data[j]) {
			j++
		}
		if j-p >= 4 {
			n++
			if first < 0 {
				first = off + i
			}
		}
		off = j
	}
	if n >= obfuscatorNames {
		s.add(c, lineOf(first), data[first:min(len(data), first+100)], depth > 0)
	}
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}

// blob tries to decode the literal data[from:to] (base64, hex, either
// reversed, then zlib/gzip/bzip2/xz) and, when it hides code or an
// executable, reports it and scans the decoded text with the same rules.
func (s *scan) blob(data []byte, from, to int, lang string, depth int, lineOf func(int) int) {
	if depth >= maxDecodeDepth || s.decoded >= maxDecoded || benignDataURI(data[:from]) {
		return
	}
	raw := data[from:to]
	out := decodeLiteral(raw)
	if out == nil {
		return
	}
	s.payload(out, data, from, to, lang, depth, lineOf)
}

// payload judges decoded bytes: an executable is reported as embedded, text
// that looks like code is rescanned.
func (s *scan) payload(out, data []byte, from, to int, lang string, depth int, lineOf func(int) int) {
	out = inflate(out)
	s.decoded += len(out)
	line := lineOf(from)
	if isExecutable(out) {
		if c, ok := s.e.detectors["embedded-binary"]; ok {
			s.add(c, line, []byte(executableFormat(out)+" executable decoded from "+string(data[from:min(to, from+40)])), true)
		}
		return
	}
	if !looksLikeText(out) {
		return
	}
	// Text that is itself encoded again is rescanned too; only text that
	// reads like code is reported as a payload.
	if c, ok := s.e.detectors["decoded-payload"]; ok && looksLikeCode(out) {
		s.add(c, line, out[:min(len(out), 120)], true)
	}
	s.text(out, lang, depth+1, line)
}

// whitespaceBits decodes a long run of spaces and tabs as bits (one
// polarity or the other, eight to a byte): a way of hiding a payload in
// what looks like an empty string. Indentation and alignment never run
// this long with tabs and spaces mixed.
func (s *scan) whitespaceBits(data []byte, from, to int, lang string, depth int, lineOf func(int) int) {
	if depth >= maxDecodeDepth || s.decoded >= maxDecoded {
		return
	}
	run := data[from:to]
	tabs := bytes.Count(run, []byte{'\t'})
	if tabs < len(run)/8 || tabs > len(run)*7/8 {
		return
	}
	for _, one := range []byte{'\t', ' '} {
		out := make([]byte, len(run)/8)
		for i := range out {
			var b byte
			for _, c := range run[8*i : 8*i+8] {
				b <<= 1
				if c == one {
					b |= 1
				}
			}
			out[i] = b
		}
		if looksLikeText(out) {
			s.payload(out, data, from, to, lang, depth, lineOf)
			return
		}
	}
}

// benignDataURI reports literals that are source maps, images or fonts in
// data: URIs, which bundles inline by the hundred.
func benignDataURI(before []byte) bool {
	before = before[max(0, len(before)-48):]
	for _, p := range [][]byte{[]byte("sourceMappingURL="), []byte("data:image/"), []byte("data:font/"), []byte("application/font"), []byte("application/json"), []byte("font/woff"), []byte("application/x-font")} {
		if bytes.Contains(before, p) {
			return true
		}
	}
	return false
}

// decodeLiteral decodes a base64 or hex literal, or returns nil.
func decodeLiteral(raw []byte) []byte {
	if len(raw)%2 == 0 && allHex(raw) {
		out := make([]byte, len(raw)/2)
		if _, err := hex.Decode(out, raw); err == nil {
			return out
		}
		return nil
	}
	if raw[0] == '=' { // reversed base64 ("...="[::-1])
		rev := make([]byte, len(raw))
		for i, b := range raw {
			rev[len(raw)-1-i] = b
		}
		raw = rev
	}
	trimmed := bytes.TrimRight(raw, "=")
	enc := base64.RawStdEncoding
	if bytes.ContainsAny(trimmed, "-_") {
		enc = base64.RawURLEncoding
	}
	out := make([]byte, enc.DecodedLen(len(trimmed)))
	n, err := enc.Decode(out, trimmed)
	if err != nil {
		return nil
	}
	return out[:n]
}

func allHex(b []byte) bool {
	for _, c := range b {
		if !isHex(c) {
			return false
		}
	}
	return true
}

// inflate undoes one layer of compression if data starts with a zlib, gzip,
// bzip2 or xz header, bounded to maxDecoded bytes.
func inflate(data []byte) []byte {
	var r io.Reader
	var err error
	switch {
	case len(data) > 2 && data[0] == 0x78 && (uint16(data[0])<<8|uint16(data[1]))%31 == 0:
		r, err = zlib.NewReader(bytes.NewReader(data))
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		r, err = gzip.NewReader(bytes.NewReader(data))
	case bytes.HasPrefix(data, []byte("BZh")):
		r = bzip2.NewReader(bytes.NewReader(data))
	case bytes.HasPrefix(data, []byte("\xfd7zXZ\x00")):
		r, err = xz.NewReader(bytes.NewReader(data))
	default:
		return data
	}
	if err != nil {
		return data
	}
	out, _ := io.ReadAll(io.LimitReader(r, maxDecoded))
	if len(out) == 0 {
		return data
	}
	return out
}

// looksLikeText: mostly printable UTF-8 in its first 4 KiB.
func looksLikeText(b []byte) bool {
	b = b[:min(len(b), 4096)]
	if len(b) < 16 {
		return false
	}
	bad := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			bad++
		}
	}
	return bad*20 < len(b) && utf8.Valid(b[:len(b)-min(len(b), 3)])
}

var codeMarkers = [][]byte{
	[]byte("import "), []byte("exec("), []byte("eval("), []byte("require("), []byte("function"),
	[]byte("http://"), []byte("https://"), []byte("subprocess"), []byte("os.system"), []byte("powershell"),
	[]byte("/bin/"), []byte("child_process"), []byte("socket"), []byte("def "), []byte("=>"),
	[]byte("echo "), []byte("curl "), []byte("wget "), []byte("base64 -d"), []byte("| sh"), []byte("|sh"),
}

// looksLikeCode: decoded text that holds a statement or a URL rather than
// prose, a key or a table.
func looksLikeCode(b []byte) bool {
	head := b[:min(len(b), 64<<10)]
	for _, m := range codeMarkers {
		if bytes.Contains(head, m) {
			return true
		}
	}
	return false
}

// hexEscapes decodes runs of \xNN escapes (a common way to spell a hidden
// string in Python and JavaScript) and judges the result like a blob.
func (s *scan) hexEscapes(data []byte, lang string, depth int, lineOf func(int) int) {
	if depth >= maxDecodeDepth {
		return
	}
	for off := 0; off < len(data) && s.decoded < maxDecoded; {
		i := bytes.Index(data[off:], []byte(`\x`))
		if i < 0 {
			return
		}
		start := off + i
		j := start
		var out []byte
		for j+4 <= len(data) && data[j] == '\\' && data[j+1] == 'x' && isHex(data[j+2]) && isHex(data[j+3]) {
			out = append(out, unhex(data[j+2])<<4|unhex(data[j+3]))
			j += 4
		}
		if len(out) >= minBlob/2 {
			s.payload(out, data, start, j, lang, depth, lineOf)
		}
		off = max(j, start+2)
	}
}

func unhex(b byte) byte {
	switch {
	case b >= 'a':
		return b - 'a' + 10
	case b >= 'A':
		return b - 'A' + 10
	}
	return b - '0'
}

// dataLine reports a long line that is a literal table rather than packed
// code or a blob: many short quoted items (generated keyword lists), or a
// regular expression or Unicode range table (many | or \u), which no
// encoder or obfuscator emits.
func dataLine(line []byte) bool {
	head := line[:min(len(line), longLine)]
	quotes := bytes.Count(head, []byte{'\''}) + bytes.Count(head, []byte{'"'})
	tables := bytes.Count(head, []byte{'|'}) + bytes.Count(head, []byte(`\u`))
	return quotes*25 > len(head) || tables*20 > len(head) || readmeLiteral(head) || protobufDescriptor(head) || numberTable(head)
}

// numberTable reports a line that is mostly numbers: a data table written
// as a literal, which no packer emits.
func numberTable(line []byte) bool {
	numeric := 0
	for _, c := range line {
		if c >= '0' && c <= '9' || c == '.' || c == ',' || c == ' ' || c == '-' || c == 'e' || c == '[' || c == ']' {
			numeric++
		}
	}
	return numeric*10 > len(line)*8
}

// protobufDescriptor reports the serialized descriptor that protoc writes
// into every *_pb2.py as one long escaped byte string.
func protobufDescriptor(line []byte) bool {
	head := line[:min(len(line), 200)]
	return bytes.Contains(head, []byte("serialized_pb=")) || bytes.Contains(head, []byte("AddSerializedFile("))
}

// readmeLiteral reports a line that holds a package's README as one string
// literal: generated setup.py files (Poetry's) write long_description so.
func readmeLiteral(line []byte) bool {
	i := bytes.Index(line[:min(len(line), 80)], []byte("long_description"))
	if i < 0 {
		return false
	}
	rest := line[i:]
	// Prose: many spaces and escaped newlines, as no packed code has.
	return bytes.Count(rest, []byte(" "))*16 > len(rest) && bytes.Count(rest, []byte(`\n`)) >= 10
}

// decodedAssign finds an assignment from a decoder or decrypter on one
// line.
var decodedAssign = regexp.MustCompile(`(?:b64decode|b32decode|b85decode|a85decode|decodebytes|unhexlify|fromhex|decompress|\.decrypt)\s*\(`)

// execLookBack is how far before an exec the assignment of its argument is
// looked for: loaders decode and run within a few lines.
const execLookBack = 1500

// execDecodedName reports exec(x) where the last assignment to x shortly
// before gave it decoded or decrypted data (not unmarshalled: import hooks
// exec cached bytecode that way), directly or through one step
// (y = b64decode(..); x = decrypt_xor(y, key); exec(x)): the multi-line
// form of exec(b64decode(..)) that no single-line pattern sees.
func (s *scan) execDecodedName(c *compiled, data []byte, lineOf func(int) int, depth int) {
	for _, call := range execNameCalls(data, 16) {
		at, name := call.at, call.name
		lo := max(0, at-execLookBack)
		rhs, where := lastAssign(data, lo, at, name)
		if rhs == nil {
			continue
		}
		if decodedAssign.Match(rhs) || fromDecodedName(data, lo, where, rhs) {
			s.add(c, lineOf(at), data[at:min(len(data), at+len(name)+60)], depth > 0)
			return
		}
	}
}

// lastAssign returns the right-hand side of the last assignment to name in
// data[lo:at] and the offset where that assignment starts (nil if none).
func lastAssign(data []byte, lo, at int, name []byte) ([]byte, int) {
	var last []byte
	where := -1
	for off := lo; ; {
		i := bytes.Index(data[off:at], name)
		if i < 0 {
			break
		}
		p := off + i
		off = p + len(name)
		if p > 0 && isIdent(data[p-1]) || isIdent(data[off]) {
			continue // part of a longer name
		}
		rest := bytes.TrimLeft(data[off:at], " \t")
		if len(rest) < 2 || rest[0] != '=' || rest[1] == '=' {
			continue
		}
		end := bytes.IndexByte(rest, '\n')
		if end < 0 {
			end = len(rest)
		}
		last, where = rest[1:end], p
	}
	return last, where
}

// fromDecodedName reports whether an assignment's right-hand side passes
// a name that was itself assigned decoded data shortly before it.
func fromDecodedName(data []byte, lo, where int, rhs []byte) bool {
	open := bytes.IndexByte(rhs, '(')
	if open < 0 {
		return false
	}
	for i, n := open+1, 0; i < len(rhs) && n < 4; i++ {
		if !isIdent(rhs[i]) || rhs[i] == '.' || rhs[i] >= '0' && rhs[i] <= '9' || i > 0 && isIdent(rhs[i-1]) {
			continue
		}
		e := i
		for e < len(rhs) && isIdent(rhs[e]) && rhs[e] != '.' {
			e++
		}
		n++
		if arg, _ := lastAssign(data, lo, where, rhs[i:e]); arg != nil && decodedAssign.Match(arg) {
			return true
		}
		i = e
	}
	return false
}

type execCall struct {
	at   int    // offset of exec/eval
	name []byte // the plain name it runs
}

// execNameCalls finds up to limit calls exec(x), eval(x) and
// exec(compile(x, ...)) whose argument is a plain name. It reads the bytes
// after each "exec"/"eval" by hand: a regular expression over the whole
// file costs more than the rest of the scan.
func execNameCalls(data []byte, limit int) []execCall {
	var out []execCall
	for _, kw := range [][]byte{[]byte("exec"), []byte("eval")} {
		for off := 0; len(out) < limit; {
			i := bytes.Index(data[off:], kw)
			if i < 0 {
				break
			}
			at := off + i
			off = at + len(kw)
			if at > 0 && isIdent(data[at-1]) {
				continue // cursor.exec, my_eval
			}
			p := skipBlank(data, off)
			if p >= len(data) || data[p] != '(' {
				continue
			}
			p = skipBlank(data, p+1)
			if bytes.HasPrefix(data[p:], []byte("compile")) {
				if q := skipBlank(data, p+len("compile")); q < len(data) && data[q] == '(' {
					p = skipBlank(data, q+1)
				}
			}
			e := p
			for e < len(data) && isIdent(data[e]) && data[e] != '.' {
				e++
			}
			if e == p || data[p] >= '0' && data[p] <= '9' {
				continue
			}
			if q := skipBlank(data, e); q < len(data) && (data[q] == ')' || data[q] == ',') {
				out = append(out, execCall{at, data[p:e]})
			}
		}
	}
	return out
}

func skipBlank(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t') {
		i++
	}
	return i
}
