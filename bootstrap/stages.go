package bootstrap

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// StageTime is the wall time one pipeline stage took, summed over architectures.
type StageTime struct {
	Stage    string
	Duration time.Duration
}

// stageClock measures the pipeline's stages one after another.
type stageClock struct {
	last  time.Time
	times []StageTime
}

func newStageClock() *stageClock { return &stageClock{last: time.Now()} }

// done ends the stage that ran since the previous call.
func (c *stageClock) done(stage string) {
	if c == nil {
		return
	}
	now := time.Now()
	d := now.Sub(c.last)
	c.last = now
	for i := range c.times {
		if c.times[i].Stage == stage {
			c.times[i].Duration += d
			return
		}
	}
	c.times = append(c.times, StageTime{Stage: stage, Duration: d})
}

// writeStages prints "archive 1.2s, resolve 0.1s, ...".
func writeStages(w io.Writer, times []StageTime) {
	parts := make([]string, len(times))
	var total time.Duration
	for i, t := range times {
		parts[i] = fmt.Sprintf("%s %.1fs", t.Stage, t.Duration.Seconds())
		total += t.Duration
	}
	fmt.Fprintf(w, "time: %s (total %.1fs)\n", strings.Join(parts, ", "), total.Seconds())
}
