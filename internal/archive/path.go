package archive

import (
	"path"
	"strings"
)

// cleanName turns an archive member name into a safe relative path. It
// returns "" and a reason when the name must not be used, and "" with no
// reason for the archive root itself ("./").
func cleanName(name string) (clean, reason string) {
	if name == "" {
		return "", "empty name"
	}
	if strings.IndexByte(name, 0) >= 0 {
		return "", "NUL byte in name"
	}
	n := strings.ReplaceAll(name, `\`, "/")
	if n[0] == '/' || (len(n) >= 2 && n[1] == ':' && isASCIILetter(n[0])) {
		return "", "absolute path"
	}
	if strings.Contains(n, "..") {
		for seg := range strings.SplitSeq(n, "/") {
			if seg == ".." {
				return "", "parent directory reference"
			}
		}
	}
	c := path.Clean(n)
	if c == "." {
		return "", ""
	}
	return c, ""
}

func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// memberPath cleans a member name, warning about (and rejecting) unsafe ones.
func (w *walker) memberPath(name string) (string, bool) {
	p, reason := cleanName(name)
	if reason != "" {
		w.warn("skipped member %q: %s", truncateName(name), reason)
	}
	return p, p != ""
}

// truncateName keeps warnings short whatever the name's length.
func truncateName(s string) string {
	const n = 200
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
