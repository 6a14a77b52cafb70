package analyze

import (
	"bytes"
	"path"
	"strings"
)

// Language names the rule language of a file from its name, its shebang
// and its first bytes: "binary" for executables (whatever they are named),
// "" for files no rule looks at (images, fonts, source maps, data, docs),
// which are then skipped unread.
func Language(name string, data []byte) string {
	if isExecutable(data) {
		return "binary"
	}
	base := strings.ToLower(path.Base(name))
	switch base {
	case "rakefile", "gemfile":
		return "ruby"
	case "package.json":
		return "manifest"
	}
	ext := path.Ext(base)
	switch ext {
	case ".py", ".pyw", ".pyx", ".pth":
		return "python"
	case ".js", ".cjs", ".mjs", ".jsx", ".tsx":
		return "javascript"
	case ".ts":
		if strings.HasSuffix(base, ".d.ts") {
			return ""
		}
		return "javascript"
	case ".rb", ".rake", ".gemspec":
		return "ruby"
	case ".sh", ".bash", ".zsh", ".bat", ".cmd", ".vbs", ".vbe":
		return "shell"
	case ".ps1", ".psm1":
		return "powershell"
	case "":
		return shebang(data)
	}
	return ""
}

// shebang reads the interpreter of an extensionless script.
func shebang(data []byte) string {
	if !bytes.HasPrefix(data, []byte("#!")) {
		return ""
	}
	first := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		first = data[:i]
	}
	switch {
	case bytes.Contains(first, []byte("python")):
		return "python"
	case bytes.Contains(first, []byte("node")):
		return "javascript"
	case bytes.Contains(first, []byte("ruby")):
		return "ruby"
	case bytes.Contains(first, []byte("sh")):
		return "shell"
	}
	return ""
}

// Executable formats recognised by their headers.
const (
	fmtELF   = "ELF"
	fmtPE    = "PE"
	fmtMachO = "Mach-O"
)

// executableFormat names the executable format of data, or "".
func executableFormat(data []byte) string {
	switch {
	case len(data) < 8:
		return ""
	case bytes.HasPrefix(data, []byte("\x7fELF")):
		return fmtELF
	case bytes.HasPrefix(data, []byte("MZ")):
		// A DOS stub alone is common in text ("MZ" as a word); require the
		// PE header it points to when the file is long enough to hold one.
		if len(data) < 0x40 {
			return ""
		}
		off := int(data[0x3c]) | int(data[0x3d])<<8 | int(data[0x3e])<<16 | int(data[0x3f])<<24
		if off <= 0 || off+4 > len(data) || !bytes.Equal(data[off:off+4], []byte("PE\x00\x00")) {
			return ""
		}
		return fmtPE
	}
	magic := uint32(data[0])<<24 | uint32(data[1])<<16 | uint32(data[2])<<8 | uint32(data[3])
	switch magic {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe:
		return fmtMachO
	case 0xcafebabe:
		// Universal Mach-O binaries share this magic with Java class files;
		// a fat header's next word is a small architecture count, a class
		// file's is its version (45 and up).
		if n := uint32(data[4])<<24 | uint32(data[5])<<16 | uint32(data[6])<<8 | uint32(data[7]); n > 0 && n < 20 {
			return fmtMachO
		}
	}
	return ""
}

func isExecutable(data []byte) bool { return executableFormat(data) != "" }

// nativeLibraryExt are the names native extensions and shared libraries
// legitimately carry in built packages (wheels, installed trees, npm
// prebuilt binaries).
var nativeLibraryExt = map[string]bool{".so": true, ".pyd": true, ".node": true, ".dylib": true, ".dll": true, ".bundle": true}

// isNativeLibraryName reports whether a path is named like a shared
// library (including versioned names such as libfoo.so.1.2).
func isNativeLibraryName(p string) bool {
	base := strings.ToLower(path.Base(p))
	if nativeLibraryExt[path.Ext(base)] {
		return true
	}
	return strings.Contains(base, ".so.")
}
