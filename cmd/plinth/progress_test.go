package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"

	"github.com/plinth-build/plinth/bootstrap"
	"github.com/plinth-build/plinth/debpkg/debtest"
)

// fakeClock is a time source the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// feed sends a small build's events: an index download in archive, then
// two packages in fetch (one cached, one downloaded in two parts), with a
// log line and a maintainer script's unfinished output.
func feed(d display, clock *fakeClock) {
	tick := func(dur time.Duration) {
		if clock != nil {
			clock.advance(dur)
		}
	}
	idx := bootstrap.Download{URL: "http://m/dists/bookworm/main/binary-amd64/by-hash/SHA256/ab", Path: "dists/bookworm/main/binary-amd64/Packages.xz", Size: 4000}
	deb := bootstrap.Download{URL: "http://m/pool/main/g/glibc/libc6_2.36_amd64.deb", Path: "pool/main/g/glibc/libc6_2.36_amd64.deb", Size: 2_000_000}
	d.Stage(bootstrap.Stage{Name: "archive"})
	fmt.Fprintf(d, "verified http://m/dists/bookworm/InRelease\n")
	d.Download(idx)
	idx.Done, idx.Finished = idx.Size, true
	d.Download(idx)
	tick(1500 * time.Millisecond)
	d.StageDone("archive", 1500*time.Millisecond)
	d.Stage(bootstrap.Stage{Name: "fetch", Arch: "amd64", Steps: 2, Bytes: 2_000_100})
	d.Download(bootstrap.Download{URL: "http://m/pool/main/b/base-files/base-files_12_amd64.deb", Path: "pool/main/b/base-files/base-files_12_amd64.deb", Size: 100, Done: 100, Cached: true, Finished: true})
	d.Step("fetch", "base-files_12_amd64.deb")
	d.Download(deb)
	tick(6 * time.Second) // a slow download: the line display says how far it got
	deb.Done = 1_000_000
	d.Download(deb)
	deb.Done, deb.Finished = deb.Size, true
	d.Download(deb)
	d.Step("fetch", "libc6_2.36_amd64.deb")
	tick(time.Second)
	d.StageDone("fetch", 7*time.Second)
	d.Write([]byte("Setting up libc6 ...\npartial"))
	d.Close()
}

