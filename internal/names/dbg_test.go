package names

import (
	"os"
	"strings"
	"testing"
)

func TestDbg(t *testing.T) {
	c := NewChecker(Config{})
	for _, a := range strings.Fields(os.Getenv("DBG")) {
		eco, n, _ := strings.Cut(a, ":")
		r := c.Check(Ecosystem(eco), n)
		t.Logf("%s %s %+v %+v", n, r.Verdict, r.Popularity, r.Typosquat)
	}
}
func TestDbg2(t *testing.T) {
	c := NewChecker(Config{})
	st, _ := c.state(PyPI)
	t.Log(coreOf(PyPI, "pytz3-dev"), st.ix.byCanon["pytz"], st.ix.byCanon["tensorflow-gpu"], st.ix.bySkel[foldPart("pytz")])
}
