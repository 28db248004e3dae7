// Command plinth builds minimal container base images from Debian and Ubuntu
// packages. Its commands turn flags and environment variables into options
// and call one function of package bootstrap each.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/plinth-build/plinth/bootstrap"
	"github.com/plinth-build/plinth/qemu"
)

var version = "dev"

func main() {
	runStandin()
	// A build holds a whole archive index, then a whole root filesystem.
	// Collecting at 50% heap growth (instead of Go's 100%) and a soft limit
	// of 170 MiB keep a bookworm build's peak RSS under 200 MB for about 6%
	// more time; a build whose live data is larger still runs, the GC just
	// works harder. GOGC and GOMEMLIMIT, when set, still decide.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(170 << 20)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// runStandin acts as the maintainer-script helper plinth was started as
// inside a build's chroot (see package qemu), and exits; as anything else
// it returns. The tests' TestMain calls it too: their binary is the one
// copied into the chroot when the end-to-end tests build.
func runStandin() {
	if qemu.IsStandin(os.Args[0]) {
		os.Exit(qemu.StandinMain(os.Args, os.Environ()))
	}
}

// run executes one plinth invocation and returns its exit status:
// 0 success, 1 failure, 2 usage error.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := newRootCommand(&env{getenv: getenv, stdout: stdout, stderr: stderr})
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	ran, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	if errors.Is(err, errChanged) {
		return 1
	}
	var oe *bootstrap.OptionError
	if errors.As(err, &oe) && ran != nil {
		err = usageError{oe, ran.Name()} // a bad flag value
	}
	if ran == cmd && strings.HasPrefix(err.Error(), "unknown command ") {
		err = usageError{err, ""} // cobra's, with its suggestions
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "plinth: %v\nRun '%s --help' for usage.\n", strings.TrimSpace(ue.error.Error()), strings.TrimSpace("plinth "+ue.cmd))
		return 2
	}
	fmt.Fprintf(stderr, "plinth: %v\n", err)
	return 1
}

// usageError marks bad command-line usage (exit status 2).
type usageError struct {
	error
	cmd string
}

// env is what commands read from the process: environment and output streams.
type env struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}
