package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// pidFile is what postmaster.pid says about the server that wrote it.
type pidFile struct {
	PID       int
	Port      int
	SocketDir string
	Status    string // starting, stopping, ready, standby (PostgreSQL >= 10)
}

// readPidFile parses postmaster.pid, or a socket lock file, which has the
// same format. A missing file is (nil, nil): the server was stopped cleanly,
// or never started on this data directory.
func readPidFile(path string) (*pidFile, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	lines := strings.Split(string(raw), "\n")
	field := func(i int) string {
		if i < len(lines) {
			return strings.TrimSpace(lines[i])
		}
		return ""
	}
	pid, err := strconv.Atoi(field(0))
	if err != nil || pid <= 0 {
		return nil, fmt.Errorf("%s does not start with a PID", path)
	}
	port, _ := strconv.Atoi(field(3))
	return &pidFile{PID: pid, Port: port, SocketDir: field(4), Status: field(7)}, nil
}

// proc is a process as /proc shows it.
type proc struct {
	PID   int
	PPID  int
	State byte // R, S, D, T, Z, ...
	Exe   string
	Cwd   string
	UID   int
}

// readProc returns nil when the process does not exist (in this PID
// namespace) or has already exited.
func readProc(pid int) *proc {
	dir := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return nil
	}
	// The command name is in parentheses and may contain anything.
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 || end+4 > len(stat) {
		return nil
	}
	fields := strings.Fields(string(stat[end+2:]))
	if len(fields) < 2 {
		return nil
	}
	p := &proc{PID: pid, State: fields[0][0]}
	p.PPID, _ = strconv.Atoi(fields[1])
	if p.State == 'Z' || p.State == 'X' {
		return nil
	}
	p.Exe, _ = os.Readlink(dir + "/exe")
	p.Cwd, _ = os.Readlink(dir + "/cwd")
	if fi, err := os.Stat(dir); err == nil {
		if st, ok := fi.Sys().(interface{ Uid() uint32 }); ok {
			p.UID = int(st.Uid())
		}
	}
	return p
}

// isServerOf reports whether p is a PostgreSQL server process of the data
// directory dir. Every postmaster and backend runs with the data directory
// as its working directory; the executable check keeps an administrator's
// shell that happens to sit in pgdata out of it.
func (p *proc) isServerOf(dir string) bool {
	exe := filepath.Base(strings.TrimSuffix(p.Exe, " (deleted)"))
	return p.Cwd == dir && (exe == "postgres" || exe == "postmaster")
}

// serverProcesses lists every live process of the instance in dir: the
// postmaster and its backends, or the orphaned backends of a postmaster
// that was killed (they keep the shared memory and block the next start).
func serverProcesses(dir string) ([]*proc, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var procs []*proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p := readProc(pid); p != nil && p.isServerOf(dir) {
			procs = append(procs, p)
		}
	}
	return procs, nil
}

// systemIdentifier reads the cluster's system identifier from
// global/pg_control: the first field of ControlFileData, a uint64 in the
// machine's byte order. The server reports the same number in
// pg_control_system(), which is how the monitor knows which data directory
// answered.
func systemIdentifier(pgdata string) (int64, error) {
	f, err := os.Open(filepath.Join(pgdata, "global", "pg_control"))
	if err != nil {
		return 0, fmt.Errorf("read system identifier: %w", err)
	}
	defer f.Close()
	var id uint64
	if err := binary.Read(f, binary.NativeEndian, &id); err != nil {
		return 0, fmt.Errorf("read system identifier from %s: %w", f.Name(), err)
	}
	return int64(id), nil
}
