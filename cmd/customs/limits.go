package main

import (
	"fmt"

	"github.com/dustin/go-humanize"
	"github.com/spf13/pflag"

	"customs/internal/archive"
)

// byteSize is a flag value holding a size such as 32MiB, 1GB or 4096.
type byteSize int64

func (b *byteSize) String() string { return humanize.IBytes(uint64(*b)) }
func (b *byteSize) Type() string   { return "size" }
func (b *byteSize) Set(s string) error {
	n, err := humanize.ParseBytes(s)
	if err != nil {
		return fmt.Errorf("want a size such as 32MiB or 1GB: %w", err)
	}
	if n == 0 || n > 1<<50 {
		return fmt.Errorf("size %q out of range", s)
	}
	*b = byteSize(n)
	return nil
}

// addLimitFlags registers the bounds every archive-reading command offers
// and returns a function that reads them back once flags are parsed.
func addLimitFlags(fs *pflag.FlagSet) func() (archive.Limits, error) {
	d := archive.DefaultLimits()
	maxFile, maxTotal := byteSize(d.MaxFileBytes), byteSize(d.MaxTotalBytes)
	fs.Var(&maxFile, "max-file-size", "bytes read per file; larger files are read only this far")
	fs.Var(&maxTotal, "max-total-size", "uncompressed bytes per target before it is refused")
	maxEntries := fs.Int("max-entries", d.MaxEntries, "files and directories per target before it is refused")
	maxRatio := fs.Float64("max-ratio", d.MaxRatio, "uncompressed/compressed size ratio before a target is refused as a bomb")
	maxDepth := fs.Int("max-depth", d.MaxDepth, "archives nested inside archives before a target is refused")
	timeout := fs.Duration("timeout", d.Timeout, "time spent on one target before it is refused")
	return func() (archive.Limits, error) {
		switch {
		case *maxEntries <= 0:
			return archive.Limits{}, fmt.Errorf("--max-entries must be positive, not %d", *maxEntries)
		case *maxRatio <= 0:
			return archive.Limits{}, fmt.Errorf("--max-ratio must be positive, not %g", *maxRatio)
		case *maxDepth <= 0:
			return archive.Limits{}, fmt.Errorf("--max-depth must be positive, not %d", *maxDepth)
		case *timeout <= 0:
			return archive.Limits{}, fmt.Errorf("--timeout must be positive, not %s", *timeout)
		}
		return archive.Limits{
			MaxFileBytes: int64(maxFile), MaxTotalBytes: int64(maxTotal), MaxEntries: *maxEntries,
			MaxRatio: *maxRatio, MaxDepth: *maxDepth, Timeout: *timeout,
		}, nil
	}
}
