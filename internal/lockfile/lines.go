package lockfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// lineScanner walks data line by line, keeping the 1-based line number,
// for the line-oriented formats and for locating keys in JSON, TOML and
// YAML files whose decoders do not report positions.
type lineScanner struct {
	data []byte
	pos  int
	n    int    // number of the current line
	line []byte // current line without its newline (and without a trailing \r)
}

func (s *lineScanner) next() bool {
	if s.pos >= len(s.data) {
		return false
	}
	rest := s.data[s.pos:]
	end := bytes.IndexByte(rest, '\n')
	if end < 0 {
		s.line = rest
		s.pos = len(s.data)
	} else {
		s.line = rest[:end]
		s.pos += end + 1
	}
	s.line = bytes.TrimSuffix(s.line, []byte("\r"))
	s.n++
	return true
}

// jsonKeyLines maps the object keys that open a nested value (`"key": {` or
// `"key": [`) to the line of their first occurrence, for keys accepted by
// keep. Lockfile JSON is pretty-printed one key per line, which is what makes
// this single cheap pass enough. Keys are compared raw, without undoing JSON
// escapes: package names need none.
func jsonKeyLines(data []byte, opener byte, keep func(key string) bool) map[string]int {
	lines := map[string]int{}
	s := lineScanner{data: data}
	for s.next() {
		l := bytes.TrimLeft(s.line, " \t")
		if len(l) < 4 || l[0] != '"' {
			continue
		}
		end := bytes.IndexByte(l[1:], '"')
		if end < 0 {
			continue
		}
		rest := bytes.TrimLeft(l[end+2:], " \t")
		if len(rest) < 2 || rest[0] != ':' {
			continue
		}
		if v := bytes.TrimLeft(rest[1:], " \t"); len(v) == 0 || v[0] != opener {
			continue
		}
		k := string(l[1 : end+1])
		if _, seen := lines[k]; !seen && keep(k) {
			lines[k] = s.n
		}
	}
	return lines
}

// jsonStringLines maps the string values of one field name (`"purl": "x"`)
// to the line of their first occurrence.
func jsonStringLines(data []byte, field string) map[string]int {
	lines := map[string]int{}
	prefix := []byte(`"` + field + `"`)
	s := lineScanner{data: data}
	for s.next() {
		l := bytes.TrimLeft(s.line, " \t")
		if !bytes.HasPrefix(l, prefix) {
			continue
		}
		rest := bytes.TrimLeft(l[len(prefix):], " \t")
		if len(rest) == 0 || rest[0] != ':' {
			continue
		}
		rest = bytes.TrimLeft(rest[1:], " \t")
		if len(rest) < 2 || rest[0] != '"' {
			continue
		}
		end := bytes.IndexByte(rest[1:], '"')
		if end < 0 {
			continue
		}
		v := string(rest[1 : end+1])
		if _, seen := lines[v]; !seen {
			lines[v] = s.n
		}
	}
	return lines
}

// decodeJSON decodes one JSON document, with the decoder's byte offset
// turned into a line for the error message.
func decodeJSON(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("invalid JSON at line %d: %v", 1+bytes.Count(data[:min(int(syn.Offset), len(data))], []byte("\n")), syn)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("unexpected JSON at line %d: %s is a %s, want %s", 1+bytes.Count(data[:min(int(typ.Offset), len(data))], []byte("\n")), typ.Field, typ.Value, typ.Type)
	}
	if err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	return nil
}
