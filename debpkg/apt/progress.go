package apt

import "time"

// DownloadEvent reports on one file fetched into the cache, an index or a
// pool file: when its download starts (Done 0, again after a restart), as
// its bytes arrive, and when it is finished or found in the cache.
type DownloadEvent struct {
	// URL is where the bytes come from; for a cache hit, the first URL that
	// would have been tried.
	URL string
	// Path is the file's path relative to the mirror root: a pool Filename,
	// or dists/SUITE/... for an index.
	Path string
	// Size is the size the Release or Packages index declares.
	Size int64
	// Done is how many bytes have arrived. It drops back to 0 when a
	// download starts over.
	Done int64
	// Cached says the file was found, verified, in the cache: nothing is
	// downloaded. Cached events are also Finished.
	Cached bool
	// Finished says the file is complete and verified.
	Finished bool
}

// Progress events for a file's bytes are sent at most this often, unless
// progressBytes arrived since the last one.
const (
	progressEvery = 100 * time.Millisecond
	progressBytes = 256 << 10
)

// progress sends ev to Options.Progress, if set.
func (c *Client) progress(ev DownloadEvent) {
	if c.opts.Progress != nil {
		c.opts.Progress(ev)
	}
}

// newProgressWriter returns a writer counting f's bytes from url into
// events, or nil when no one listens.
func (c *Client) newProgressWriter(url string, f FileInfo) *progressWriter {
	if c.opts.Progress == nil {
		return nil
	}
	return &progressWriter{emit: c.opts.Progress, ev: DownloadEvent{URL: url, Path: f.Path, Size: f.Size}}
}

// progressWriter is an io.Writer that counts a download's bytes and sends
// throttled DownloadEvents. Its methods do nothing on a nil receiver.
type progressWriter struct {
	emit    func(DownloadEvent)
	ev      DownloadEvent
	sent    int64     // Done at the last event
	at      time.Time // time of the last event
	started bool
}

// Write counts p.
func (w *progressWriter) Write(p []byte) (int, error) {
	w.ev.Done += int64(len(p))
	if now := time.Now(); w.ev.Done-w.sent >= progressBytes || now.Sub(w.at) >= progressEvery {
		w.send(now)
	}
	return len(p), nil
}

// start says the download starts (over) from the first byte.
func (w *progressWriter) start() {
	if w == nil || (w.started && w.ev.Done == 0) {
		return
	}
	w.started, w.ev.Done = true, 0
	w.send(time.Now())
}

// flush sends the count when the last event did not have it.
func (w *progressWriter) flush() {
	if w != nil && w.sent != w.ev.Done {
		w.send(time.Now())
	}
}

func (w *progressWriter) send(now time.Time) {
	w.sent, w.at = w.ev.Done, now
	w.emit(w.ev)
}
