package main

import (
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/plinth-build/plinth/bootstrap"
)

// display shows a command's progress on stderr: it is the command's
// bootstrap.Progress and its Options.Log. Close ends it (bars are drawn
// one last time) and must come before results are printed.
type display interface {
	bootstrap.Progress
	io.Writer
	Close()
}

// startDisplay picks the display for c's flags and e's stderr and points
// opts at it: nothing with -q (errors and results only), live bars on a
// terminal, lines stamped with the UTC time (RFC 3339) otherwise. -v adds a
// line per downloaded file (and opts.Verbose the maintainer scripts' output).
func startDisplay(c *cobra.Command, e *env, opts *bootstrap.Options) display {
	quiet, _ := c.Flags().GetBool("quiet")
	verbose, _ := c.Flags().GetBool("verbose")
	var d display
	switch {
	case quiet:
		opts.Log, opts.Progress = nil, nil
		return nopDisplay{}
	case isTerminal(e.stderr) && e.getenv("TERM") != "dumb":
		d = newBarDisplay(e.stderr, verbose)
	default:
		d = newLineDisplay(e.stderr, verbose, time.Now)
	}
	opts.Log, opts.Progress = d, d
	return d
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// nopDisplay shows nothing (-q).
type nopDisplay struct{}

func (nopDisplay) Stage(bootstrap.Stage)           {}
func (nopDisplay) Step(string, string)             {}
func (nopDisplay) StageDone(string, time.Duration) {}
func (nopDisplay) Download(bootstrap.Download)     {}
func (nopDisplay) Write(p []byte) (int, error)     { return len(p), nil }
func (nopDisplay) Close()                          {}

// tally is what both displays count for the running stage.
type tally struct {
	stage bootstrap.Stage
	steps int
	// inFlight maps the URLs being downloaded to their bytes so far, in
	// start order (order) for the names shown.
	inFlight map[string]int64
	order    []string
	// done and total are the stage's downloaded bytes and the bytes it
	// downloads: the stage's Bytes less the cached files', or (indexes) the
	// sizes of the files started.
	done, total     int64
	fetched, cached int
	fetchedBytes    int64
}

func (t *tally) start(s bootstrap.Stage) {
	*t = tally{stage: s, inFlight: map[string]int64{}, total: s.Bytes}
}

// label names the stage in output: "fetch amd64".
func (t *tally) label() string {
	return strings.TrimSpace(t.stage.Name + " " + t.stage.Arch)
}

// download counts d and returns by how much the stage's downloaded bytes grew.
func (t *tally) download(d bootstrap.Download) int64 {
	if t.inFlight == nil {
		t.start(bootstrap.Stage{}) // downloads outside a stage
	}
	if d.Cached {
		t.cached++
		if t.stage.Bytes > 0 {
			t.total -= d.Size
		}
		return 0
	}
	prev, known := t.inFlight[d.URL]
	if !known {
		t.order = append(t.order, d.URL)
		if t.stage.Bytes == 0 {
			t.total += d.Size
		}
	}
	delta := d.Done - prev
	t.done += delta
	if d.Finished {
		delete(t.inFlight, d.URL)
		t.order = remove(t.order, d.URL)
		t.fetched++
		t.fetchedBytes += d.Size
	} else {
		t.inFlight[d.URL] = d.Done
	}
	return delta
}

// names lists the files being downloaded, oldest first, in at most max
// characters.
func (t *tally) names(max int) string {
	var b strings.Builder
	for i, u := range t.order {
		name := path.Base(u)
		if i > 0 {
			name = ", " + name
		}
		if b.Len()+len(name) > max {
			if b.Len() == 0 {
				b.WriteString(name[:max-1])
			}
			b.WriteString("…")
			break
		}
		b.WriteString(name)
	}
	return b.String()
}

// summary says what the stage downloaded, for its last line: "" when nothing.
func (t *tally) summary() string {
	switch {
	case t.fetched > 0 && t.cached > 0:
		return fmt.Sprintf(", %s downloaded (%s), %d cached", plural(t.fetched, "file"), humanBytes(t.fetchedBytes), t.cached)
	case t.fetched > 0:
		return fmt.Sprintf(", %s downloaded (%s)", plural(t.fetched, "file"), humanBytes(t.fetchedBytes))
	case t.cached > 0:
		return fmt.Sprintf(", %s cached", plural(t.cached, "file"))
	}
	return ""
}

// plural is "1 file", "2 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func remove(list []string, s string) []string {
	for i, v := range list {
		if v == s {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// humanBytes prints n in decimal units, as the build summary does.
func humanBytes(n int64) string {
	switch {
	case n < 1e3:
		return fmt.Sprintf("%d B", n)
	case n < 1e6:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1e9:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}

// lines splits what is written into whole lines for emit; Close emits a
// last partial line.
type lines struct {
	buf  []byte
	emit func(line string)
}

func (l *lines) write(p []byte) {
	l.buf = append(l.buf, p...)
	for {
		i := strings.IndexByte(string(l.buf), '\n')
		if i < 0 {
			return
		}
		l.emit(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
}

func (l *lines) flush() {
	if len(l.buf) > 0 {
		l.emit(string(l.buf))
		l.buf = nil
	}
}

// lineEvery is how often a long stage prints how far it got, without -v.
const lineEvery = 5 * time.Second

// lineDisplay prints plain lines, each stamped with the UTC time in RFC
// 3339: what a log file or CI job wants.
type lineDisplay struct {
	w       io.Writer
	verbose bool
	now     func() time.Time

	mu   sync.Mutex
	t    tally
	last time.Time // of the running stage's last line
	log  lines
}

func newLineDisplay(w io.Writer, verbose bool, now func() time.Time) *lineDisplay {
	d := &lineDisplay{w: w, verbose: verbose, now: now}
	d.log.emit = d.line
	return d
}

// line prints one stamped line; d.mu is held.
func (d *lineDisplay) line(s string) {
	d.last = d.now()
	fmt.Fprintf(d.w, "%s %s\n", d.last.UTC().Format(time.RFC3339), s)
}

// Stage prints "fetch amd64: 12 packages, 3.4 MB".
func (d *lineDisplay) Stage(s bootstrap.Stage) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.t.start(s)
	var what []string
	if s.Steps > 0 {
		what = append(what, plural(s.Steps, "package"))
	}
	if s.Bytes > 0 {
		what = append(what, humanBytes(s.Bytes))
	}
	if len(what) == 0 {
		what = []string{"started"}
	}
	d.line(d.t.label() + ": " + strings.Join(what, ", "))
}

// Step counts; a long stage prints how far it got every lineEvery.
func (d *lineDisplay) Step(stage, item string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.t.steps++
	d.progressLine()
}

// StageDone prints "fetch amd64: done in 1.2s, 12 files downloaded (3.4 MB)".
func (d *lineDisplay) StageDone(stage string, took time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.line(fmt.Sprintf("%s: done in %.1fs%s", d.t.label(), took.Seconds(), d.t.summary()))
	d.t = tally{}
}

// Download counts; with -v it prints a line per finished file.
func (d *lineDisplay) Download(ev bootstrap.Download) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.t.download(ev)
	switch {
	case !d.verbose || !ev.Finished:
		d.progressLine()
	case ev.Cached:
		d.line(fmt.Sprintf("cached %s (%s)", ev.URL, humanBytes(ev.Size)))
	default:
		d.line(fmt.Sprintf("fetched %s (%s)", ev.URL, humanBytes(ev.Size)))
	}
}

// progressLine prints "fetch amd64: 5/12 packages, 1.2 MB of 3.4 MB" when
// the stage printed nothing for lineEvery; d.mu is held.
func (d *lineDisplay) progressLine() {
	if d.t.stage.Name == "" || d.now().Sub(d.last) < lineEvery {
		return
	}
	var what []string
	if d.t.stage.Steps > 0 {
		what = append(what, fmt.Sprintf("%d/%d packages", d.t.steps, d.t.stage.Steps))
	}
	if d.t.total > 0 {
		what = append(what, fmt.Sprintf("%s of %s downloaded", humanBytes(d.t.done), humanBytes(d.t.total)))
	}
	if len(what) > 0 {
		d.line(d.t.label() + ": " + strings.Join(what, ", "))
	}
}

// Write prints Options.Log output (and maintainer scripts'), a stamped
// line per line.
func (d *lineDisplay) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log.write(p)
	return len(p), nil
}

// Close prints a last unfinished line.
func (d *lineDisplay) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log.flush()
}

// barDisplay draws live bars with mpb: one per stage with its count and
// time, and under a downloading stage one for its bytes, rate, ETA and the
// files in flight. Log lines scroll above the bars.
type barDisplay struct {
	p       *mpb.Progress
	w       io.Writer
	verbose bool

	mu     sync.Mutex
	t      tally
	bar    *mpb.Bar      // the running stage's
	took   *atomic.Int64 // its time once done, read by its decorator
	dl     *mpb.Bar      // its download bar, once bytes flow
	dlAt   time.Time
	bars   []*mpb.Bar
	names  atomic.Pointer[string] // read by the download bar's decorator
	log    lines
	closed bool
}

// labelWidth fits "configure arm64".
const labelWidth = 16

func newBarDisplay(w io.Writer, verbose bool, opts ...mpb.ContainerOption) *barDisplay {
	opts = append([]mpb.ContainerOption{mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithRefreshRate(120 * time.Millisecond)}, opts...)
	d := &barDisplay{p: mpb.New(opts...), w: w, verbose: verbose}
	d.names.Store(new(string))
	d.log.emit = func(line string) {
		if d.closed {
			fmt.Fprintln(d.w, line)
			return
		}
		d.p.Write([]byte(line + "\n"))
	}
	return d
}

// Stage adds the stage's bar: its count, or a spinner when it does not
// count steps, and its time.
func (d *barDisplay) Stage(s bootstrap.Stage) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.t.start(s)
	counter := decor.OnComplete(decor.Spinner(nil, decor.WC{W: 8}), "")
	if s.Steps > 0 {
		counter = decor.CountersNoUnit("%d/%d", decor.WC{W: 8})
	}
	d.took = new(atomic.Int64)
	d.bar = d.p.AddBar(int64(s.Steps),
		mpb.PrependDecorators(decor.Name(d.t.label(), decor.WC{W: labelWidth, C: decor.DindentRight})),
		mpb.AppendDecorators(counter, stageTime(time.Now(), d.took)))
	d.bars = append(d.bars, d.bar)
	d.dl = nil
}

// stageTime shows the time since start, then the stage's time once took is set.
func stageTime(start time.Time, took *atomic.Int64) decor.Decorator {
	return decor.Any(func(decor.Statistics) string {
		t := time.Duration(took.Load())
		if t == 0 {
			t = time.Since(start)
		}
		return fmt.Sprintf("%.1fs", t.Seconds())
	}, decor.WC{W: 7})
}

// Step moves the stage's bar.
func (d *barDisplay) Step(stage, item string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.bar != nil && stage == d.t.stage.Name {
		d.t.steps++
		d.bar.Increment()
	}
}

// StageDone completes the stage's bars.
func (d *barDisplay) StageDone(stage string, took time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.bar == nil {
		return
	}
	d.took.Store(int64(max(took, time.Nanosecond)))
	d.bar.SetTotal(int64(max(d.t.stage.Steps, 1)), true)
	if d.dl != nil {
		d.dl.SetTotal(-1, true)
	}
	d.bar, d.dl = nil, nil
	d.t = tally{}
}

// Download moves the download bar, adding it on the stage's first bytes.
func (d *barDisplay) Download(ev bootstrap.Download) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	delta := d.t.download(ev)
	if d.verbose && ev.Finished {
		verb := "fetched"
		if ev.Cached {
			verb = "cached"
		}
		d.log.emit(fmt.Sprintf("%s %s (%s)", verb, ev.URL, humanBytes(ev.Size)))
	}
	names := d.t.names(48)
	d.names.Store(&names)
	if d.dl == nil {
		if ev.Cached {
			return
		}
		d.dl = d.addDownloadBar()
	}
	d.dl.SetTotal(max(d.t.total, d.t.done), false)
	now := time.Now()
	if delta > 0 {
		d.dl.EwmaIncrInt64(delta, now.Sub(d.dlAt))
	} else if delta < 0 {
		d.dl.SetCurrent(d.t.done)
	}
	d.dlAt = now
}

