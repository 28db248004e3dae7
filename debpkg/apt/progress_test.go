package apt

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// eventLog records DownloadEvents from any goroutine.
type eventLog struct {
	mu     sync.Mutex
	events []DownloadEvent
}

func (l *eventLog) add(ev DownloadEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
}

func (l *eventLog) take() []DownloadEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.events
	l.events = nil
	return out
}

func TestFetchProgress(t *testing.T) {
	data, fi := poolFile(100000)
	path := "/" + fi.Path
	tests := []struct {
		name       string
		hook       func(w http.ResponseWriter, r *http.Request, n int) bool
		wantStarts int     // byte events with Done 0
		wantSeen   []int64 // Done counts that must be reported
	}{
		{name: "whole", wantStarts: 1, wantSeen: []int64{100000}},
		{name: "cut and resumed", hook: cutFirst(data, 40000, true), wantStarts: 1, wantSeen: []int64{40000, 100000}},
		{name: "cut and started over", hook: cutFirst(data, 40000, false), wantStarts: 2, wantSeen: []int64{40000, 100000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t, map[string][]byte{path: data})
			srv.hook = tt.hook
			var log eventLog
			c := testClient(t, nil, func(o *Options) { o.Progress = log.add })
			if _, err := c.Fetch(context.Background(), srv.URL, fi); err != nil {
				t.Fatal(err)
			}
			events := log.take()
			want := DownloadEvent{URL: srv.URL + path, Path: fi.Path, Size: fi.Size, Done: fi.Size, Finished: true}
			if diff := cmp.Diff(want, events[len(events)-1]); diff != "" {
				t.Errorf("last event (-want +got):\n%s", diff)
			}
			starts, seen, prev := 0, map[int64]bool{}, int64(-1)
			for _, ev := range events[:len(events)-1] {
				if ev.Finished || ev.Cached || ev.URL != want.URL || ev.Path != fi.Path || ev.Size != fi.Size {
					t.Errorf("byte event %+v: want the file's URL, Path and Size, not finished", ev)
				}
				if ev.Done == 0 {
					starts++
				} else if ev.Done < prev {
					t.Errorf("Done went from %d back to %d without a start", prev, ev.Done)
				}
				seen[ev.Done], prev = true, ev.Done
			}
			if starts != tt.wantStarts {
				t.Errorf("%d starts, want %d: %+v", starts, tt.wantStarts, events)
			}
			for _, d := range tt.wantSeen {
				if !seen[d] {
					t.Errorf("no event with Done %d: %+v", d, events)
				}
			}

			if _, err := c.Fetch(context.Background(), srv.URL, fi); err != nil {
				t.Fatal(err)
			}
			want.Cached = true
			if diff := cmp.Diff([]DownloadEvent{want}, log.take()); diff != "" {
				t.Errorf("events of a cache hit (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProgressThrottle(t *testing.T) {
	var events []DownloadEvent
	w := &progressWriter{emit: func(ev DownloadEvent) { events = append(events, ev) }, ev: DownloadEvent{Size: 4 << 20}}
	w.start()
	start := time.Now()
	chunk := make([]byte, 32<<10)
	for range 128 { // 4 MiB in 32 KiB writes, as io.Copy does
		w.Write(chunk)
	}
	w.flush()
	took := time.Since(start)
	// One start, one event per 256 KiB (16), plus at most one per 100 ms.
	if limit := 1 + 16 + int(took/progressEvery) + 1; len(events) > limit || len(events) < 17 {
		t.Errorf("%d events for 4 MiB in %v, want 17..%d", len(events), took, limit)
	}
	if last := events[len(events)-1]; last.Done != 4<<20 {
		t.Errorf("last event Done = %d, want %d", last.Done, 4<<20)
	}
	n := len(events)
	w.flush() // nothing new: no event
	w.start() // starting over after bytes: one event
	w.start() // again without bytes in between: none
	if got := events[n:]; len(got) != 1 || got[0].Done != 0 {
		t.Errorf("flush, start, start sent %+v, want one event with Done 0", got)
	}
}

func TestProgressNil(t *testing.T) {
	c := New(Options{})
	if w := c.newProgressWriter("u", FileInfo{}); w != nil {
		t.Errorf("newProgressWriter without Options.Progress = %+v, want nil", w)
	}
	var w *progressWriter
	w.start() // must not panic
	w.flush()
}
