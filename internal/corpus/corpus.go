// Package corpus locates the shared evaluation data (../shared beside the
// repository) for tests and benchmarks. Nothing from it is copied into the
// repository; callers skip with a message when it is absent.
package corpus

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// SharedDir returns the shared data folder: $CUSTOMS_SHARED when set, else
// ../shared beside the repository root (found by walking up to go.mod).
// It returns "" when neither exists.
func SharedDir() string {
	if d := os.Getenv("CUSTOMS_SHARED"); d != "" {
		return existing(d)
	}
	return besideRepository()
}

// besideRepository is found once, from the directory the test binary
// started in, so that a test that changes directory still finds it.
var besideRepository = sync.OnceValue(func() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return existing(filepath.Join(dir, "..", "shared"))
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
})

func existing(d string) string {
	if st, err := os.Stat(d); err == nil && st.IsDir() {
		return d
	}
	return ""
}

// Path returns a path inside the shared corpus folder (shared/corpus/...),
// skipping the test with a clear message when it is absent.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	shared := SharedDir()
	if shared == "" {
		tb.Skip("shared evaluation data not found (set CUSTOMS_SHARED or place ../shared beside the repository)")
	}
	p := filepath.Join(append([]string{shared, "corpus"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared corpus file %s absent: %v", filepath.Join(elem...), err)
	}
	return p
}

// BenignDir returns the benign corpus fetched by shared/corpus/benign/fetch,
// named by $CUSTOMS_BENIGN, skipping the test when it is not set or absent.
func BenignDir(tb testing.TB) string {
	tb.Helper()
	d := os.Getenv("CUSTOMS_BENIGN")
	if d == "" || existing(d) == "" {
		tb.Skip("benign corpus not available: run shared/corpus/benign/fetch DEST and set CUSTOMS_BENIGN=DEST")
	}
	return d
}
