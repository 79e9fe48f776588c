// Command nodewatch records, from inside one node of the test cluster, when
// addresses, the PostgreSQL mount and the postmaster appear and disappear,
// so that a test can prove afterwards that no resource was active on both
// nodes at once.
//
// It runs in the node's network, mount and PID namespaces (node-init starts
// it) and dies with the node. Each event is one line appended to the log
// with a single write, so a SIGKILL of the node loses nothing already seen:
//
//	<unix ns> start <details>
//	<unix ns> up|down <kind> <key> [<detail>]
//	<unix ns> error <message>
//
// kind is ip:<address>, mount or postmaster; key names the instance within
// the kind (the interface, the mount ID, the pid). A "start" line opens every
// run, followed by what is already active, stamped with the start time. The
// recorder stops at its first failure, after an "error" line: a log with a
// blind spot must not pass for a clean one.
//
// Timestamps are when the recorder saw the change, which is never before it
// happened, except for a postmaster's start, taken from the kernel's record
// of the process (see postmasters). Late "down" events only lengthen an
// interval; only a late "up" could hide an overlap, and netlink and
// mountinfo report within scheduling latency.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

func main() {
	logPath := flag.String("log", "", "append events to `file`")
	mountpoint := flag.String("mountpoint", "", "record mounts on `directory` (PostgreSQL's filesystem)")
	flag.Parse()
	if *logPath == "" || *mountpoint == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*logPath, filepath.Clean(*mountpoint)); err != nil {
		fmt.Fprintln(os.Stderr, "nodewatch:", err)
		os.Exit(1)
	}
}

func run(path, mountpoint string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	log := &eventLog{f: f}

	// Every source is watched before its current state is read, so that
	// nothing changing in between is missed; each source keeps the state it
	// has logged, so that a change seen both ways is logged once.
	addrs, err := watchAddrs()
	if err != nil {
		return log.fail(err)
	}
	mounts, err := watchMounts(mountpoint)
	if err != nil {
		return log.fail(err)
	}
	procs := &postmasters{up: map[int]uint64{}}

	start := time.Now()
	if err := log.write(start, "start", "pid", strconv.Itoa(os.Getpid()), "mountpoint", mountpoint); err != nil {
		return err
	}
	for _, initial := range []func(*eventLog, time.Time) error{addrs.initial, mounts.initial, procs.initial} {
		if err := initial(log, start); err != nil {
			return log.fail(err)
		}
	}
	failed := make(chan error, 3)
	go func() { failed <- addrs.follow(log) }()
	go func() { failed <- mounts.follow(log) }()
	go func() { failed <- procs.follow(log) }()
	return log.fail(<-failed)
}

// eventLog appends whole lines with one write each (O_APPEND), so lines
// from the three watchers never interleave and each is in the file as soon
// as it is logged.
type eventLog struct {
	mu sync.Mutex
	f  *os.File
}

func (l *eventLog) write(t time.Time, op string, fields ...string) error {
	line := strconv.FormatInt(t.UnixNano(), 10) + " " + op + " " + strings.Join(fields, " ") + "\n"
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.f.WriteString(line); err != nil {
		return fmt.Errorf("write the event log: %w", err)
	}
	return nil
}

