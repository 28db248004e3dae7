// Command chroothelper is a static stand-in for a chroot's programs in
// plinth's tests, where no static shell may be installed. What it does
// depends on the name it runs as:
//
//	dpkg --configure -a   runs every /var/lib/dpkg/info/*.postinst with "configure"
//	ldconfig              does nothing
//	helper SCRIPT [ARGS]  interprets SCRIPT (a "#!/usr/bin/helper" maintainer
//	                      script), one command per line:
//	                        echo TEXT...            print TEXT
//	                        write PATH TEXT...      write TEXT to PATH
//	                        sleep SECONDS           sleep
//	                        status FILE PROG ARG... run PROG, write its exit status to FILE
//	                        daemon SECONDS          start a sleeper in its own session, don't wait
//	                        exit N                  exit with status N
//	helper sleep SECONDS  sleep (what "daemon" starts)
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	switch filepath.Base(os.Args[0]) {
	case "dpkg":
		os.Exit(configureAll())
	case "ldconfig":
		os.Exit(0)
	}
	if len(os.Args) == 3 && os.Args[1] == "sleep" {
		sleep(os.Args[2])
		return
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: helper SCRIPT [ARGS]")
		os.Exit(2)
	}
	os.Exit(interpret(os.Args[1]))
}

func configureAll() int {
	scripts, _ := filepath.Glob("/var/lib/dpkg/info/*.postinst")
	sort.Strings(scripts)
	for _, s := range scripts {
		cmd := exec.Command(s, "configure")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "dpkg: %s: %v\n", s, err)
			return 1
		}
	}
	return 0
}

func sleep(s string) {
	n, _ := strconv.Atoi(s)
	time.Sleep(time.Duration(n) * time.Second)
}

func interpret(script string) int {
	data, err := os.ReadFile(script)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch {
		case f[0] == "echo":
			fmt.Println(strings.Join(f[1:], " "))
		case f[0] == "write" && len(f) >= 2:
			if err := os.WriteFile(f[1], []byte(strings.Join(f[2:], " ")+"\n"), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		case f[0] == "sleep" && len(f) == 2:
			sleep(f[1])
		case f[0] == "status" && len(f) >= 3:
			cmd := exec.Command(f[2], f[3:]...)
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			code := 0
			if err := cmd.Run(); err != nil {
				code = -1
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				}
			}
			if err := os.WriteFile(f[1], []byte(strconv.Itoa(code)+"\n"), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		case f[0] == "daemon" && len(f) == 2:
			cmd := exec.Command("/proc/self/exe", "sleep", f[1])
			cmd.Args[0] = "helper"
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			if err := cmd.Start(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		case f[0] == "exit" && len(f) == 2:
			n, _ := strconv.Atoi(f[1])
			return n
		default:
			fmt.Fprintf(os.Stderr, "helper: unknown command %q\n", line)
			return 2
		}
	}
	return 0
}
