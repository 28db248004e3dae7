package oci

import (
	"archive/tar"
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchTar builds a tar of about size bytes that compresses roughly like a
// Debian root filesystem: text files of words and binary-like files of
// low-entropy bytes.
func benchTar(b *testing.B, size int) []byte {
	b.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	words := []string{"the", "package", "usr", "lib", "share", "debian", "copyright", "license", "GNU",
		"version", "depends", "x86_64", "linux", "gnu", "so", "conffiles", "md5sums", "locale", "bin", "etc"}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := 0; buf.Len() < size; i++ {
		n := 4<<10 + rng.IntN(256<<10)
		body := make([]byte, 0, n)
		if i%3 == 0 { // binary-like: ~6 bits of entropy a byte
			for len(body) < n {
				body = append(body, byte(rng.IntN(64)))
			}
		} else { // text
			for len(body) < n {
				body = append(body, words[rng.IntN(len(words))]...)
				body = append(body, " \n"[rng.IntN(2)])
			}
		}
		h := &tar.Header{Typeflag: tar.TypeReg, Name: fmt.Sprintf("usr/lib/f%06d", i), Mode: 0o644, Size: int64(len(body)), ModTime: epoch}
		if err := tw.WriteHeader(h); err != nil {
			b.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			b.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkLayerGzip measures layer compression (gzip at GzipLevel, both
// digests, the temporary file) of a ~100 MB tar.
func BenchmarkLayerGzip(b *testing.B) {
	data := benchTar(b, 100<<20)
	b.SetBytes(int64(len(data)))
	var ratio float64
	for b.Loop() {
		l, err := compressLayer(bytesOpener(data))
		if err != nil {
			b.Fatal(err)
		}
		ratio = float64(l.size) / float64(len(data))
		l.file.Close()
	}
	b.ReportMetric(ratio, "ratio")
}
