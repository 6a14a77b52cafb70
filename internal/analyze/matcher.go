package analyze

// matcher is the literal prefilter: an Aho–Corasick automaton over all
// rule keywords, ASCII case-insensitive, compiled to a DFA over byte
// classes so that scanning costs one table lookup per byte.
//
// It is written here rather than taken from a library because the
// Aho–Corasick packages available in Go (petar-dambovaliev/aho-corasick,
// cloudflare/ahocorasick) run 3–4 ns per byte on this keyword set (about
// 300 case-insensitive keywords, so their start-byte prefilters are off),
// which alone took a third of inspect's time and put it over its budget
// of 1.5 × the decompress-and-read floor.
type matcher struct {
	class   [256]int32 // input byte (any case) -> class; 0 = in no keyword
	classes int
	// next[state*classes + class] is the next state, premultiplied by
	// classes, and bit-inverted (negative) when keywords end there.
	next []int32
	out  [][]int // state -> keywords that end there (suffix links folded in)
	lens []int   // keyword -> length in bytes
}

func lowerASCII(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func newMatcher(keywords []string) *matcher {
	m := &matcher{lens: make([]int, len(keywords))}
	m.classes = 1
	for _, k := range keywords {
		for i := 0; i < len(k); i++ {
			b := lowerASCII(k[i])
			if m.class[b] == 0 {
				m.class[b] = int32(m.classes)
				m.classes++
			}
		}
	}
	for b := 'A'; b <= 'Z'; b++ {
		m.class[b] = m.class[b+'a'-'A']
	}
	// The trie, as a goto table (-1 = no edge).
	row := func() []int32 {
		r := make([]int32, m.classes)
		for i := range r {
			r[i] = -1
		}
		return r
	}
	gotoT := [][]int32{row()}
	m.out = [][]int{nil}
	for ki, k := range keywords {
		m.lens[ki] = len(k)
		s := 0
		for i := 0; i < len(k); i++ {
			c := m.class[lowerASCII(k[i])]
			if gotoT[s][c] < 0 {
				gotoT[s][c] = int32(len(gotoT))
				gotoT = append(gotoT, row())
				m.out = append(m.out, nil)
			}
			s = int(gotoT[s][c])
		}
		m.out[s] = append(m.out[s], ki)
	}
	// Breadth-first: failure links, outputs through them, and the DFA.
	n := len(gotoT)
	m.next = make([]int32, n*m.classes)
	fail := make([]int32, n)
	queue := make([]int32, 0, n)
	for c := 0; c < m.classes; c++ {
		if t := gotoT[0][c]; t > 0 {
			m.next[c] = t
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		m.out[s] = append(m.out[s], m.out[fail[s]]...)
		for c := 0; c < m.classes; c++ {
			t := gotoT[s][c]
			if t < 0 {
				m.next[int(s)*m.classes+c] = m.next[int(fail[s])*m.classes+c]
				continue
			}
			fail[t] = m.next[int(fail[s])*m.classes+c]
			m.next[int(s)*m.classes+c] = t
			queue = append(queue, t)
		}
	}
	// Premultiply and mark the states where keywords end.
	for i, t := range m.next {
		v := t * int32(m.classes)
		if m.out[t] != nil {
			v = ^v
		}
		m.next[i] = v
	}
	return m
}

// scan calls fn for every occurrence of every keyword in data (overlapping
// ones included), with the keyword index and the match's [start, end).
func (m *matcher) scan(data []byte, fn func(kw, start, end int)) {
	s := int32(0)
	next, class := m.next, &m.class
	for i, b := range data {
		s = next[s+class[b]]
		if s < 0 {
			s = ^s
			for _, k := range m.out[int(s)/m.classes] {
				fn(k, i+1-m.lens[k], i+1)
			}
		}
	}
}
