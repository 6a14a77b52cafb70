package scan_test

import "customs/internal/lockfile"

type lockfileDep = lockfile.Dependency
