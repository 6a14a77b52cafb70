package diff

import (
	"bytes"
	"strings"
	"testing"
)

func added(oldS, newS string) []string {
	var out []string
	for _, r := range addedRegions([]byte(oldS), []byte(newS)) {
		out = append(out, newS[r.Start:r.End])
	}
	return out
}

func TestAddedRegions(t *testing.T) {
	for _, tc := range []struct {
		name, old, new string
		want           []string
		lines          [][2]int
	}{
		{"same", "a\nb\n", "a\nb\n", nil, nil},
		{"appended block", "a\nb\n", "a\nb\nx\ny\n", []string{"x\ny\n"}, [][2]int{{3, 4}}},
		{"inserted in the middle", "a\nb\nc\n", "a\nb\nx\nc\n", []string{"x\n"}, [][2]int{{3, 3}}},
		{"changed line", "a\nb\nc\n", "a\nB\nc\n", []string{"B\n"}, [][2]int{{2, 2}}},
		{"moved lines are not new", "a\nb\nc\nd\n", "c\nd\na\nb\n", nil, nil},
		{"deletion only", "a\nb\nc\n", "a\nc\n", nil, nil},
		{"no final newline", "a", "a\nb", []string{"b"}, [][2]int{{2, 2}}},
		{"two hunks", "a\nb\nc\nd\n", "x\na\nb\nc\ny\nd\n", []string{"x\n", "y\n"}, [][2]int{{1, 1}, {5, 5}}},
		{"duplicate line is new", "a\nb\n", "a\nb\nb\n", []string{"b\n"}, [][2]int{{3, 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := added(tc.old, tc.new)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("added = %q, want %q", got, tc.want)
			}
			regions := addedRegions([]byte(tc.old), []byte(tc.new))
			for i, r := range regions {
				if i < len(tc.lines) && (r.StartLine != tc.lines[i][0] || r.EndLine != tc.lines[i][1]) {
					t.Errorf("region %d lines %d-%d, want %d-%d", i, r.StartLine, r.EndLine, tc.lines[i][0], tc.lines[i][1])
				}
			}
		})
	}
}

func TestAddedRegionsNarrowsInjectionIntoMinifiedLine(t *testing.T) {
	bundle := strings.Repeat("var a=function(b){return b+1};", 200)
	payload := "PAYLOAD();"
	newS := "/* header */\n" + bundle[:3000] + payload + bundle[3000:] + "\n"
	regions := addedRegions([]byte("/* header */\n"+bundle+"\n"), []byte(newS))
	if len(regions) != 1 {
		t.Fatalf("regions = %+v, want one", regions)
	}
	r := regions[0]
	if got := newS[r.Start:r.End]; !strings.Contains(got, payload) || len(got) > len(payload)+32 {
		t.Errorf("added bytes = %q, want just the payload", got)
	}
	if r.StartLine != 2 || r.EndLine != 2 {
		t.Errorf("lines %d-%d, want 2", r.StartLine, r.EndLine)
	}
}

// FuzzAddedRegions checks the invariants any answer must keep: regions lie
// inside the new content, in order, on the lines they claim, and the new
// content without them holds nothing the old did not (as a multiset of
// lines, for whole-line regions; line endings do not count).
func FuzzAddedRegions(f *testing.F) {
	f.Add("a\nb\n", "a\nb\nc\n")
	f.Add("", "x")
	f.Add("x\n", "")
	f.Add("abc", "abXc")
	f.Add(strings.Repeat("z", 2000), strings.Repeat("z", 1000)+"Q"+strings.Repeat("z", 1000))
	f.Fuzz(func(t *testing.T, oldS, newS string) {
		o, n := []byte(oldS), []byte(newS)
		regions := addedRegions(o, n)
		if oldS == newS && len(regions) > 0 {
			t.Fatalf("identical contents gave %+v", regions)
		}
		prevEnd := 0
		for _, r := range regions {
			if r.Start < prevEnd || r.End > len(n) || r.Start >= r.End {
				t.Fatalf("bad region %+v (prev end %d, len %d)", r, prevEnd, len(n))
			}
			if want := 1 + bytes.Count(n[:r.Start], []byte{'\n'}); r.StartLine != want {
				t.Fatalf("region %+v starts on line %d", r, want)
			}
			if r.EndLine < r.StartLine {
				t.Fatalf("region %+v ends before it starts", r)
			}
			prevEnd = r.End
		}
		if len(regions) == 0 && len(n) > 0 && !bytes.Equal(o, n) {
			// Nothing added: every line of new must occur in old.
			for _, line := range bytes.SplitAfter(n, []byte{'\n'}) {
				if len(line) > 0 && !bytes.Contains(o, bytes.TrimRight(line, "\r\n")) {
					t.Fatalf("line %q of new is not in old, but nothing was reported", line)
				}
			}
		}
	})
}
