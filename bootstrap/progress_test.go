package bootstrap

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// recorder is a Progress that keeps what it is told, safe for the
// concurrent Step and Download calls.
type recorder struct {
	mu        sync.Mutex
	stages    []string // "start NAME/ARCH STEPS" and "done NAME"
	starts    []Stage
	steps     map[string][]string // stage -> items
	downloads []Download
	took      map[string]time.Duration
}

func newRecorder() *recorder {
	return &recorder{steps: map[string][]string{}, took: map[string]time.Duration{}}
}

func (r *recorder) Stage(s Stage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stages = append(r.stages, fmt.Sprintf("start %s/%s %d", s.Name, s.Arch, s.Steps))
	r.starts = append(r.starts, s)
}

func (r *recorder) Step(stage, item string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steps[stage] = append(r.steps[stage], item)
}

func (r *recorder) StageDone(stage string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stages = append(r.stages, "done "+stage)
	r.took[stage] += d
}

func (r *recorder) Download(d Download) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.downloads = append(r.downloads, d)
}

// finished lists the base names of the finished .debs, and how many of them were cached.
func (r *recorder) finished() (debs []string, cached int) {
	for _, d := range r.downloads {
		if d.Finished && strings.HasSuffix(d.Path, ".deb") {
			debs = append(debs, filepath.Base(d.Path))
			if d.Cached {
				cached++
			}
		}
	}
	return debs, cached
}

func TestBuildProgress(t *testing.T) {
	a := newTestArchive(t)
	opts := a.options(t, "static", "oci:"+filepath.Join(t.TempDir(), "img"))
	lockPath := filepath.Join(t.TempDir(), "static.lock")
	if _, _, err := Lock(context.Background(), LockOptions{Options: opts, Output: lockPath}); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(context.Background(), opts); err != nil { // fills opts.CacheDir
		t.Fatal(err)
	}
	stages := []string{
		"start archive/ 0", "done archive", "start resolve/ 0", "done resolve",
		"start fetch/amd64 4", "done fetch", "start unpack/amd64 4", "done unpack",
		"start write/amd64 0", "done write", "start write/ 0", "done write",
	}
	tests := []struct {
		name       string
		lock       bool
		coldCache  bool
		wantCached int // .debs found in the cache
	}{
		{name: "cold cache", coldCache: true},
		{name: "warm cache", wantCached: 4},
		{name: "locked, cold cache", lock: true, coldCache: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			o := opts
			o.Progress = rec
			if tt.coldCache {
				o.CacheDir = t.TempDir()
			}
			if tt.lock {
				o.LockFile = lockPath
			}
			res, err := Build(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(stages, rec.stages); diff != "" {
				t.Errorf("stages (-want +got):\n%s", diff)
			}
			for _, st := range res.Stages {
				if rec.took[st.Stage] != st.Duration {
					t.Errorf("StageDone(%s) said %v, the result %v", st.Stage, rec.took[st.Stage], st.Duration)
				}
			}
			debs, cached := rec.finished()
			if len(debs) != 4 || cached != tt.wantCached {
				t.Errorf("finished .debs %v, %d cached; want 4, %d cached", debs, cached, tt.wantCached)
			}
			if diff := cmp.Diff(debs, rec.steps["fetch"], sortStrings); diff != "" {
				t.Errorf("fetch steps are not the finished .debs (-finished +steps):\n%s", diff)
			}
			names := make([]string, len(res.Images[0].Packages))
			for i, p := range res.Images[0].Packages {
				names[i] = p.Name
			}
			if diff := cmp.Diff(names, rec.steps["unpack"], sortStrings); diff != "" {
				t.Errorf("unpack steps are not the installed packages (-installed +steps):\n%s", diff)
			}
			fetch := rec.starts[2]
			var bytes int64
			seen := map[string]bool{}
			for _, d := range rec.downloads {
				if strings.HasSuffix(d.Path, ".deb") && !seen[d.Path] {
					seen[d.Path] = true
					bytes += d.Size
				}
				if d.Done > d.Size || d.URL == "" || d.Path == "" {
					t.Errorf("download event %+v: want URL and Path, Done <= Size", d)
				}
			}
			if fetch.Bytes != bytes || bytes == 0 {
				t.Errorf("fetch stage announced %d bytes, its .debs hold %d", fetch.Bytes, bytes)
			}
		})
	}
}

func TestLockProgress(t *testing.T) {
	a := newTestArchive(t)
	rec := newRecorder()
	opts := a.options(t, "static", "")
	opts.Progress = rec
	if _, _, err := Lock(context.Background(), LockOptions{Options: opts, Output: filepath.Join(t.TempDir(), "static.lock")}); err != nil {
		t.Fatal(err)
	}
	want := []string{"start archive/ 0", "done archive", "start resolve/ 0", "done resolve"}
	if diff := cmp.Diff(want, rec.stages); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
	var indexes int
	for _, d := range rec.downloads {
		if d.Finished && strings.Contains(d.Path, "/Packages") {
			indexes++
		}
	}
	if indexes == 0 {
		t.Errorf("no finished index download among %+v", rec.downloads)
	}
	if len(rec.steps) != 0 {
		t.Errorf("steps %v outside fetch and unpack", rec.steps)
	}
}

var sortStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })
