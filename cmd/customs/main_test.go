package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

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
	var data []byte
	var err error
	switch name := filepath.Base(out); {
	case strings.HasSuffix(name, ".tgz"), strings.HasSuffix(name, ".tar.gz"):
		data, err = tarGz(dir, nil)
	case strings.HasSuffix(name, ".zip"), strings.HasSuffix(name, ".whl"):
		data, err = zipDir(dir)
	case strings.HasSuffix(name, ".gem"):
		data, err = gem(dir)
	default:
		ts.Fatalf("pack: unknown archive type %s", name)
	}
	ts.Check(err)
	ts.Check(os.WriteFile(out, data, 0o644))
}

// files lists the regular files under dir as slash paths, skipping skip.
func files(dir string, skip map[string]bool) ([]string, error) {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if rel = filepath.ToSlash(rel); err == nil && !skip[rel] {
			names = append(names, rel)
		}
		return err
	})
	return names, err
}

func tarGz(dir string, skip map[string]bool) ([]byte, error) {
	names, err := files(dir, skip)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			return nil, err
		}
		hdr := &tar.Header{Name: n, Mode: 0o644, Size: int64(len(b)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	err = zw.Close()
	return buf.Bytes(), err
}

func zipDir(dir string) ([]byte, error) {
	names, err := files(dir, nil)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			return nil, err
		}
		w, err := zw.Create(n)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(b); err != nil {
			return nil, err
		}
	}
	err = zw.Close()
	return buf.Bytes(), err
}

// gem builds a RubyGems package: a plain tar of metadata.gz (DIR/metadata,
// the YAML gemspec) and data.tar.gz (every other file).
func gem(dir string) ([]byte, error) {
	meta, err := os.ReadFile(filepath.Join(dir, "metadata"))
	if err != nil {
		return nil, err
	}
	var metaGz bytes.Buffer
	zw := gzip.NewWriter(&metaGz)
	if _, err := zw.Write(meta); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	data, err := tarGz(dir, map[string]bool{"metadata": true})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range []struct {
		name string
		b    []byte
	}{{"metadata.gz", metaGz.Bytes()}, {"data.tar.gz", data}} {
		if err := tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.b)), ModTime: time.Unix(0, 0)}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(m.b); err != nil {
			return nil, err
		}
	}
	err = tw.Close()
	return buf.Bytes(), err
}
