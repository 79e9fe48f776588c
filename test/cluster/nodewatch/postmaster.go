package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Process events (the proc connector) reach only the host's initial
// network namespace, not a node's, so /proc is scanned instead: a node runs
// a few dozen processes, and 50 ms is well under the seconds a failover
// takes. A postmaster's start is stamped with the kernel's start time of the
// process anyway; only its end is seen up to one scan late.
const scanEvery = 50 * time.Millisecond

// userHZ is the unit of /proc/PID/stat's times, fixed at 100 on Linux.
const userHZ = 100

// postmasters follows postmasters: processes whose command is postgres,
// whose parent is not, and whose working directory holds a postmaster.pid
// naming them: the lock file a postmaster writes into its data directory
// before it opens sockets or shared memory. That leaves out what only looks like one for a
// moment: the "postgres -V" pg_ctl runs, and the children a SIGKILLed
// postmaster leaves orphaned. Once seen, a postmaster counts until its
// process ends, not until it removes its lock file on the way out.
type postmasters struct {
	up map[int]uint64 // pid → start time in ticks since boot, against pid reuse
}

type process struct {
	comm  string
	state byte
	ppid  int
	start uint64 // ticks since boot
}

func (p *postmasters) initial(log *eventLog, now time.Time) error {
	found, err := p.scan()
	if err != nil {
		return err
	}
	for pid, start := range found {
		p.up[pid] = start
		if err := log.write(now, "up", "postmaster", strconv.Itoa(pid)); err != nil {
			return err
		}
	}
	return nil
}

func (p *postmasters) follow(log *eventLog) error {
	tick := time.NewTicker(scanEvery)
	for {
		<-tick.C
		found, err := p.scan()
		if err != nil {
			return err
		}
		now := time.Now()
		for pid, start := range p.up {
			if found[pid] != start {
				if err := log.write(now, "down", "postmaster", strconv.Itoa(pid)); err != nil {
					return err
				}
				delete(p.up, pid)
			}
		}
		for pid, start := range found {
			if _, known := p.up[pid]; known {
				continue
			}
			// The kernel's start time (10 ms resolution, rounded down)
			// rather than the scan's: the interval then covers the whole
			// process, whatever the scan's delay.
			at, err := bootTicksToTime(start)
			if err != nil {
				return err
			}
			if err := log.write(at, "up", "postmaster", strconv.Itoa(pid)); err != nil {
				return err
			}
			p.up[pid] = start
		}
	}
}

// scan maps the pid of every running postmaster to its start time. A
// zombie no longer runs: it counts as stopped.
func (p *postmasters) scan() (map[int]uint64, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	procs := map[int]process{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		// A process may end while it is looked at: it is then not there.
		if proc, err := readStat(pid); err == nil {
			procs[pid] = proc
		}
	}
	found := map[int]uint64{}
	for pid, proc := range procs {
		if proc.comm != "postgres" || proc.state == 'Z' || proc.state == 'X' || procs[proc.ppid].comm == "postgres" {
			continue
		}
		if start, known := p.up[pid]; (known && start == proc.start) || ownsLockFile(pid) {
			found[pid] = proc.start
		}
	}
	return found, nil
}

// ownsLockFile says whether the postmaster.pid in the process's working
// directory names it (its first line is the pid, as seen in this PID
// namespace, which is the postmaster's own).
func ownsLockFile(pid int) bool {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cwd", "postmaster.pid"))
	first, _, _ := bytes.Cut(raw, []byte("\n"))
	return err == nil && string(first) == strconv.Itoa(pid)
}

// readStat reads the fields of /proc/PID/stat that matter here (proc(5)):
// the command sits in parentheses and may itself contain spaces and ")".
func readStat(pid int) (process, error) {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return process{}, err
	}
	s := string(raw)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return process{}, fmt.Errorf("unreadable /proc/%d/stat", pid)
	}
	f := strings.Fields(s[end+1:])
	// f[0] is field 3 (state), f[1] field 4 (ppid), f[19] field 22 (starttime).
	if len(f) < 20 || len(f[0]) != 1 {
		return process{}, fmt.Errorf("unreadable /proc/%d/stat", pid)
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return process{}, fmt.Errorf("/proc/%d/stat: ppid: %w", pid, err)
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return process{}, fmt.Errorf("/proc/%d/stat: starttime: %w", pid, err)
	}
	return process{comm: s[open+1 : end], state: f[0][0], ppid: ppid, start: start}, nil
}

// bootTicksToTime converts a time since boot, as /proc/PID/stat gives it
// (CLOCK_BOOTTIME), to wall-clock time.
func bootTicksToTime(ticks uint64) (time.Time, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return time.Time{}, fmt.Errorf("read CLOCK_BOOTTIME: %w", err)
	}
	now := time.Now()
	return now.Add(time.Duration(ticks)*(time.Second/userHZ) - time.Duration(ts.Nano())), nil
}
