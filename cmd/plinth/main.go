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
	"syscall"
)

var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
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
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	if errors.Is(err, errChanged) {
		return 1
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "plinth: %v\nRun 'plinth %s --help' for usage.\n", ue.error, ue.cmd)
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
