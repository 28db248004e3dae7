package apt

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/plinth-build/plinth/debpkg"
	"github.com/xi2/xz"
	"golang.org/x/sync/errgroup"
)

// indexVariants are the Packages compressions tried, best first.
var indexVariants = []string{".xz", ".gz", ""}

// Packages fetches and parses COMPONENT/binary-ARCH/Packages of rel,
// preferring .xz, then .gz, then the plain file. The index is fetched by hash
// (dists/SUITE/COMPONENT/binary-ARCH/by-hash/SHA256/<hex>) when the Release
// says Acquire-By-Hash, falling back to its name when that is not found;
// its size and SHA256 are checked before anything is parsed, and it is
// cached by SHA256.
func (c *Client) Packages(ctx context.Context, rel *Release, component, arch string) ([]*debpkg.Package, error) {
	fi, urls, err := indexURLs(rel, component, arch)
	if err != nil {
		return nil, err
	}
	plain, hasPlain := plainIndexInfo(rel, component+"/binary-"+arch)
	if hasPlain {
		if pkgs, ok := c.cachedPlainIndex(plain); ok {
			return pkgs, nil
		}
	}
	p, err := c.fetchToCache(ctx, urls, fi)
	if err != nil {
		return nil, err
	}
	var pkgs []*debpkg.Package
	if hasPlain && fi.SHA256 != plain.SHA256 {
		pkgs, err = c.parseKeepingPlain(p, fi.Path, plain)
	} else {
		pkgs, err = parseIndexFile(p, fi.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", urls[len(urls)-1], err)
	}
	return pkgs, nil
}

// indexURLs picks the Packages file of component/arch in rel and the URLs to
// try for it, by-hash first when the archive supports it. The FileInfo's
// Path is relative to the mirror root.
func indexURLs(rel *Release, component, arch string) (FileInfo, []string, error) {
	base, err := mirrorBase(rel.Mirror)
	if err != nil {
		return FileInfo{}, nil, err
	}
	if err := checkSuite(component); err != nil || strings.ContainsAny(arch, "/") || arch == "" {
		return FileInfo{}, nil, fmt.Errorf("component %q, architecture %q: not a valid name", component, arch)
	}
	dir := component + "/binary-" + arch
	dists := base + "/dists/" + escapePath(rel.Suite) + "/"
	for _, ext := range indexVariants {
		fi, ok := rel.Files[dir+"/Packages"+ext]
		if !ok {
			continue
		}
		byName := dists + escapePath(fi.Path)
		fi.Path = path.Join("dists", rel.Suite, fi.Path)
		if !rel.AcquireByHash {
			return fi, []string{byName}, nil
		}
		byHash := dists + escapePath(dir) + "/by-hash/SHA256/" + fi.SHA256
		return fi, []string{byHash, byName}, nil
	}
	return FileInfo{}, nil, fmt.Errorf("%s %s: %s/Packages: %w; check the recipe's components and architectures (the Release lists %s for %s)",
		rel.Mirror, rel.Suite, dir, ErrNoIndex, strings.Join(rel.Components, " "), strings.Join(rel.Architectures, " "))
}

// parseIndexFile decompresses (by name) and parses a verified Packages file.
func parseIndexFile(p, name string) ([]*debpkg.Package, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := decompress(bufio.NewReaderSize(f, 1<<16), name)
	if err != nil {
		return nil, err
	}
	return ParsePackages(r)
}

func decompress(r io.Reader, name string) (io.Reader, error) {
	switch path.Ext(name) {
	case ".xz":
		return xz.NewReader(r, 0)
	case ".gz":
		return gzip.NewReader(r)
	default:
		return r, nil
	}
}

// ParsePackages parses a (decompressed) Packages index, in index order.
// Parsing runs in parallel with reading (decompressing): the stream is cut
// into chunks at empty lines and the chunks are parsed by GOMAXPROCS workers.
func ParsePackages(r io.Reader) ([]*debpkg.Package, error) {
	return parsePackagesChunked(r, 1<<20)
}

func parsePackagesChunked(r io.Reader, chunkSize int) ([]*debpkg.Package, error) {
	type chunk struct {
		seq, line int // line: number of lines before the chunk
		data      []byte
	}
	workers := runtime.GOMAXPROCS(0)
	chunks := make(chan chunk, workers)
	var (
		mu      sync.Mutex
		results [][]*debpkg.Package
	)
	g, ctx := errgroup.WithContext(context.Background())
	g.Go(func() error {
		defer close(chunks)
		return splitParagraphChunks(ctx, r, chunkSize, func(seq, line int, data []byte) error {
			select {
			case chunks <- chunk{seq, line, data}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	})
	for range workers {
		g.Go(func() error {
			for c := range chunks {
				pkgs, err := parseChunk(c.data)
				if err != nil {
					return fmt.Errorf("after line %d: %w", c.line, err)
				}
				mu.Lock()
				for len(results) <= c.seq {
					results = append(results, nil)
				}
				results[c.seq] = pkgs
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	n := 0
	for _, r := range results {
		n += len(r)
	}
	out := make([]*debpkg.Package, 0, n)
	for _, r := range results {
		out = append(out, r...)
	}
	return out, nil
}

// splitParagraphChunks reads r and calls emit with chunks of about size
// bytes that end at an empty line (or at the end of r), so no paragraph
// spans two chunks.
func splitParagraphChunks(ctx context.Context, r io.Reader, size int, emit func(seq, line int, data []byte) error) error {
	var carry []byte
	seq, line := 0, 0
	for {
		buf := make([]byte, len(carry), max(size, 2*len(carry)))
		copy(buf, carry)
		n, err := io.ReadFull(r, buf[len(carry):cap(buf)])
		buf = buf[:len(carry)+n]
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		cut := len(buf)
		if !eof {
			i := bytes.LastIndex(buf, []byte("\n\n"))
			if i < 0 {
				carry = buf // no paragraph end yet: read more
				continue
			}
			cut = i + 2
		}
		if cut > 0 {
			if err := emit(seq, line, buf[:cut]); err != nil {
				return err
			}
			seq++
			line += bytes.Count(buf[:cut], []byte("\n"))
		}
		if eof {
			return nil
		}
		carry = buf[cut:]
	}
}

func parseChunk(data []byte) ([]*debpkg.Package, error) {
	// One string for the chunk: every field value is a substring of it.
	return debpkg.ParsePackageIndex(string(data))
}

// Source is one archive suite to index.
type Source struct {
	Mirror, Suite string
	Components    []string
}

// IndexedPackage is a package of an index with where it came from.
type IndexedPackage struct {
	*debpkg.Package
	Mirror, Suite, Component string
}

// Index verifies the Release of every source and loads every (source,
// component, arch) Packages index, in parallel. Packages come back in a
// deterministic order: source order, then component, then arch, then index
// order. The verified Releases are returned keyed by suite (a suite listed
// twice keeps the last source's).
func (c *Client) Index(ctx context.Context, sources []Source, archs []string) ([]IndexedPackage, map[string]*Release, error) {
	rels := make([]*Release, len(sources))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.opts.Parallel)
	for i, s := range sources {
		g.Go(func() error {
			r, err := c.Release(gctx, s.Mirror, s.Suite)
			rels[i] = r
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	type job struct {
		src, comp int
		arch      string
	}
	var jobs []job
	for si, s := range sources {
		for ci := range s.Components {
			for _, a := range archs {
				jobs = append(jobs, job{si, ci, a})
			}
		}
	}
	results := make([][]*debpkg.Package, len(jobs))
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(c.opts.Parallel)
	for i, j := range jobs {
		g.Go(func() error {
			pkgs, err := c.Packages(gctx, rels[j.src], sources[j.src].Components[j.comp], j.arch)
			results[i] = pkgs
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	var out []IndexedPackage
	for i, j := range jobs {
		s := sources[j.src]
		for _, p := range results[i] {
			out = append(out, IndexedPackage{Package: p, Mirror: s.Mirror, Suite: s.Suite, Component: s.Components[j.comp]})
		}
	}
	bySuite := make(map[string]*Release, len(rels))
	for _, r := range rels {
		bySuite[r.Suite] = r
	}
	return out, bySuite, nil
}
