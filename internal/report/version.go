package report

import "runtime/debug"

// ToolVersion is the version of the customs binary as Go recorded it at
// build time: a module version for `go install customs@v…`, "(devel)" for a
// build from a working tree.
func ToolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
