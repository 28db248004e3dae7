package apt

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkVerifyFile measures the SHA-256 check every cached .deb and
// index passes on each use (a warm bookworm build verifies about 30 MB).
func BenchmarkVerifyFile(b *testing.B) {
	data := make([]byte, 32<<20)
	rand.Read(data)
	path := filepath.Join(b.TempDir(), "pkg.deb")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	f := FileInfo{Path: "pool/main/p/pkg.deb", Size: int64(len(data)), SHA256: fmt.Sprintf("%x", sha256.Sum256(data))}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := verifyFile(path, f); err != nil {
			b.Fatal(err)
		}
	}
}
