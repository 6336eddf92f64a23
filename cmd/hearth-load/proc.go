package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat. It is 100 on every
// Linux architecture Go supports (the kernel fixes it for the user-space ABI), and reading it
// with sysconf would need cgo.
const clockTicks = 100

// procCPU returns the user+system CPU seconds a process has used so far.
func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces: split after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse /proc/%d/stat: no ')'", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("parse /proc/%d/stat: %d fields", pid, len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	return float64(ut+st) / clockTicks, nil
}

// procRSS returns a process's resident set size in bytes (VmRSS).
func procRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse VmRSS %q: %w", v, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS (process exited?)", pid)
}

// sumCPU adds up procCPU over pids.
func sumCPU(pids []int) (float64, error) {
	var total float64
	for _, p := range pids {
		v, err := procCPU(p)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}

// sumRSS adds up procRSS over pids.
func sumRSS(pids []int) (int64, error) {
	var total int64
	for _, p := range pids {
		v, err := procRSS(p)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}

// raiseFileLimit lifts the soft RLIMIT_NOFILE to the hard limit: every websocket is a file
// descriptor, and 10,000 idle connections need more than the usual soft limit of 1,024.
// (Go 1.19+ already does this at start-up; doing it here makes the intent explicit and
// reports the limit.) Child processes the tool starts inherit the raised limit.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	return lim.Cur, nil
}

// machineCPU returns the CPU seconds all processes on the machine have used (busy time
// from /proc/stat, idle and iowait excluded). Runs share the machine with other work; the
// busy time of others, machine minus server minus tool, says how noisy a run was.
func machineCPU() (float64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, fmt.Errorf("parse /proc/stat: %q", line)
	}
	var busy int64
	for i, s := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 7 { // guest time is already counted in user
			break
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse /proc/stat: %w", err)
		}
		busy += v
	}
	return float64(busy) / clockTicks, nil
}

// commandCPU returns the CPU seconds used so far by every process whose command name is
// comm (e.g. all of PostgreSQL's server processes). A process that exits between two
// readings takes its time with it, so a difference can read a little low.
func commandCPU(comm string) float64 {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total float64
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || strings.TrimSpace(string(b)) != comm {
			continue
		}
		if v, err := procCPU(pid); err == nil {
			total += v
		}
	}
	return total
}