// fail records err as the log's last line and returns it.
func (l *eventLog) fail(err error) error {
	if werr := l.write(time.Now(), "error", strings.ReplaceAll(err.Error(), "\n", " ")); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

// addrKey is one address on one interface.
type addrKey struct {
	prefix netip.Prefix
	link   int
}

type addrWatch struct {
	updates chan netlink.AddrUpdate
	errs    chan error
	// The interface name logged with each address, kept for its "down":
	// by then the interface may be gone.
	up map[addrKey]string
}

func watchAddrs() (*addrWatch, error) {
	w := &addrWatch{updates: make(chan netlink.AddrUpdate, 256), errs: make(chan error, 1), up: map[addrKey]string{}}
	err := netlink.AddrSubscribeWithOptions(w.updates, nil, netlink.AddrSubscribeOptions{
		// Any error may mean a lost message, hence a blind spot.
		ErrorCallback: func(err error) {
			select {
			case w.errs <- err:
			default:
			}
		},
		ReceiveBufferSize: 1 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe to address changes: %w", err)
	}
	return w, nil
}

func (w *addrWatch) initial(log *eventLog, now time.Time) error {
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("list addresses: %w", err)
	}
	for _, a := range addrs {
		if err := w.add(log, now, a.LinkIndex, a.IPNet.IP, a.IPNet.Mask); err != nil {
			return err
		}
	}
	return nil
}

func (w *addrWatch) follow(log *eventLog) error {
	for {
		select {
		case err := <-w.errs:
			return fmt.Errorf("address subscription: %w", err)
		case u, ok := <-w.updates:
			if !ok {
				return errors.New("address subscription ended")
			}
			var err error
			if u.NewAddr {
				err = w.add(log, time.Now(), u.LinkIndex, u.LinkAddress.IP, u.LinkAddress.Mask)
			} else {
				err = w.remove(log, time.Now(), u.LinkIndex, u.LinkAddress.IP, u.LinkAddress.Mask)
			}
			if err != nil {
				return err
			}
		}
	}
}

func addrKeyOf(link int, ip net.IP, mask net.IPMask) (addrKey, error) {
	addr, ok := netip.AddrFromSlice(ip)
	ones, bits := mask.Size()
	if !ok || bits == 0 {
		return addrKey{}, fmt.Errorf("unreadable address %v/%v from netlink", ip, mask)
	}
	return addrKey{netip.PrefixFrom(addr.Unmap(), ones), link}, nil
}

// add logs an address the first time it is seen: the kernel also sends
// RTM_NEWADDR when an existing address changes (flags, DAD completing).
func (w *addrWatch) add(log *eventLog, now time.Time, link int, ip net.IP, mask net.IPMask) error {
	k, err := addrKeyOf(link, ip, mask)
	if err != nil {
		return err
	}
	if _, known := w.up[k]; known {
		return nil
	}
	dev := "if" + strconv.Itoa(link)
	if l, err := netlink.LinkByIndex(link); err == nil {
		dev = l.Attrs().Name
	}
	w.up[k] = dev
	return log.write(now, "up", "ip:"+k.prefix.Addr().String(), dev, k.prefix.String())
}

func (w *addrWatch) remove(log *eventLog, now time.Time, link int, ip net.IP, mask net.IPMask) error {
	k, err := addrKeyOf(link, ip, mask)
	if err != nil {
		return err
	}
	dev, known := w.up[k]
	if !known {
		return nil
	}
	delete(w.up, k)
	return log.write(now, "down", "ip:"+k.prefix.Addr().String(), dev, k.prefix.String())
}

// mountWatch follows the mount table through poll(2) on mountinfo: the
// kernel flags the open file with POLLPRI|POLLERR when the namespace's
// mount table changes after the file was opened or last polled.
type mountWatch struct {
	f   *os.File
	dir string
	up  map[string]string // mount ID → source and filesystem type
}

func watchMounts(dir string) (*mountWatch, error) {
	const path = "/proc/self/mountinfo"
	// Not os.Open: it would register the file with the Go runtime's epoll,
	// whose own polling of the file consumes the change notifications. A
	// blocking descriptor given to os.NewFile stays out of it.
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return &mountWatch{f: os.NewFile(uintptr(fd), path), dir: dir, up: map[string]string{}}, nil
}

func (m *mountWatch) initial(log *eventLog, now time.Time) error { return m.sync(log, now) }

func (m *mountWatch) follow(log *eventLog) error {
	fds := []unix.PollFd{{Fd: int32(m.f.Fd()), Events: unix.POLLPRI}}
	for {
		if _, err := unix.Poll(fds, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("poll mountinfo: %w", err)
		}
		if fds[0].Revents&(unix.POLLPRI|unix.POLLERR) == 0 {
			continue
		}
		if err := m.sync(log, time.Now()); err != nil {
			return err
		}
	}
}

// sync logs the difference between the mounts on dir and those logged. A
// mount and unmount both completed between two reads are not seen.
func (m *mountWatch) sync(log *eventLog, now time.Time) error {
	if _, err := m.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind mountinfo: %w", err)
	}
	raw, err := io.ReadAll(m.f)
	if err != nil {
		return fmt.Errorf("read mountinfo: %w", err)
	}
	current, err := mountsOn(raw, m.dir)
	if err != nil {
		return err
	}
	for id := range m.up {
		if _, still := current[id]; !still {
			if err := log.write(now, "down", "mount", id, m.up[id]); err != nil {
				return err
			}
			delete(m.up, id)
		}
	}
	for id, detail := range current {
		if _, known := m.up[id]; !known {
			if err := log.write(now, "up", "mount", id, detail); err != nil {
				return err
			}
			m.up[id] = detail
		}
	}
	return nil
}

// mountsOn maps the ID of each mount on dir to "<source> <fstype>", from
// proc(5)'s mountinfo format: ID parent major:minor root mountpoint options
// [optional fields] - fstype source superoptions.
func mountsOn(mountinfo []byte, dir string) (map[string]string, error) {
	found := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(mountinfo)), "\n") {
		f := strings.Fields(line)
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || sep+2 >= len(f) {
			return nil, fmt.Errorf("unreadable mountinfo line %q", line)
		}
		if unescapeOctal(f[4]) == dir {
			found[f[0]] = f[sep+2] + " " + f[sep+1]
		}
	}
	return found, nil
}

// unescapeOctal undoes mountinfo's \ooo escapes (space, tab, newline,
// backslash).
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
