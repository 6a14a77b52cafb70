package analyze

import "bytes"

// pyScopes says, for each line of a Python file, whether the line runs when
// the module is imported. It reads indentation and triple-quoted strings
// line by line rather than parsing, so odd layouts can mislead it; that is
// acceptable for weighing evidence.
type pyScopes struct {
	data       []byte
	lineStarts []int
	// owner[i] is "" when line i runs at import (module level, or in
	// class/if/try/with/for blocks at module level), the name of the
	// top-level function holding it, or "\x00" when it never runs on
	// import by itself (a method, a nested function, a comment, a string,
	// or under `if __name__ == "__main__":`).
	owner []string
	// text[i] is true when line i lies inside a triple-quoted string
	// (a docstring, or text the code only prints or writes).
	text []bool
}

const never = "\x00"

func newPyScopes(data []byte) *pyScopes {
	p := &pyScopes{data: data}
	type block struct {
		indent int
		owner  string
	}
	var stack []block
	inString := false
	depth := 0 // open brackets: lines inside them continue a statement
	prev := ""
	for start := 0; start <= len(data); {
		end := bytes.IndexByte(data[start:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += start
		}
		line := data[start:end]
		p.lineStarts = append(p.lineStarts, start)
		ind := leadingSpace(line)
		body := bytes.TrimSpace(line[ind:])
		quotes := bytes.Count(line, []byte(`"""`)) + bytes.Count(line, []byte(`'''`))
		owner := never
		switch {
		case inString || len(body) == 0 || body[0] == '#':
			// text of a string, blank or comment: never a statement
		case depth > 0:
			owner = prev // a continuation line belongs to its statement
		default:
			for len(stack) > 0 && stack[len(stack)-1].indent >= ind {
				stack = stack[:len(stack)-1]
			}
			owner = ""
			if len(stack) > 0 {
				owner = stack[len(stack)-1].owner
			}
			switch {
			case owner != "" && owner != never && (bytes.HasPrefix(body, []byte("def ")) || bytes.HasPrefix(body, []byte("async def "))):
				// a function nested in a top-level one runs only when
				// the closure is called, not when its parent is
				stack = append(stack, block{ind, never})
				owner = never
			case owner != "":
				// inside a function (or never): stays so; nested blocks too
			case bytes.HasPrefix(body, []byte("def ")) || bytes.HasPrefix(body, []byte("async def ")):
				name := string(funcName(body))
				if ind > 0 || name == "" {
					name = never // a method or nested function
				}
				stack = append(stack, block{ind, name})
				owner = never // the def line itself calls nothing
			case bytes.HasPrefix(body, []byte("if __name__")):
				stack = append(stack, block{ind, never})
			case bytes.HasPrefix(body, []byte("class ")):
				stack = append(stack, block{ind, ""})
			}
		}
		p.owner = append(p.owner, owner)
		p.text = append(p.text, inString || oneLineDocstring(body))
		if !inString && len(body) > 0 && body[0] != '#' {
			if depth == 0 {
				prev = owner
			}
			depth = max(0, depth+bracketBalance(body))
		}
		if inString && quotes%2 == 1 {
			// The line closing a multi-line string goes on as code
			// (`''', re.VERBOSE)`): its brackets close the statement.
			depth = max(0, depth+bracketBalance(afterTripleQuote(line)))
		}
		if quotes%2 == 1 {
			inString = !inString
		}
		start = end + 1
	}
	return p
}

// runsOnImport reports whether the statement at off runs when the module
// is imported: at module level, or in a top-level function the module
// itself calls at top level.
func (p *pyScopes) runsOnImport(off int) bool {
	i, _ := searchInts(p.lineStarts, off)
	switch owner := p.owner[i]; owner {
	case "":
		return true
	case never:
		return false
	default:
		return p.calledAtTop(owner)
	}
}

// inText reports whether off lies on a line inside a triple-quoted string.
func (p *pyScopes) inText(off int) bool {
	i, _ := searchInts(p.lineStarts, off)
	return p.text[i]
}

// searchInts finds the line holding off: the last start <= off.
func searchInts(starts []int, off int) (int, bool) {
	lo, hi := 0, len(starts)
	for lo < hi {
		m := (lo + hi) / 2
		if starts[m] <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return max(lo-1, 0), true
}

// pyRunsOnImport is runsOnImport for a single question.
func pyRunsOnImport(data []byte, off int) bool { return newPyScopes(data).runsOnImport(off) }

// oneLineDocstring reports a line that is only a triple-quoted string
// opened and closed on it: a one-line docstring.
func oneLineDocstring(body []byte) bool {
	for _, q := range [][]byte{[]byte(`"""`), []byte("'''")} {
		if len(body) >= 6 && bytes.HasPrefix(body, q) && bytes.HasSuffix(body, q) && bytes.Count(body, q) == 2 {
			return true
		}
	}
	return false
}

// afterTripleQuote is what follows the first triple quote on a line.
func afterTripleQuote(line []byte) []byte {
	i := bytes.Index(line, []byte(`"""`))
	if j := bytes.Index(line, []byte("'''")); j >= 0 && (i < 0 || j < i) {
		i = j
	}
	if i < 0 {
		return nil
	}
	return line[i+3:]
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

// calledAtTop reports whether the function name is called by a statement
// that runs on import (name(), x = name(), threading.Thread(target=name)).
func (p *pyScopes) calledAtTop(name string) bool {
	call := []byte(name + "(")
	target := []byte("target=" + name)
	for _, pat := range [][]byte{call, target} {
		for off := 0; ; {
			i := bytes.Index(p.data[off:], pat)
			if i < 0 {
				break
			}
			at := off + i
			off = at + len(pat)
			if at > 0 && pat[0] != 't' && isIdent(p.data[at-1]) {
				continue // another name ending in this one, or a method
			}
			if line, _ := searchInts(p.lineStarts, at); p.owner[line] == "" {
				return true
			}
		}
	}
	return false
}

func isIdent(b byte) bool {
	return b == '_' || b == '.' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// bracketBalance counts opening minus closing brackets on a line, ignoring
// a trailing comment and (roughly) quoted text.
func bracketBalance(line []byte) int {
	n := 0
	var quote byte
	for _, c := range line {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '#':
			return n
		case c == '(' || c == '[' || c == '{':
			n++
		case c == ')' || c == ']' || c == '}':
			n--
		}
	}
	return n
}
