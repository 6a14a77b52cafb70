package analyze

import "bytes"

// maxScopeLines bounds how far back pyRunsOnImport looks for the block
// enclosing a statement.
const maxScopeLines = 400

// pyRunsOnImport reports whether the Python statement at off runs when its
// module is imported: it sits at module level (possibly inside if/try/with
// /for/class blocks), or inside a top-level function that the module
// itself calls at top level. Code under `if __name__ == "__main__":` does
// not run on import. Indentation is read line by line, without parsing,
// so continuation lines and strings can mislead it; it errs towards "runs".
func pyRunsOnImport(data []byte, off int) bool {
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	indent := leadingSpace(data[start:])
	stmt := data[start+indent:]
	for _, p := range [][]byte{[]byte("def "), []byte("async def "), []byte("class "), []byte(">>>"), []byte("...")} {
		if bytes.HasPrefix(stmt, p) {
			return false // a definition or a doctest line, not a call
		}
	}
	if inTripleQuotes(data[:start]) {
		return false // docstring text
	}
	for n := 0; indent > 0 && start > 0 && n < maxScopeLines; n++ {
		end := start - 1
		start = bytes.LastIndexByte(data[:end], '\n') + 1
		line := data[start:end]
		ind := leadingSpace(line)
		body := bytes.TrimSpace(line[ind:])
		if len(body) == 0 || body[0] == '#' || ind >= indent {
			continue
		}
		indent = ind
		switch {
		case bytes.HasPrefix(body, []byte("def ")), bytes.HasPrefix(body, []byte("async def ")):
			return ind == 0 && calledAtTop(data, funcName(body))
		case bytes.HasPrefix(body, []byte("if __name__")):
			return false
		}
	}
	return true
}

func leadingSpace(line []byte) int {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return i
}

// funcName reads the name of "def name(" or "async def name(".
func funcName(def []byte) []byte {
	def = bytes.TrimPrefix(def, []byte("async "))
	def = bytes.TrimSpace(bytes.TrimPrefix(def, []byte("def ")))
	if i := bytes.IndexByte(def, '('); i > 0 {
		return bytes.TrimSpace(def[:i])
	}
	return nil
}

// calledAtTop reports whether name( is called at the start of a top-level
// line (name(), x = name(), or threading.Thread(target=name)).
func calledAtTop(data, name []byte) bool {
	if len(name) == 0 {
		return false
	}
	call := append(append([]byte{}, name...), '(')
	for off := 0; ; {
		i := bytes.Index(data[off:], call)
		if i < 0 {
			break
		}
		p := off + i
		off = p + len(call)
		ls := bytes.LastIndexByte(data[:p], '\n') + 1
		prefix := data[ls:p]
		if leadingSpace(prefix) != 0 || bytes.HasPrefix(bytes.TrimSpace(prefix), []byte("def ")) {
			continue
		}
		if len(prefix) == 0 || bytes.HasSuffix(bytes.TrimRight(prefix, " "), []byte("=")) {
			return true
		}
	}
	return bytes.Contains(data, append([]byte("target="), name...))
}

// inTripleQuotes reports whether the end of prefix lies inside a
// triple-quoted string, by the parity of the quote markers before it.
func inTripleQuotes(prefix []byte) bool {
	return bytes.Count(prefix, []byte(`"""`))%2 == 1 || bytes.Count(prefix, []byte(`'''`))%2 == 1
}