func TestLineDisplay(t *testing.T) {
	tests := []struct {
		name    string
		verbose bool
		want    []string
	}{
		{name: "default", want: []string{
			"2026-11-23T10:00:00Z archive: started",
			"2026-11-23T10:00:00Z verified http://m/dists/bookworm/InRelease",
			"2026-11-23T10:00:01Z archive: done in 1.5s, 1 file downloaded (4.0 kB)",
			"2026-11-23T10:00:01Z fetch amd64: 2 packages, 2.0 MB",
			"2026-11-23T10:00:07Z fetch amd64: 1/2 packages, 1.0 MB of 2.0 MB downloaded",
			"2026-11-23T10:00:08Z fetch amd64: done in 7.0s, 1 file downloaded (2.0 MB), 1 cached",
			"2026-11-23T10:00:08Z Setting up libc6 ...",
			"2026-11-23T10:00:08Z partial",
		}},
		{name: "verbose", verbose: true, want: []string{
			"2026-11-23T10:00:00Z archive: started",
			"2026-11-23T10:00:00Z verified http://m/dists/bookworm/InRelease",
			"2026-11-23T10:00:00Z fetched http://m/dists/bookworm/main/binary-amd64/by-hash/SHA256/ab (4.0 kB)",
			"2026-11-23T10:00:01Z archive: done in 1.5s, 1 file downloaded (4.0 kB)",
			"2026-11-23T10:00:01Z fetch amd64: 2 packages, 2.0 MB",
			"2026-11-23T10:00:01Z cached http://m/pool/main/b/base-files/base-files_12_amd64.deb (100 B)",
			"2026-11-23T10:00:07Z fetch amd64: 1/2 packages, 1.0 MB of 2.0 MB downloaded",
			"2026-11-23T10:00:07Z fetched http://m/pool/main/g/glibc/libc6_2.36_amd64.deb (2.0 MB)",
			"2026-11-23T10:00:08Z fetch amd64: done in 7.0s, 1 file downloaded (2.0 MB), 1 cached",
			"2026-11-23T10:00:08Z Setting up libc6 ...",
			"2026-11-23T10:00:08Z partial",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A clock in another zone: the stamps must still be UTC.
			clock := &fakeClock{time.Date(2026, 11, 23, 11, 0, 0, 0, time.FixedZone("CET", 3600))}
			var out bytes.Buffer
			feed(newLineDisplay(&out, tt.verbose, clock.now), clock)
			got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBarDisplay(t *testing.T) {
	var out syncBuffer
	d := newBarDisplay(&out, true, mpb.ForceTTY(), mpb.WithAutoRefresh(), mpb.WithRefreshRate(10*time.Millisecond), mpb.WithWidth(140))
	d.Stage(bootstrap.Stage{Name: "fetch", Arch: "amd64", Steps: 2, Bytes: 3_000_000})
	d.Download(bootstrap.Download{URL: "http://m/pool/libc6_2.36_amd64.deb", Size: 2_000_000})
	d.Download(bootstrap.Download{URL: "http://m/pool/libc6_2.36_amd64.deb", Size: 2_000_000, Done: 500_000})
	fmt.Fprintln(d, "a log line")
	time.Sleep(100 * time.Millisecond) // a few frames with the file in flight
	d.Download(bootstrap.Download{URL: "http://m/pool/libc6_2.36_amd64.deb", Size: 2_000_000, Done: 2_000_000, Finished: true})
	d.Step("fetch", "libc6_2.36_amd64.deb")
	d.Download(bootstrap.Download{URL: "http://m/pool/bash_5.2_amd64.deb", Size: 1_000_000, Done: 1_000_000, Cached: true, Finished: true})
	d.Step("fetch", "bash_5.2_amd64.deb")
	d.StageDone("fetch", 1200*time.Millisecond)
	d.Stage(bootstrap.Stage{Name: "unpack", Arch: "amd64", Steps: 2})
	d.Step("unpack", "libc6")
	// No StageDone: a build that failed here. Close must not wait for it.
	closed := make(chan struct{})
	go func() { d.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs on a stage that never ended")
	}
	fmt.Fprintln(d, "after close")
	got := out.String()
	for _, want := range []string{
		"fetch amd64", "2/2", "1.2s", // the stage's bar, count and time
		"download", "500.0 KB / 3.0 MB", "libc6_2.36_amd64.deb", // bytes and the file in flight
		"2.0 MB / 2.0 MB",     // the cached file is not a download
		"unpack amd64", "1/2", // the unfinished stage stays where it stopped
		"a log line\n", "fetched http://m/pool/libc6_2.36_amd64.deb (2.0 MB)\n", "cached http://m/pool/bash_5.2_amd64.deb", // -v
		"after close\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if !strings.Contains(got, "\x1b[") {
		t.Errorf("no cursor movement: bars were not redrawn:\n%q", got)
	}
}

// syncBuffer is a bytes.Buffer for a writer in another goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestStartDisplay(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
		want  string // the display's type
	}{
		{name: "not a terminal", want: "*main.lineDisplay"},
		{name: "quiet", flags: []string{"--quiet"}, want: "main.nopDisplay"},
		{name: "verbose", flags: []string{"-v"}, want: "*main.lineDisplay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
			c.Flags().BoolP("quiet", "q", false, "")
			c.Flags().BoolP("verbose", "v", false, "")
			if err := c.ParseFlags(tt.flags); err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			opts := bootstrap.Options{Log: os.Stderr}
			d := startDisplay(c, &env{getenv: func(string) string { return "" }, stderr: &stderr}, &opts)
			defer d.Close()
			if got := fmt.Sprintf("%T", d); got != tt.want {
				t.Errorf("display %s, want %s", got, tt.want)
			}
			if tt.want == "main.nopDisplay" {
				if opts.Log != nil || opts.Progress != nil {
					t.Errorf("-q left Log %v, Progress %v; want both nil", opts.Log, opts.Progress)
				}
				return
			}
			if opts.Log != d || opts.Progress != d {
				t.Errorf("Log %v, Progress %v; want both the display", opts.Log, opts.Progress)
			}
			if ld := d.(*lineDisplay); ld.verbose != (tt.name == "verbose") {
				t.Errorf("verbose = %v", ld.verbose)
			}
		})
	}
}

// closeCounter is a display that counts Close calls.
type closeCounter struct {
	nopDisplay
	n *int
}

func (c closeCounter) Close() { *c.n++ }

func TestCloseFirst(t *testing.T) {
	var n int
	var out bytes.Buffer
	w := closeFirst(closeCounter{n: &n}, &out)
	if n != 0 {
		t.Fatal("closed before any write")
	}
	fmt.Fprintln(w, "a")
	fmt.Fprintln(w, "b")
	if n != 1 || out.String() != "a\nb\n" {
		t.Errorf("after two writes: %d closes, output %q; want 1, \"a\\nb\\n\"", n, out.String())
	}
}

var stampedLine = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S`)

// TestBuildOutput runs plinth build against a fake archive with and
// without -q and -v: stderr holds stamped progress lines (none with -q),
// stdout the same summary either way.
func TestBuildOutput(t *testing.T) {
	a := debtest.NewArchive(t, []debtest.Suite{{Name: "bookworm", Archs: []string{"amd64"}, Debs: []debtest.Deb{
		{Control: debtest.Control("base-files", "12.4", "amd64"), Files: []debtest.File{{Path: "/etc/issue", Data: []byte("Debian\n"), Mode: 0o644}}},
	}}}, debtest.Tamper{})
	dir := t.TempDir()
	recipe := filepath.Join(dir, "tiny.toml")
	body := fmt.Sprintf("format = 1\nname = \"tiny\"\n[source]\ndistro = \"debian\"\nsuite = \"bookworm\"\nsuites = [\"bookworm\"]\nmirror = %q\nkeyring = \"archive.asc\"\n"+
		"[packages]\nvariant = \"none\"\ninclude = [\"base-files\"]\n[rootfs]\nconfigure = \"none\"\n", a.URL)
	if err := os.WriteFile(recipe, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "archive.asc"), a.PublicKey, 0o644); err != nil {
		t.Fatal(err)
	}
	summary := regexp.MustCompile(`(?s)^tiny amd64: 1 packages, [0-9.]+ MB uncompressed, sha256:[0-9a-f]{64}\nwrote oci:\S+ \(sha256:[0-9a-f]{64}\)\ntime: archive [0-9.]+s, resolve [0-9.]+s, fetch [0-9.]+s, unpack [0-9.]+s, write [0-9.]+s \(total [0-9.]+s\)\n$`)
	tests := []struct {
		name     string
		flags    []string
		want     []string // substrings of stderr
		wantNot  []string
		wantNone bool // stderr empty
	}{
		{name: "default", want: []string{"archive: started", "fetch amd64: 1 package, ", "fetch amd64: done in ", "unpack amd64: done in ", "write amd64: done in ", "write: done in "},
			wantNot: []string{"fetched "}},
		{name: "verbose", flags: []string{"-v"}, want: []string{"fetch amd64: 1 package, ", "fetched " + a.URL + "/pool/", "fetched " + a.URL + "/dists/bookworm/"}},
		{name: "quiet", flags: []string{"-q"}, wantNone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"build", recipe, "--arch", "amd64", "--cache-dir", t.TempDir(), "--host-root", t.TempDir(),
				"-o", "oci:" + filepath.Join(t.TempDir(), "img")}, tt.flags...)
			if code := run(args, &stdout, &stderr, func(string) string { return "" }); code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr.String())
			}
			if !summary.MatchString(stdout.String()) {
				t.Errorf("stdout is not the summary:\n%s", stdout.String())
			}
			errs := stderr.String()
			if tt.wantNone {
				if errs != "" {
					t.Errorf("stderr with -q:\n%s", errs)
				}
				return
			}
			for _, line := range strings.Split(strings.TrimSuffix(errs, "\n"), "\n") {
				if !stampedLine.MatchString(line) {
					t.Errorf("line without an RFC 3339 UTC stamp: %q", line)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(errs, w) {
					t.Errorf("stderr has %q:\n%s", w, errs)
				}
			}
		})
	}
}
