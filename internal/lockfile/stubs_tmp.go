package lockfile

import "io/fs"

func pnpmFormat(data []byte) string { return "" }
func sbomKind(base string, data []byte) string { return "" }
func parsePNPM(c *collector, _ fs.FS, data []byte) error { return nil }
func parseBun(c *collector, _ fs.FS, data []byte) error { return nil }
func parseCycloneDX(c *collector, _ fs.FS, data []byte) error { return nil }
func parseSPDX(c *collector, _ fs.FS, data []byte) error { return nil }
