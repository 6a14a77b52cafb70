package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/flate"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"customs/internal/archivetest"
)

var pkgMembers = []archivetest.File{
	{Name: "pkg-1.0/", Type: tar.TypeDir},
	{Name: "pkg-1.0/setup.py", Body: "print('hello')\n"},
}

var pkgWalked = []walked{
	{Path: "pkg-1.0", Kind: Dir},
	{Path: "pkg-1.0/setup.py", Kind: File, Data: "print('hello')\n"},
}

// The format comes from the bytes: every file below is named as something
// it is not.
func TestFormatFromBytesNotName(t *testing.T) {
	bz2, err := os.ReadFile("testdata/hello.tar.bz2") // made by tar | bzip2: Go has no bzip2 writer
	if err != nil {
		t.Fatal(err)
	}
	tarball := archivetest.Tar(pkgMembers...)
	tests := []struct {
		name   string
		bytes  []byte
		format Format
		want   []walked
	}{
		{"zip-named.tar.gz", archivetest.Zip(pkgMembers...), FormatZip, pkgWalked},
		{"xz-named.tar.gz", xzBytes(t, tarball), FormatTarXz, pkgWalked},
		{"gzip-named.zip", archivetest.Gzip(tarball), FormatTarGz, pkgWalked},
		{"plain-named.tgz", tarball, FormatTar, pkgWalked},
		{"bzip2-named.whl", bz2, FormatTarBz2, []walked{
			{Path: "pkg-1.0", Kind: Dir},
			{Path: "pkg-1.0/setup.py", Kind: File, Data: "print(\"hello\")\n"},
		}},
		{"self-extracting.zip", append([]byte("#!/bin/sh\nexit 0\n"), archivetest.Zip(pkgMembers...)...), FormatZip, pkgWalked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, tc.name, tc.bytes)
			var got []walked
			info, err := Walk(context.Background(), p, Limits{}, func(e *Entry) error {
				got = append(got, walked{Path: e.Path, Data: string(e.Data), Link: e.Link, Kind: e.Kind, Truncated: e.Truncated})
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != tc.format {
				t.Errorf("format %q, want %q", info.Format, tc.format)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnsafePathsAreSkippedWithWarnings(t *testing.T) {
	members := []archivetest.File{
		{Name: "../evil.py", Body: "x"},
		{Name: "/etc/cron.d/evil", Body: "x"},
		{Name: "pkg/../../escape", Body: "x"},
		{Name: `..\..\windows.bat`, Body: "x"},
		{Name: `C:\Users\evil.exe`, Body: "x"},
		{Name: "./pkg//ok.py", Body: "ok"},
		{Name: `pkg\win.py`, Body: "win"},
		{Name: "pkg/..hidden..", Body: "dots"},
	}
	want := []walked{
		{Path: "pkg/ok.py", Kind: File, Data: "ok"},
		{Path: "pkg/win.py", Kind: File, Data: "win"},
		{Path: "pkg/..hidden..", Kind: File, Data: "dots"},
	}
	for name, b := range map[string][]byte{"tar": archivetest.Tar(members...), "zip": archivetest.Zip(members...)} {
		t.Run(name, func(t *testing.T) {
			got, info, err := walkBytes(t, b, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if len(info.Warnings) != 5 {
				t.Fatalf("want 5 warnings, got %q", info.Warnings)
			}
			for _, w := range []string{"parent directory reference", "absolute path"} {
				if !strings.Contains(strings.Join(info.Warnings, "\n"), w) {
					t.Errorf("no warning says %q: %q", w, info.Warnings)
				}
			}
		})
	}
}

func TestSymlinksAreReportedNotFollowed(t *testing.T) {
	members := []archivetest.File{
		{Name: "pkg/passwd", Type: tar.TypeSymlink, Link: "/etc/passwd"},
		{Name: "pkg/up", Type: tar.TypeSymlink, Link: "../../.."},
		{Name: "pkg/hard", Type: tar.TypeLink, Link: "pkg/passwd"},
	}
	want := []walked{
		{Path: "pkg/passwd", Kind: Symlink, Link: "/etc/passwd"},
		{Path: "pkg/up", Kind: Symlink, Link: "../../.."},
		{Path: "pkg/hard", Kind: Symlink, Link: "pkg/passwd"},
	}
	t.Run("tar", func(t *testing.T) {
		got, _, err := walkBytes(t, archivetest.Tar(members...), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("entries (-want +got):\n%s", diff)
		}
	})
	t.Run("zip", func(t *testing.T) {
		got, _, err := walkBytes(t, archivetest.Zip(members[:2]...), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want[:2], got); diff != "" {
			t.Errorf("entries (-want +got):\n%s", diff)
		}
	})
	t.Run("dir", func(t *testing.T) {
		outside := t.TempDir()
		if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("SECRET"), 0o600); err != nil {
			t.Fatal(err)
		}
		root := t.TempDir()
		mustWrite(t, filepath.Join(root, "pkg", "a.py"), "a")
		if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "pkg", "secret")); err != nil {
			t.Skipf("symlinks unsupported here: %v", err)
		}
		if err := os.Symlink(outside, filepath.Join(root, "pkg", "outdir")); err != nil {
			t.Fatal(err)
		}
		var got []walked
		info, err := Walk(context.Background(), root, Limits{}, func(e *Entry) error {
			got = append(got, walked{Path: e.Path, Data: string(e.Data), Link: e.Link, Kind: e.Kind})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []walked{
			{Path: "pkg", Kind: Dir},
			{Path: "pkg/a.py", Kind: File, Data: "a"},
			{Path: "pkg/outdir", Kind: Symlink, Link: outside},
			{Path: "pkg/secret", Kind: Symlink, Link: filepath.Join(outside, "secret")},
		}
		if info.Format != FormatDir {
			t.Errorf("format %q", info.Format)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("entries (-want +got):\n%s", diff)
		}
		// A target that is itself a link to a directory is walked.
		linked := filepath.Join(t.TempDir(), "linked")
		if err := os.Symlink(root, linked); err != nil {
			t.Fatal(err)
		}
		got = nil
		if _, err := Walk(context.Background(), linked, Limits{}, func(e *Entry) error {
			got = append(got, walked{Path: e.Path, Data: string(e.Data), Link: e.Link, Kind: e.Kind})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("linked target: entries (-want +got):\n%s", diff)
		}
	})
}

func mustWrite(t *testing.T, p, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// wantErr checks that err is an *Error of the given kind naming the target
// and saying reason.
func wantErr(t *testing.T, err, kind error, reason string) {
	t.Helper()
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *archive.Error", err, err)
	}
	if !errors.Is(err, kind) {
		t.Errorf("error %q is not %v", err, kind)
	}
	if !strings.Contains(err.Error(), reason) || !strings.HasPrefix(err.Error(), ae.Target+": ") {
		t.Errorf("error %q does not name the target and say %q", err, reason)
	}
}

func TestCorruptInputs(t *testing.T) {
	tgz := archivetest.TarGz(archivetest.File{Name: "pkg/big.py", Body: strings.Repeat("print(1)\n", 20000)})
	zipped := archivetest.Zip(pkgMembers...)
	badCRC := bytes.Clone(zipped)
	// Flip a byte of the first member's compressed data (after the local
	// header and name).
	badCRC[30+len("pkg-1.0/")+30+len("pkg-1.0/setup.py")+2] ^= 0xff
	tests := []struct {
		name   string
		bytes  []byte
		kind   error
		reason string
	}{
		{"empty", nil, ErrUnknownFormat, "empty file"},
		{"text", []byte("just some text, not an archive at all"), ErrUnknownFormat, "not a tar"},
		{"truncated gzip", tgz[:len(tgz)/2], ErrCorrupt, "truncated gzip"},
		{"gzip of garbage", archivetest.Gzip(bytes.Repeat([]byte("garbage!"), 200)), ErrUnknownFormat, "gzip stream does not hold a tar archive"},
		{"gzip header then junk", append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0}, bytes.Repeat([]byte{0xff}, 600)...), ErrCorrupt, "corrupt gzip"},
		{"truncated tar", archivetest.Tar(archivetest.File{Name: "a.py", Body: strings.Repeat("x", 5000)})[:2048], ErrCorrupt, "truncated tar"},
		{"truncated xz", xzBytes(t, archivetest.Tar(pkgMembers...))[:100], ErrCorrupt, "xz"},
		{"zip without central directory", zipped[:len(zipped)-30], ErrCorrupt, "corrupt zip"},
		{"zip with broken directory", append(zipped[:len(zipped)-22:len(zipped)-22], []byte("PK\x05\x06\x00\x00\x00\x00\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\x7f\x00\x00")...), ErrCorrupt, "corrupt zip"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := walkBytes(t, tc.bytes, Limits{})
			wantErr(t, err, tc.kind, tc.reason)
		})
	}
	t.Run("zip member with bad checksum is a warning", func(t *testing.T) {
		_, info, err := walkBytes(t, badCRC, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(info.Warnings, "\n"), "corrupt") {
			t.Errorf("no warning about the corrupt member: %q", info.Warnings)
		}
	})
}

// rawZip writes a zip whose single member declares size bytes but holds
// body, deflated: the way zip bombs declare gigabytes.
func rawZip(t *testing.T, name string, body []byte, declared uint64) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(body)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	return buf.Bytes()
}

func TestCompressionBombs(t *testing.T) {
	t.Run("zip declaring 2 GiB", func(t *testing.T) {
		b := rawZip(t, "bomb.bin", make([]byte, 4<<20), 2<<30)
		_, _, err := walkBytes(t, b, Limits{})
		wantErr(t, err, ErrBomb, "zip bomb: compression ratio")
	})
	t.Run("gzip tar of 64 MiB of zeros", func(t *testing.T) {
		b := archivetest.TarGz(archivetest.File{Name: "zeros", Body: string(make([]byte, 64<<20))})
		_, _, err := walkBytes(t, b, Limits{MaxFileBytes: 1 << 20})
		wantErr(t, err, ErrBomb, "compression bomb: compression ratio")
	})
	t.Run("small zeros are fine", func(t *testing.T) {
		b := archivetest.TarGz(archivetest.File{Name: "zeros", Body: string(make([]byte, 4<<20))})
		got, _, err := walkBytes(t, b, Limits{})
		if err != nil || len(got) != 1 || len(got[0].Data) != 4<<20 {
			t.Fatalf("got %d entries, err %v", len(got), err)
		}
	})
}

func TestLimits(t *testing.T) {
	t.Run("total bytes", func(t *testing.T) {
		b := archivetest.Tar(archivetest.File{Name: "a", Body: strings.Repeat("a", 3000)}, archivetest.File{Name: "b", Body: strings.Repeat("b", 3000)})
		_, _, err := walkBytes(t, b, Limits{MaxTotalBytes: 4096})
		wantErr(t, err, ErrTooLarge, "archive exceeds 4 KiB uncompressed (limit --max-total-size)")
	})
	t.Run("entries", func(t *testing.T) {
		b := archivetest.Zip(archivetest.File{Name: "a"}, archivetest.File{Name: "b"}, archivetest.File{Name: "c"})
		_, _, err := walkBytes(t, b, Limits{MaxEntries: 2})
		wantErr(t, err, ErrTooManyEntries, "more than 2 entries")
		_, _, err = walkBytes(t, archivetest.Tar(archivetest.File{Name: "a"}, archivetest.File{Name: "b"}, archivetest.File{Name: "c"}), Limits{MaxEntries: 2})
		wantErr(t, err, ErrTooManyEntries, "more than 2 entries")
	})
	t.Run("file bytes truncate, the walk goes on", func(t *testing.T) {
		for name, b := range map[string][]byte{
			"tar": archivetest.Tar(archivetest.File{Name: "big", Body: "0123456789"}, archivetest.File{Name: "next", Body: "n"}),
			"zip": archivetest.Zip(archivetest.File{Name: "big", Body: "0123456789"}, archivetest.File{Name: "next", Body: "n"}),
		} {
			got, _, err := walkBytes(t, b, Limits{MaxFileBytes: 4})
			if err != nil {
				t.Fatal(err)
			}
			want := []walked{{Path: "big", Kind: File, Data: "0123", Truncated: true}, {Path: "next", Kind: File, Data: "n"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: entries (-want +got):\n%s", name, diff)
			}
		}
	})
	t.Run("timeout", func(t *testing.T) {
		_, _, err := walkBytes(t, archivetest.Tar(pkgMembers...), Limits{Timeout: time.Nanosecond})
		wantErr(t, err, ErrTimeout, "timed out after 1ns (limit --timeout)")
	})
	t.Run("xz dictionary", func(t *testing.T) {
		tarball := archivetest.Tar(archivetest.File{Name: "a.py", Body: strings.Repeat("print(1)\n", 500)}, archivetest.File{Name: "b.py", Body: "x"})
		half := len(tarball) / 2
		// Dictionary codes: 18 is 4 MiB, 37 is 1.5 GiB (xz format 5.3.1).
		ok := xzBlocks(t, xzBlock{18, tarball[:half]}, xzBlock{18, tarball[half:]})
		got, _, err := walkBytes(t, ok, Limits{})
		if err != nil || len(got) != 2 || got[0].Data != strings.Repeat("print(1)\n", 500) {
			t.Fatalf("two-block xz: %+v, %v", got, err)
		}
		// The second block asks for 1.5 GiB: refused before decoding it.
		bad := xzBlocks(t, xzBlock{18, tarball[:half]}, xzBlock{37, tarball[half:]})
		_, _, err = walkBytes(t, bad, Limits{})
		wantErr(t, err, ErrTooLarge, "xz dictionary over the 64 MiB memory bound: xz dictionary over the memory bound: block asks for 1536 MiB")
	})
}

// xzBlock is one block of a hand-built xz stream: its LZMA2 dictionary
// size code and the data it holds.
type xzBlock struct {
	dictCode byte
	data     []byte
}

// xzBlocks builds an xz stream block by block (no check, no index: the
// reader stops at the index indicator), so that each block header can ask
// for its own dictionary.
func xzBlocks(t testing.TB, blocks ...xzBlock) []byte {
	t.Helper()
	out := append([]byte{0xfd, '7', 'z', 'X', 'Z', 0, 0, 0}, binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE([]byte{0, 0}))...)
	for _, b := range blocks {
		hdr := []byte{2, 0, 0x21, 1, b.dictCode, 0, 0, 0}
		hdr = binary.LittleEndian.AppendUint32(hdr, crc32.ChecksumIEEE(hdr))
		var comp bytes.Buffer
		w, err := lzma.Writer2Config{DictCap: lzma.MinDictCap}.NewWriter2(&comp)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b.data)
		w.Close()
		out = append(append(out, hdr...), comp.Bytes()...)
		for (len(hdr)+comp.Len())%4 != 0 {
			out = append(out, 0)
			comp.WriteByte(0)
		}
	}
	return append(out, 0) // index indicator
}

func TestCallbackControlsTheWalk(t *testing.T) {
	b := archivetest.Tar(archivetest.File{Name: "a"}, archivetest.File{Name: "b"}, archivetest.File{Name: "c"})
	n := 0
	_, err := WalkReader(context.Background(), "t", bytes.NewReader(b), int64(len(b)), Limits{}, func(*Entry) error {
		n++
		return fs.SkipAll
	})
	if err != nil || n != 1 {
		t.Errorf("SkipAll: %d entries, err %v; want 1, nil", n, err)
	}
	stop := errors.New("stop")
	_, err = WalkReader(context.Background(), "t", bytes.NewReader(b), int64(len(b)), Limits{}, func(*Entry) error { return stop })
	if err != stop {
		t.Errorf("callback error returned as %v", err)
	}
}

func TestGem(t *testing.T) {
	meta := "--- !ruby/object:Gem::Specification\nname: demo\nversion: !ruby/object:Gem::Version\n  version: 1.2.3\n"
	b := archivetest.Gem(meta,
		archivetest.File{Name: "lib/demo.rb", Body: "puts 1\n"},
		archivetest.File{Name: "ext/demo/extconf.rb", Body: "require 'mkmf'\n"},
		archivetest.File{Name: "../escape.rb", Body: "x"},
	)
	got, info, err := walkBytes(t, b, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Format != FormatGem {
		t.Errorf("format %q, want gem", info.Format)
	}
	want := []walked{
		{Path: ".gem/metadata", Kind: File, Data: meta},
		{Path: "lib/demo.rb", Kind: File, Data: "puts 1\n"},
		{Path: "ext/demo/extconf.rb", Kind: File, Data: "require 'mkmf'\n"},
		{Path: ".gem/checksums.yaml.gz", Kind: File, Data: string(archivetest.Gzip([]byte("---\nSHA256: {}\n")))},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if len(info.Warnings) != 1 {
		t.Errorf("want one warning for ../escape.rb, got %q", info.Warnings)
	}
	t.Run("truncated data.tar.gz", func(t *testing.T) {
		data := archivetest.TarGz(archivetest.File{Name: "lib/a.rb", Body: strings.Repeat("puts 1\n", 5000)})
		b := archivetest.Tar(archivetest.File{Name: "metadata.gz", Body: string(archivetest.Gzip([]byte(meta)))}, archivetest.File{Name: "data.tar.gz", Body: string(data[:len(data)/2])})
		_, _, err := walkBytes(t, b, Limits{})
		wantErr(t, err, ErrCorrupt, "data.tar.gz: truncated gzip")
	})
}

// 100,000 tiny files stream within the default limits.
func TestHundredThousandTinyFiles(t *testing.T) {
	const n = 100_000
	members := make([]archivetest.File, n)
	for i := range members {
		members[i] = archivetest.File{Name: fmt.Sprintf("package/lib/f%06d.js", i), Body: "module.exports=1\n"}
	}
	b := archivetest.TarGz(members...)
	count := 0
	info, err := WalkReader(context.Background(), "many.tgz", bytes.NewReader(b), int64(len(b)), DefaultLimits(), func(e *Entry) error {
		if e.Kind == File && string(e.Data) == "module.exports=1\n" {
			count++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != n || info.Entries != n || info.Bytes != int64(n*len("module.exports=1\n")) {
		t.Errorf("%d good files, info %+v; want %d", count, info, n)
	}
}

func TestNestedArchives(t *testing.T) {
	inner := archivetest.TarGz(archivetest.File{Name: "payload/run.py", Body: "exec(x)"})
	wheel := archivetest.Zip(archivetest.File{Name: "w/__init__.py", Body: "w"}, archivetest.File{Name: "w/blob.tar.gz", Body: string(inner)})
	outer := archivetest.TarGz(
		archivetest.File{Name: "pkg-1.0/vendor/w.whl", Body: string(wheel)},
		archivetest.File{Name: "pkg-1.0/data.json.gz", Body: string(archivetest.Gzip([]byte(`{"a":1}`)))},
		archivetest.File{Name: "pkg-1.0/broken.zip", Body: string(wheel[:len(wheel)/2])},
		archivetest.File{Name: "pkg-1.0/setup.py", Body: "setup()"},
	)
	var got []string
	info, err := WalkReader(context.Background(), "outer.tar.gz", bytes.NewReader(outer), int64(len(outer)), Limits{}, func(e *Entry) error {
		got = append(got, e.Path+" in "+e.Container)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"pkg-1.0/vendor/w.whl in ",
		"pkg-1.0/vendor/w.whl/w/__init__.py in pkg-1.0/vendor/w.whl",
		"pkg-1.0/vendor/w.whl/w/blob.tar.gz in pkg-1.0/vendor/w.whl",
		"pkg-1.0/vendor/w.whl/w/blob.tar.gz/payload/run.py in pkg-1.0/vendor/w.whl/w/blob.tar.gz",
		"pkg-1.0/data.json.gz in ",
		"pkg-1.0/broken.zip in ",
		"pkg-1.0/setup.py in ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if info.Format != FormatTarGz || len(info.Warnings) != 1 || !strings.Contains(info.Warnings[0], `nested archive "pkg-1.0/broken.zip" unreadable: corrupt zip`) {
		t.Errorf("format %s, warnings %q", info.Format, info.Warnings)
	}
	t.Run("deeper than MaxDepth", func(t *testing.T) {
		_, _, err := walkBytes(t, outer, Limits{MaxDepth: 1})
		wantErr(t, err, ErrTooDeep, "pkg-1.0/vendor/w.whl/w/blob.tar.gz: archives nested more than 1 deep (limit --max-depth)")
	})
	t.Run("gem data counts as one level", func(t *testing.T) {
		b := archivetest.Gem("name: x\n", archivetest.File{Name: "lib/x.rb", Body: "puts 1"}, archivetest.File{Name: "fixtures/a.zip", Body: string(archivetest.Zip(archivetest.File{Name: "a", Body: "a"}))})
		_, _, err := walkBytes(t, b, Limits{MaxDepth: 1})
		wantErr(t, err, ErrTooDeep, "fixtures/a.zip: archives nested more than 1 deep")
		got, _, err := walkBytes(t, b, Limits{MaxDepth: 2})
		if err != nil || len(got) != 5 || got[3].Path != "fixtures/a.zip/a" {
			t.Errorf("MaxDepth 2: %+v, %v", got, err)
		}
	})
	t.Run("a bomb inside a plain tar", func(t *testing.T) {
		bomb := archivetest.TarGz(archivetest.File{Name: "zeros", Body: string(make([]byte, 64<<20))})
		_, _, err := walkBytes(t, archivetest.Tar(archivetest.File{Name: "pkg/x.tgz", Body: string(bomb)}), Limits{MaxFileBytes: 1 << 20})
		wantErr(t, err, ErrBomb, "compression ratio")
	})
}

// A zip's records are counted before archive/zip allocates for them.
func TestZipDirectoryCount(t *testing.T) {
	members := make([]archivetest.File, 300)
	for i := range members {
		members[i] = archivetest.File{Name: fmt.Sprintf("f%03d", i), Body: strings.Repeat("x", i)}
	}
	b := archivetest.Zip(members...)
	if n := zipDirectoryEntries(bytes.NewReader(b), int64(len(b)), 1000); n != 300 {
		t.Errorf("counted %d records, want 300", n)
	}
	if n := zipDirectoryEntries(bytes.NewReader(b), int64(len(b)), 10); n != 11 {
		t.Errorf("counted %d records with limit 10, want 11 (stop past the limit)", n)
	}
	if n := zipDirectoryEntries(bytes.NewReader(b[:100]), 100, 10); n != -1 {
		t.Errorf("no directory: %d", n)
	}
	prefixed := append([]byte("#!/bin/sh\nexit 0\n"), b...)
	if n := zipDirectoryEntries(bytes.NewReader(prefixed), int64(len(prefixed)), 1000); n != 300 {
		t.Errorf("zip with leading bytes: counted %d records, want 300", n)
	}
	_, _, err := walkBytes(t, b, Limits{MaxEntries: 10})
	wantErr(t, err, ErrTooManyEntries, "more than 10 entries")

	// Over 65535 records the zip64 end record holds the count and offset.
	many := make([]archivetest.File, 70_000)
	for i := range many {
		many[i] = archivetest.File{Name: fmt.Sprintf("%05d", i)}
	}
	b = archivetest.Zip(many...)
	if n := zipDirectoryEntries(bytes.NewReader(b), int64(len(b)), 100_000); n != 70_000 {
		t.Errorf("zip64: counted %d records, want 70000", n)
	}
}

// Every xz check type is verified: a flipped check byte is corruption.
func TestXzChecks(t *testing.T) {
	tarball := archivetest.Tar(pkgMembers...)
	for name, tc := range map[string]struct {
		check byte
		size  int
	}{"none": {xz.None, 0}, "crc32": {xz.CRC32, 4}, "crc64": {xz.CRC64, 8}, "sha256": {xz.SHA256, 32}} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := xz.WriterConfig{CheckSum: tc.check}.NewWriter(&buf)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(tarball)
			w.Close()
			b := buf.Bytes()
			got, _, err := walkBytes(t, b, Limits{})
			if err != nil || len(got) != 2 {
				t.Fatalf("intact: %+v, %v", got, err)
			}
			if tc.size == 0 {
				return
			}
			// The check sits just before the index, whose size the footer gives.
			index := len(b) - 12 - int(binary.LittleEndian.Uint32(b[len(b)-8:])+1)*4
			b[index-1] ^= 0xff
			_, _, err = walkBytes(t, b, Limits{})
			wantErr(t, err, ErrCorrupt, "corrupt xz: xz: block check mismatch")
		})
	}
}

// A compressed stream is read to its end, so its checksum is verified even
// though the tar inside ended earlier; bytes after the gzip stream are a
// warning.
func TestCompressedStreamReadToTheEnd(t *testing.T) {
	tgz := archivetest.TarGz(pkgMembers...)
	bad := bytes.Clone(tgz)
	bad[len(bad)-8] ^= 0xff // the CRC-32 in the gzip trailer
	_, _, err := walkBytes(t, bad, Limits{})
	wantErr(t, err, ErrCorrupt, "corrupt gzip")

	got, info, err := walkBytes(t, append(bytes.Clone(tgz), "trailing junk"...), Limits{})
	if err != nil || len(got) != 2 || len(info.Warnings) != 1 || !strings.Contains(info.Warnings[0], "data after the end of the gzip stream ignored") {
		t.Errorf("trailing junk: %d entries, warnings %q, err %v", len(got), info.Warnings, err)
	}
}
