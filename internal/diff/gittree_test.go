package diff

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBaseChangesFollowsIncludesAtTheRef: a requirements file's -r
// includes are read at the ref too, so a bump in the included file is a
// change with its old version, and an unchanged pin is not.
func TestBaseChangesFollowsIncludesAtTheRef(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitRun(t, dir, "init", "-q", "-b", "main")
	write("requirements.txt", "-r common.txt\nflask==3.0.0\n")
	write("common.txt", "idna==3.10\nclick==8.1.7\n")
	gitRun(t, dir, "add", ".")
	gitRun(t, dir, "commit", "-q", "-m", "base")
	write("common.txt", "idna==3.11\nclick==8.1.7\n")

	changes, errs, err := BaseChanges(context.Background(), dir, "main")
	if err != nil || len(errs) != 0 {
		t.Fatalf("BaseChanges: %v %v", err, errs)
	}
	if len(changes) != 1 || changes[0].Name != "idna" || changes[0].Version != "3.11" || changes[0].OldVersion != "3.10" || changes[0].File != "common.txt" {
		t.Errorf("changes %+v, want only idna 3.10 → 3.11 from common.txt", changes)
	}
}
