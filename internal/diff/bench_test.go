package diff

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"customs/internal/archive"
	"customs/internal/inspect"
)

// jsModule synthesises a plausible CommonJS module of about size bytes:
// requires, functions with loops and string handling, comments, exports.
func jsModule(rng *rand.Rand, id, size int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "'use strict';\n/**\n * Module %d: helpers for parsing and formatting.\n */\nconst path = require('path');\nconst util = require('util');\n\n", id)
	for n := 0; b.Len() < size; n++ {
		fn := fmt.Sprintf("helper%d_%d", id, n)
		fmt.Fprintf(&b, "/**\n * %s normalises its input and returns a new value.\n * @param {string} input\n */\nfunction %s(input, options = {}) {\n", fn, fn)
		fmt.Fprintf(&b, "\tconst parts = String(input).split('%c');\n\tconst out = [];\n", 'a'+rune(rng.IntN(26)))
		fmt.Fprintf(&b, "\tfor (let i = 0; i < parts.length; i++) {\n\t\tif (parts[i].length > %d) {\n\t\t\tout.push(parts[i].slice(0, %d).toUpperCase());\n\t\t} else {\n\t\t\tout.push(util.format('%%s-%%d', parts[i], i));\n\t\t}\n\t}\n", rng.IntN(40), rng.IntN(80))
		fmt.Fprintf(&b, "\treturn options.join ? out.join(path.sep) : out;\n}\nexports.%s = %s;\n\n", fn, fn)
	}
	return b.String()
}

// minifiedBundle is a one-line bundle of about size bytes.
func minifiedBundle(rng *rand.Rand, size int) string {
	var b strings.Builder
	b.WriteString("!function(e,t){\"object\"==typeof exports?module.exports=t():e.lib=t()}(this,function(){\"use strict\";")
	for n := 0; b.Len() < size; n++ {
		fmt.Fprintf(&b, "function r%d(e,t){for(var n=0,o=e.length;n<o;n++)t=t+e[n].charCodeAt(0)*%d;return t%%%d}", n, rng.IntN(97), 1+rng.IntN(1000))
	}
	b.WriteString("return{}});\n")
	return b.String()
}

// tenMBPair writes two versions of a ~10 MB npm package: 180 modules of
// 50 KB and a 1 MB minified bundle; the new version edits 20 modules, adds
// 5, removes 2 and rebuilds the bundle — a busy but ordinary release. With
// rewriteAll every module is rewritten from scratch instead: the worst case,
// where all of the new version is new code.
func tenMBPair(b *testing.B, rewriteAll bool) (oldPath, newPath string) {
	rng := rand.New(rand.NewPCG(1, 2))
	old := map[string]string{"package.json": packageJSON("big-lib", "1.0.0", "")}
	for i := range 180 {
		old[fmt.Sprintf("lib/module%03d.js", i)] = jsModule(rng, i, 50_000)
	}
	old["dist/big-lib.min.js"] = minifiedBundle(rng, 1_000_000)
	cur := with(old, "package.json", packageJSON("big-lib", "1.1.0", ""), "dist/big-lib.min.js", minifiedBundle(rng, 1_000_000))
	for i := range 180 {
		p := fmt.Sprintf("lib/module%03d.js", i)
		if rewriteAll {
			cur[p] = jsModule(rng, 5000+i, 50_000)
			continue
		}
		if i%9 != 0 {
			continue
		}
		cur[p] = strings.Replace(cur[p], "\treturn options.join", "\tif (!out.length) {\n\t\treturn null;\n\t}\n\treturn options.join", 3)
	}
	for i := range 5 {
		cur[fmt.Sprintf("lib/extra%d.js", i)] = jsModule(rng, 1000+i, 50_000)
	}
	delete(cur, "lib/module001.js")
	delete(cur, "lib/module002.js")
	dir := b.TempDir()
	return npmTarball(b, dir, "old.tgz", old), npmTarball(b, dir, "new.tgz", cur)
}

// BenchmarkDiff10MB and BenchmarkInspectNewer10MB run on the same pair in
// the same run: the goal is Diff ≤ 2 × InspectNewer. BenchmarkFloor10MB is
// the cost of only decompressing and reading both versions.
func BenchmarkDiff10MB(b *testing.B) { benchmarkDiff(b, false) }

// BenchmarkDiff10MBRewritten is the worst case: every module rewritten.
func BenchmarkDiff10MBRewritten(b *testing.B) { benchmarkDiff(b, true) }

func benchmarkDiff(b *testing.B, rewriteAll bool) {
	oldPath, newPath := tenMBPair(b, rewriteAll)
	b.ResetTimer()
	for b.Loop() {
		r, err := Paths(context.Background(), oldPath, newPath, Options{})
		if err != nil || r.Verdict != "clean" {
			b.Fatalf("diff: %v, %+v", err, r.Reasons)
		}
	}
}

func BenchmarkInspectNewer10MB(b *testing.B) {
	_, newPath := tenMBPair(b, false)
	b.ResetTimer()
	for b.Loop() {
		if r := inspect.Target(context.Background(), newPath, inspect.Options{}); r.Error != "" {
			b.Fatal(r.Error)
		}
	}
}

func BenchmarkFloor10MB(b *testing.B) {
	oldPath, newPath := tenMBPair(b, false)
	b.ResetTimer()
	for b.Loop() {
		for _, p := range []string{oldPath, newPath} {
			if _, err := archive.Floor(context.Background(), p, archive.DefaultLimits()); err != nil {
				b.Fatal(err)
			}
		}
	}
}
