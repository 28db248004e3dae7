package main

import (
	"os"
	"testing"
)

// TestMain makes the test binary, which builds copy into their chroots as
// plinth's executable, act as the stand-ins too.
func TestMain(m *testing.M) {
	runStandin()
	os.Exit(m.Run())
}
