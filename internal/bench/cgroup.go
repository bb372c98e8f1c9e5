//go:build linux

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// backgroundCgroupRecord records a cgroup v2 (a sleep moved into a cgroup
// made for it) with record --cgroup for the duration of each run: the
// storm runs outside it, and pays what every other process on the host
// pays while seccompgen records a cgroup. The kernel side admits a
// cgroup's processes at fork and at cgroup moves, never in sys_enter, so
// this should cost what recording a command's tree does.
func backgroundCgroupRecord(bin, profile string) func() (func(), error) {
	return func() (func(), error) {
		root, err := cgroup2Root()
		if err != nil {
			return nil, err
		}
		cg, err := os.MkdirTemp(root, "seccompgen-bench-")
		if err != nil {
			return nil, fmt.Errorf("make a cgroup under %s: %w", root, err)
		}
		sleep := exec.Command("sleep", "600")
		if err := sleep.Start(); err != nil {
			os.Remove(cg)
			return nil, err
		}
		cleanup := func() {
			sleep.Process.Kill()
			sleep.Wait()
			for i := 0; i < 100 && os.Remove(cg) != nil; i++ {
				time.Sleep(10 * time.Millisecond)
			}
		}
		if err := os.WriteFile(filepath.Join(cg, "cgroup.procs"), []byte(strconv.Itoa(sleep.Process.Pid)), 0); err != nil {
			cleanup()
			return nil, fmt.Errorf("move the sleep into %s: %w", cg, err)
		}
		cmd := exec.Command(bin, "record", "--cgroup", cg, "--infer", "none", "-o", profile)
		errPipe, err := cmd.StderrPipe()
		if err != nil {
			cleanup()
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			cleanup()
			return nil, err
		}
		var said bytes.Buffer
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			said.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "seccompgen record: recording ") {
				go func() {
					for sc.Scan() {
					}
				}()
				return func() {
					// The cgroup empties: record writes its profile and exits.
					cleanup()
					cmd.Wait()
				}, nil
			}
		}
		cmd.Wait()
		cleanup()
		return nil, fmt.Errorf("seccompgen record --cgroup %s did not start recording:\n%s", cg, said.String())
	}
}

// cgroup2Root is where the cgroup2 hierarchy is mounted.
func cgroup2Root() (string, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(data), "\n") {
		i := strings.Index(l, " - ")
		if i < 0 || !strings.HasPrefix(l[i+3:], "cgroup2 ") {
			continue
		}
		if f := strings.Fields(l[:i]); len(f) >= 5 {
			return f[4], nil
		}
	}
	return "", errors.New("no cgroup2 hierarchy is mounted: record --cgroup cannot be measured")
}
