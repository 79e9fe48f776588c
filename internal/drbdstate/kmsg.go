package drbdstate

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// SplitBrain reports whether the kernel log says that this resource's last
// connection attempt found a split brain: a "Split-Brain detected" message
// for one of its devices or for the resource, with no "Connected" state
// change after it, and returns that message. DRBD's state alone cannot
// tell a split brain from an administrator's disconnect (both end
// StandAlone); the kernel log can.
//
// DRBD 8.4 names the device ("block drbd0: Split-Brain detected ..."),
// DRBD 9 the resource and the device ("drbd r0/0 drbd0 peer: Split-Brain
// detected ...").
func SplitBrain(log []string, resource string, minors []int) (bool, string) {
	var tags []string
	for _, m := range minors {
		tags = append(tags, fmt.Sprintf("drbd%d", m))
	}
	tags = append(tags, "drbd "+resource+"/", "drbd "+resource+":", "d-con "+resource+":")
	about := func(line string) bool {
		for _, t := range tags {
			if i := strings.Index(line, t); i >= 0 {
				rest := line[i+len(t):]
				// drbd1 must not match drbd10.
				if rest == "" || !strings.ContainsAny(rest[:1], "0123456789") {
					return true
				}
			}
		}
		return false
	}
	found, last := false, ""
	for _, line := range log {
		if !about(line) {
			continue
		}
		switch {
		case strings.Contains(line, "Split-Brain detected") && !strings.Contains(line, "automatically solved"):
			found, last = true, strings.TrimSpace(line)
		case strings.Contains(line, "-> Connected )"):
			found, last = false, ""
		}
	}
	return found, last
}

// ReadKernelLog returns the kernel's log buffer (/dev/kmsg), one message a
// line, without blocking: /dev/kmsg gives one record a read until EAGAIN.
// Raw system calls, because an os.File would park the read in the poller
// instead of returning EAGAIN.
func ReadKernelLog(path string) ([]string, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open kernel log %s: %w", path, err)
	}
	defer syscall.Close(fd)
	var lines []string
	buf := make([]byte, 8192)
	for {
		n, err := syscall.Read(fd, buf)
		switch {
		case errors.Is(err, syscall.EAGAIN) || (err == nil && n == 0):
			return lines, nil
		case errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.EINTR):
			// EPIPE: a record was overwritten while we read; go on.
			continue
		case err != nil:
			return lines, fmt.Errorf("read kernel log %s: %w", path, err)
		}
		// "prio,seq,usec,flags;message", then optional " KEY=value" lines.
		for _, rec := range strings.Split(strings.TrimRight(string(buf[:n]), "\n"), "\n") {
			if strings.HasPrefix(rec, " ") {
				continue
			}
			if _, msg, ok := strings.Cut(rec, ";"); ok {
				lines = append(lines, msg)
			}
		}
	}
}