func (d *barDisplay) addDownloadBar() *mpb.Bar {
	d.dlAt = time.Now()
	b := d.p.AddBar(0,
		mpb.PrependDecorators(decor.Name("  download", decor.WC{W: labelWidth, C: decor.DindentRight})),
		mpb.AppendDecorators(
			decor.Counters(decor.SizeB1000(0), "% .1f / % .1f", decor.WC{W: 20}),
			decor.OnComplete(decor.EwmaSpeed(decor.SizeB1000(0), "% .1f", 30, decor.WC{W: 12}), ""),
			decor.OnComplete(decor.EwmaETA(decor.ET_STYLE_GO, 30, decor.WC{W: 6}), ""),
			decor.Any(func(decor.Statistics) string { return " " + *d.names.Load() }),
		))
	d.bars = append(d.bars, b)
	return b
}

// Write prints Options.Log output above the bars, line by line.
func (d *barDisplay) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log.write(p)
	return len(p), nil
}

// Close aborts the bars of a stage that did not end (a failed build,
// which leaves them on screen where it stopped) and draws them one last
// time.
func (d *barDisplay) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	for _, b := range d.bars {
		b.Abort(false) // a no-op on a completed bar
	}
	d.p.Wait()
	d.closed = true
	d.log.flush()
}

// closeFirst returns w, closing d before the first write to it: results a
// command prints while it runs (show, refresh) never mix with live bars.
func closeFirst(d display, w io.Writer) io.Writer {
	return &closingWriter{d: d, w: w}
}

type closingWriter struct {
	once sync.Once
	d    display
	w    io.Writer
}

func (c *closingWriter) Write(p []byte) (int, error) {
	c.once.Do(c.d.Close)
	return c.w.Write(p)
}
