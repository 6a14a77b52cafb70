package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"customs/internal/archivetest"
	"customs/internal/corpus"
)

// TestMain lets testscript run this package's test binary as the customs
// command, so scripts exercise run() exactly as a user's shell would.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"customs": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs every testdata/script/*.txtar. Any command's scripts can
// be dropped there. Scripts get:
//   - $REPO, the repository root (for the bundled demo);
//   - $SHARED and the condition [shared] when ../shared is present;
//   - the command `status CODE PROG ARGS...`, exec with an exact exit code;
//   - the command `pack ARCHIVE DIR`, which builds ARCHIVE from the files
//     under DIR (paths relative to DIR) by its extension: .tgz/.tar.gz,
//     .zip/.whl, or .gem (DIR/metadata becomes metadata.gz, the rest
//     data.tar.gz).
//
// UPDATE_SCRIPTS=1 rewrites cmp golden files in place.
func TestScripts(t *testing.T) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	shared := corpus.SharedDir()
	if shared != "" {
		shared, _ = filepath.Abs(shared)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("REPO", repo)
			env.Setenv("SHARED", shared)
			env.Setenv("NO_COLOR", "1")
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "shared" {
				return shared != "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"pack":   cmdPack,
			"status": cmdStatus,
		},
	})
}

func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status CODE PROG ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	var exitErr *exec.ExitError
	if err := ts.Exec(args[1], args[2:]...); errors.As(err, &exitErr) {
		got = exitErr.ExitCode()
	} else if err != nil {
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

func cmdPack(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: pack ARCHIVE DIR")
	}
	out, dir := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	files, err := dirFiles(dir)
	ts.Check(err)
	var data []byte
	switch name := filepath.Base(out); {
	case strings.HasSuffix(name, ".tgz"), strings.HasSuffix(name, ".tar.gz"):
		data = archivetest.TarGz(files...)
	case strings.HasSuffix(name, ".zip"), strings.HasSuffix(name, ".whl"):
		data = archivetest.Zip(files...)
	case strings.HasSuffix(name, ".gem"):
		i := slices.IndexFunc(files, func(f archivetest.File) bool { return f.Name == "metadata" })
		if i < 0 {
			ts.Fatalf("pack: %s has no metadata file for the gem", args[1])
		}
		data = archivetest.Gem(files[i].Body, slices.Delete(files, i, i+1)...)
	default:
		ts.Fatalf("pack: unknown archive type %s", name)
	}
	ts.Check(os.WriteFile(out, data, 0o644))
}

// dirFiles reads the regular files under dir, named by their slash paths
// relative to dir, in lexical order.
func dirFiles(dir string) ([]archivetest.File, error) {
	var files []archivetest.File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		files = append(files, archivetest.File{Name: filepath.ToSlash(rel), Body: string(b)})
		return err
	})
	return files, err
}
