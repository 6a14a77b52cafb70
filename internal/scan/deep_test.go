package scan

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

func TestVerifyIntegrity(t *testing.T) {
	data := []byte("package bytes")
	s512 := sha512.Sum512(data)
	s256 := sha256.Sum256(data)
	s1 := sha1.Sum(data)
	for integrity, want := range map[string]bool{
		"sha512-" + base64.StdEncoding.EncodeToString(s512[:]):              true,
		"sha1-" + base64.StdEncoding.EncodeToString(s1[:]) + " sha512-AAAA": false, // only the strongest counts
		"sha512-AAAA sha512-" + base64.StdEncoding.EncodeToString(s512[:]):  true,
		"sha256:" + hex.EncodeToString(s256[:]):                             true,
		"sha256=" + hex.EncodeToString(s256[:]):                             true,
		"sha1:" + hex.EncodeToString(s1[:]):                                 true,
		"sha512-" + base64.StdEncoding.EncodeToString(make([]byte, 64)):     false,
		"sha256:" + hex.EncodeToString(make([]byte, 32)):                    false,
	} {
		got, err := verifyIntegrity(data, integrity)
		if err != nil || got != want {
			t.Errorf("%s: got %v, %v; want %v", integrity, got, err, want)
		}
	}
	if _, err := verifyIntegrity(data, "md5-AAAA"); err == nil {
		t.Error("an unknown algorithm must not count as verified or as a mismatch")
	}
}

// FuzzIntegrity: hostile integrity strings from lockfiles never panic, and
// the true sha512 of the data always verifies whatever else is listed.
func FuzzIntegrity(f *testing.F) {
	f.Add([]byte("x"), "sha512-AAAA sha1:00")
	f.Add([]byte(""), "sha256=zz")
	f.Add([]byte("y"), "-:=")
	f.Fuzz(func(t *testing.T, data []byte, integrity string) {
		verifyIntegrity(data, integrity)
		sameDigest(integrity, integrity)
		sum := sha512.Sum512(data)
		if ok, err := verifyIntegrity(data, integrity+" sha512-"+base64.StdEncoding.EncodeToString(sum[:])); err != nil || !ok {
			t.Fatalf("true digest after %q not verified: %v %v", integrity, ok, err)
		}
	})
}
