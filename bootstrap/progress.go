package bootstrap

import (
	"path"
	"sync"
	"time"

	"github.com/plinth-build/plinth/debpkg/apt"
)

// Progress receives a build's progress as it happens: the pipeline's
// stages, their steps and the bytes of each download. cmd/plinth renders
// it (bars on a terminal, timestamped lines otherwise). Stage and
// StageDone come from the goroutine running the build, Step and Download
// also from parallel downloads and decoders: implementations must be safe
// for concurrent use and return quickly.
type Progress interface {
	// Stage says a stage starts (the previous one is done).
	Stage(s Stage)
	// Step says one more step of the named stage is done; item names it
	// (a package).
	Step(stage, item string)
	// StageDone says the named stage ended, after d (the time the build
	// summary adds up).
	StageDone(stage string, d time.Duration)
	// Download reports on one index or pool file.
	Download(d Download)
}

// Stage describes a pipeline stage that starts: "archive" (verify the
// Releases, load the indexes), "resolve", then per architecture "fetch",
// "unpack" (decompress and extract, pruning as it goes) and "configure"
// (maintainer scripts), then "write".
type Stage struct {
	Name string
	// Arch is the architecture the stage works for; "" for all of them.
	Arch string
	// Steps is how many Step calls the stage makes (packages); 0 when it
	// does not count steps.
	Steps int
	// Bytes is how many bytes the stage's files hold, cached ones included
	// (fetch); 0 when not known.
	Bytes int64
}

// Download reports on one file fetched into the download cache: an index
// or a pool file.
type Download struct {
	// URL is where the bytes come from; for a cache hit, the first URL
	// that would have been tried.
	URL string
	// Path is the file's path relative to the mirror root.
	Path string
	// Size is the declared size.
	Size int64
	// Done is how many bytes have arrived; it drops back to 0 when the
	// download starts over.
	Done int64
	// Cached says the file was found, verified, in the cache (and is Finished).
	Cached bool
	// Finished says the file is complete and verified.
	Finished bool
}

// reporter times the stages (the summary's "time:" line) and sends them
// and the downloads to Options.Progress, which may be nil.
type reporter struct {
	clock *stageClock
	p     Progress

	mu    sync.Mutex
	stage string // the stage running, for the fetch steps of downloads
}

func newReporter(p Progress) *reporter {
	return &reporter{clock: newStageClock(), p: p}
}

// start says stage s starts.
func (r *reporter) start(s Stage) {
	r.mu.Lock()
	r.stage = s.Name
	r.mu.Unlock()
	if r.p != nil {
		r.p.Stage(s)
	}
}

// step says one step (item) of the running stage is done.
func (r *reporter) step(item string) {
	if r.p == nil {
		return
	}
	r.mu.Lock()
	stage := r.stage
	r.mu.Unlock()
	r.p.Step(stage, item)
}

// done ends stage, timing it since the previous stage ended.
func (r *reporter) done(stage string) {
	before := r.clock.last
	r.clock.done(stage)
	if r.p != nil {
		r.p.StageDone(stage, r.clock.last.Sub(before))
	}
}

// download is the apt client's progress callback: it passes the event on
// and counts a finished pool file as a step of the fetch stage.
func (r *reporter) download(ev apt.DownloadEvent) {
	r.p.Download(Download(ev))
	if ev.Finished {
		r.mu.Lock()
		fetching := r.stage == "fetch"
		r.mu.Unlock()
		if fetching {
			r.p.Step("fetch", path.Base(ev.Path))
		}
	}
}

// downloads is the apt.Options.Progress for r: nil when nobody listens, so
// the client skips counting bytes.
func (r *reporter) downloads() func(apt.DownloadEvent) {
	if r == nil || r.p == nil {
		return nil
	}
	return r.download
}

// times is what the stages took, in order.
func (r *reporter) times() []StageTime { return r.clock.times }

// planBytes is the size of the plan's files.
func planBytes(files []apt.FileInfo) int64 {
	var n int64
	for _, f := range files {
		n += f.Size
	}
	return n
}
