package apt

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"strings"

	"golang.org/x/sync/errgroup"
)

// Fetch downloads the pool file f (f.Path is a Packages Filename, relative
// to the mirror root) into the cache, checking its size and SHA256, and
// returns its path in the cache. A cached copy is re-verified and, when it
// no longer matches, removed and fetched again. A Filename that is empty,
// absolute, a URL or holds ".." is refused with ErrBadFilename.
func (c *Client) Fetch(ctx context.Context, mirror string, f FileInfo) (string, error) {
	if err := checkFilename(f.Path); err != nil {
		return "", err
	}
	base, err := mirrorBase(mirror)
	if err != nil {
		return "", err
	}
	return c.fetchToCache(ctx, []string{base + "/" + escapePath(f.Path)}, f)
}

// FetchAll fetches files[i] from mirror(i) for every i, at most Parallel at
// a time, and returns the cache paths in input order. The first failure
// cancels the rest and is returned.
func (c *Client) FetchAll(ctx context.Context, mirror func(i int) string, files []FileInfo) ([]string, error) {
	paths := make([]string, len(files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.opts.Parallel)
	for i, f := range files {
		g.Go(func() error {
			p, err := c.Fetch(gctx, mirror(i), f)
			paths[i] = p
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return paths, nil
}

// checkFilename refuses a pool path that could leave the mirror root.
func checkFilename(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("pool file %q: %s: %w", trunc(name), why, ErrBadFilename)
	}
	switch {
	case name == "":
		return bad("empty")
	case strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`):
		return bad("absolute path")
	case strings.ContainsAny(name, "\\\x00?#") || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return bad("control or special character")
	}
	if u, err := url.Parse(name); err != nil || u.Scheme != "" || u.Host != "" {
		return bad("a URL, not a path")
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." || seg == "." || seg == "" {
			return bad(`"..", "." or empty path element`)
		}
	}
	if path.Clean(name) != name {
		return bad("not a clean path")
	}
	return nil
}
