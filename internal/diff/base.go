package diff

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"sort"
	"strings"

	"customs/internal/lockfile"
)

// BaseChange is a dependency that a project's lockfiles add or change
// since a git ref: the pull-request check on a dependency bump. Dependency
// is the new pin as internal/lockfile reads it (what scan.Check takes);
// OldVersion the version it replaces, "" when the dependency is new.
type BaseChange struct {
	lockfile.Dependency
	OldVersion string
}

// Refs returns the registry references of the old and new versions, for
// Targets ("" for the old one when the dependency is new).
func (c BaseChange) Refs() (oldRef, newRef string) {
	eco := c.Ecosystem
	if eco == lockfile.RubyGems {
		eco = "gem"
	}
	if c.OldVersion != "" {
		oldRef = eco + ":" + c.Name + "@" + c.OldVersion
	}
	return oldRef, eco + ":" + c.Name + "@" + c.Version
}

// ReviewChange diffs a changed dependency against the version it replaces
// and returns the update's flagged signals (each with the verdict it earns)
// located at the lockfile line, ready to add to the dependency's scan
// result. A new dependency (no old version), or one from git or a URL, has
// nothing to diff: no signals.
func ReviewChange(ctx context.Context, f Fetcher, c BaseChange, opt Options) ([]Signal, error) {
	oldRef, newRef := c.Refs()
	if oldRef == "" || c.Version == "" || c.Source != lockfile.SourceRegistry && c.Source != "" {
		return nil, nil
	}
	r, err := Targets(ctx, f, oldRef, newRef, opt)
	if err != nil {
		return nil, err
	}
	var out []Signal
	for _, s := range r.Signals {
		if !s.Verdict.Flagged() {
			continue
		}
		where := s.File
		if s.Line > 0 {
			where = fmt.Sprintf("%s:%d", s.File, s.Line)
		}
		msg := fmt.Sprintf("update %s → %s is %s: %s", c.OldVersion, c.Version, s.Verdict, s.Message)
		if where != "" && !strings.Contains(s.Message, s.File) {
			msg += " (in " + safe(where) + ")"
		}
		s.Message, s.File, s.Line = msg, c.File, c.Line
		out = append(out, s)
	}
	return out, nil
}

// BaseChanges reads the lockfiles and manifests of the project in dir as
// they are in the working tree and as they were at the git ref, and
// returns every dependency added or changed since (removals are not
// returned: nothing new comes in with them). Files that cannot be parsed are
// returned as errors alongside the changes of the others.
func BaseChanges(ctx context.Context, dir, ref string) ([]BaseChange, []error, error) {
	if ref == "" || strings.HasPrefix(ref, "-") || strings.ContainsAny(ref, " \t\n:") {
		return nil, nil, fmt.Errorf("bad git ref %q", ref)
	}
	if _, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", ref+"^{commit}"); err != nil {
		return nil, nil, fmt.Errorf("%s is not a commit in the git repository at %s", ref, dir)
	}
	paths, err := lockfile.Discover(dir, lockfile.DiscoverOptions{})
	if err != nil {
		return nil, nil, err
	}
	fsys := os.DirFS(dir)
	tree := gitTree{ctx: ctx, dir: dir, ref: ref}
	var changes []BaseChange
	var errs []error
	for _, p := range paths {
		cur := lockfile.ParseFS(fsys, p)
		if cur.Err != nil {
			errs = append(errs, cur.Err)
			continue
		}
		old := lockfile.ParseFS(tree, p)
		var open *fs.PathError
		switch {
		case old.Err == nil:
		case errors.As(old.Err, &open) && open.Path == p && errors.Is(open.Err, fs.ErrNotExist):
			// A lockfile new since ref: everything in it is added. (An
			// include missing at ref is an error: its Path is not p.)
		default:
			errs = append(errs, fmt.Errorf("%s at %s: %w", p, ref, old.Err))
			continue
		}
		changes = append(changes, lockChanges(old.Deps, cur.Deps)...)
	}
	return changes, errs, nil
}

// lockChanges compares one lockfile's dependencies before and after.
func lockChanges(old, cur []lockfile.Dependency) []BaseChange {
	type key struct{ eco, name string }
	before := map[key]map[string]bool{}
	for _, d := range old {
		k := key{d.Ecosystem, d.Name}
		if before[k] == nil {
			before[k] = map[string]bool{}
		}
		before[k][d.Version] = true
	}
	after := map[key]map[string]bool{}
	for _, d := range cur {
		k := key{d.Ecosystem, d.Name}
		if after[k] == nil {
			after[k] = map[string]bool{}
		}
		after[k][d.Version] = true
	}
	var out []BaseChange
	for _, d := range cur {
		k := key{d.Ecosystem, d.Name}
		if before[k][d.Version] {
			continue
		}
		c := BaseChange{Dependency: d}
		// The version it replaces: one the old file had and the new one dropped.
		var gone []string
		for v := range before[k] {
			if !after[k][v] {
				gone = append(gone, v)
			}
		}
		sort.Strings(gone)
		if len(gone) > 0 {
			c.OldVersion = gone[len(gone)-1]
		} else if len(before[k]) > 0 && d.Version == "" {
			continue // only declared, and declared before
		}
		out = append(out, c)
	}
	return out
}

var errNotInRef = errors.New("not in that ref")

// git runs one git command in dir and returns its standard output.
func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "does not exist in") || strings.Contains(msg, "exists on disk, but not in") {
			return nil, errNotInRef
		}
		if msg == "" {
			return nil, fmt.Errorf("git %s: %w", args[0], err)
		}
		return nil, fmt.Errorf("git %s: %s", args[0], msg)
	}
	return stdout.Bytes(), nil
}
