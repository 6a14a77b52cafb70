package scan

import (
	"context"
	"fmt"
	"strings"

	"customs/internal/diff"
	"customs/internal/lockfile"
)

// keepChanged narrows deps to what the lockfiles under root add or change
// since the git ref opts.Base (diff.BaseChanges), each with the version it
// replaces, and records the base in the report. The error is a ref that is
// not a commit of the repository holding root; a lockfile that cannot be
// read at the ref is one of the report's errors.
func (r *Report) keepChanged(ctx context.Context, root string, opts Options, deps []input) ([]input, error) {
	ref := opts.Base
	changes, errs, err := diff.BaseChanges(ctx, root, ref)
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", ref, err)
	}
	r.Base = ref
	for _, e := range errs {
		r.addBaseError(ref, e)
	}
	type key struct{ file, eco, name, version string }
	keyOf := func(d lockfile.Dependency) key { return key{d.File, d.Ecosystem, d.Name, d.Version} }
	old := map[key]string{}
	for _, c := range changes {
		old[keyOf(c.Dependency)] = c.OldVersion
	}
	// Select from what Run read rather than take the changes as they are:
	// a single lockfile named, or the discovery options, still apply. The
	// counts are of packages as the report lists them (per lockfile).
	var kept []input
	all, changed := map[key]bool{}, map[key]bool{}
	bumped := 0
	for _, in := range deps {
		k := keyOf(in.dep)
		listed := key{in.lockfile, k.eco, k.name, k.version}
		all[listed] = true
		v, ok := old[k]
		if !ok {
			continue
		}
		in.old = v
		kept = append(kept, in)
		if !changed[listed] && v != "" {
			bumped++
		}
		changed[listed] = true
	}
	r.unchanged = len(all) - len(changed)
	r.Notes = append(r.Notes, fmt.Sprintf("only the %d added or changed dependencies of %d were checked against %s", len(changed), len(all), ref))
	if bumped > 0 && opts.Registry == nil {
		r.Notes = append(r.Notes, fmt.Sprintf("offline: the %d changed dependencies were not diffed against their versions at %s", bumped, ref))
	}
	return kept, nil
}

// addBaseError adds an error of diff.BaseChanges unless it is one Run
// already reported: a file unreadable in the working tree is found by both.
func (r *Report) addBaseError(ref string, err error) {
	msg := err.Error()
	for _, e := range r.Errors {
		if e.Error == msg {
			return
		}
	}
	// BaseChanges names the file first: "<file> at <ref>: <why>".
	file, _, ok := strings.Cut(msg, " at "+ref+": ")
	if ok {
		file += " at " + ref
	} else {
		file, _, _ = strings.Cut(msg, ": ")
	}
	r.Errors = append(r.Errors, FileError{File: file, Error: msg})
}

// reviewUpdate diffs a changed dependency against the version it replaces
// (diff.ReviewChange) and returns its flagged findings as signals, for the
// policy and combine to weigh with the others.
func (c *checker) reviewUpdate(ctx context.Context, p *pending) []signal {
	sigs, err := diff.ReviewChange(ctx, diff.Registry{Client: c.opts.Registry},
		diff.BaseChange{Dependency: p.dep, OldVersion: p.OldVersion}, diff.Options{Names: c.opts.Names})
	if err != nil {
		c.mu.Lock()
		c.notes = append(c.notes, fmt.Sprintf("could not diff %s %s against %s: %v", p.Name, p.Version, p.OldVersion, err))
		c.mu.Unlock()
		return nil
	}
	out := make([]signal, len(sigs))
	for i, s := range sigs {
		out[i] = signal{Finding: s.Finding, verdict: s.Verdict}
	}
	return out
}
