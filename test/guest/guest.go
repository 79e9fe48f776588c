package guest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Guest is a running qemu guest.
type Guest struct {
	Name string
	Dir  string // sockets, logs and the data disk; removed at cleanup
	opts Options

	cmd     *exec.Cmd
	exited  chan struct{} // closed when qemu has exited
	waitErr error         // qemu's exit status, valid after exited

	mu     sync.Mutex // one request at a time on the control channel
	conn   net.Conn
	lines  chan string // response lines from the guest
	nextID int
}

// StartAll boots one guest per Options at the same time, waits until every
// control channel answers and logs how long that took. Everything (qemu
// processes, sockets, disks) is removed in t.Cleanup.
func StartAll(t testing.TB, img *Image, opts ...Options) []*Guest {
	t.Helper()
	slots, err := acquireSlots(len(opts))
	if err != nil {
		t.Fatalf("guest slots: %v", err)
	}
	t.Cleanup(func() {
		for _, s := range slots {
			s.Close()
		}
	})
	start := time.Now()
	guests := make([]*Guest, len(opts))
	for i, o := range opts {
		g, err := launch(img, o)
		if g != nil {
			t.Cleanup(func() { g.destroy(t) })
		}
		if err != nil {
			t.Fatalf("start guest %s: %v", o.Name, err)
		}
		guests[i] = g
	}
	errs := make([]error, len(guests))
	var wg sync.WaitGroup
	for i, g := range guests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = g.waitReady()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("boot guests: %v", err)
	}
	t.Logf("booted %d guest(s) in %s", len(guests), time.Since(start).Round(100*time.Millisecond))
	return guests
}

// launch starts qemu; the guest is returned even on error when there is
// something to clean up.
func launch(img *Image, o Options) (*Guest, error) {
	o.setDefaults()
	// Unix socket paths are limited to 108 bytes: a short directory.
	dir, err := os.MkdirTemp("", "qvdg-"+o.Name+"-")
	if err != nil {
		return nil, fmt.Errorf("create guest directory: %w", err)
	}
	g := &Guest{Name: o.Name, Dir: dir, opts: o, exited: make(chan struct{})}
	data := filepath.Join(dir, "data.img")
	if err := createSparse(data, int64(o.DataDiskMiB)<<20); err != nil {
		return g, err
	}
	logf, err := os.Create(filepath.Join(dir, "qemu.log"))
	if err != nil {
		return g, fmt.Errorf("create qemu log: %w", err)
	}
	defer logf.Close()
	g.cmd = exec.Command("qemu-system-x86_64", g.qemuArgs(img)...)
	g.cmd.Stdout, g.cmd.Stderr = logf, logf
	// qemu must not outlive a test binary that dies without cleanup.
	g.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := g.cmd.Start(); err != nil {
		close(g.exited)
		return g, fmt.Errorf("start qemu: %w", err)
	}
	go func() {
		g.waitErr = g.cmd.Wait()
		close(g.exited)
	}()
	return g, nil
}

func (g *Guest) qemuArgs(img *Image) []string {
	var net []string
	for i, n := range g.opts.NICs {
		net = append(net, fmt.Sprintf("eth%d=%s", i, n.Addr))
	}
	args := []string{
		"-name", g.Name,
		"-accel", "tcg", // guests hang under /dev/kvm on these machines
		"-m", fmt.Sprint(g.opts.MemoryMiB), "-smp", "1",
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-kernel", img.Kernel, "-initrd", img.Initrd,
		"-append", "console=ttyS0 panic=-1 quiet qvd.hostname=" + g.Name + " qvd.net=" + strings.Join(net, ","),
		"-serial", "file:" + g.path("console.log"),
		"-drive", "file=" + img.Root + ",if=virtio,format=raw,snapshot=on",
		"-drive", "file=" + g.path("data.img") + ",if=virtio,format=raw",
		"-device", "virtio-serial-pci",
		"-chardev", "socket,id=ctl,path=" + g.path("control.sock") + ",server=on,wait=off",
		"-device", "virtserialport,chardev=ctl,name=qvd.control",
		"-qmp", "unix:" + g.path("qmp.sock") + ",server=on,wait=off",
	}
	for i, n := range g.opts.NICs {
		args = append(args,
			"-netdev", fmt.Sprintf("socket,id=%s,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d", n.ID, n.PeerPort, n.LocalPort),
			"-device", fmt.Sprintf("virtio-net-pci,netdev=%s,mac=52:54:00:%02x:%02x:%02x", n.ID, i, n.LocalPort>>8, n.LocalPort&0xff))
	}
	return args
}

func (g *Guest) path(name string) string { return filepath.Join(g.Dir, name) }

// waitReady connects the control channel and pings until the guest's
// control daemon answers.
func (g *Guest) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), g.opts.BootTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for g.conn == nil {
		c, err := net.Dial("unix", g.path("control.sock"))
		if err == nil {
			g.conn = c
			break
		}
		select {
		case <-ctx.Done():
			return g.bootError(fmt.Errorf("control socket: %w", err))
		case <-g.exited:
			return g.bootError(errors.New("qemu exited"))
		case <-tick.C:
		}
	}
	g.lines = make(chan string, 16)
	go readLines(g.conn, g.lines)
	// Pings sent before the guest opens its port wait in qemu; every
	// answer but the one awaited is skipped by its id.
	for {
		pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := g.request(pctx, "P", "", nil)
		pcancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
			return g.bootError(err)
		}
	}
	return nil
}

func readLines(c net.Conn, lines chan<- string) {
	defer close(lines)
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		lines <- strings.TrimSuffix(line, "\n")
	}
}

// bootError adds the end of the guest's console, where the kernel and init
// say what went wrong.
func (g *Guest) bootError(err error) error {
	return fmt.Errorf("guest %s not ready: %w\nconsole:\n%s\nqemu:\n%s", g.Name, err,
		tailFile(g.path("console.log"), 3000), tailFile(g.path("qemu.log"), 1000))
}

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return tail(string(b), n)
}

func createSparse(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return fmt.Errorf("size %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}
