package guestcluster

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/qvd-ha/qvd-ha/internal/netns"
)

// hub is the guests' LAN: a repeater that passes every Ethernet frame it
// gets from one port to all the others. The guests' ports are UDP on
// loopback (their LAN NIC is a libvirt udp interface aimed at the hub);
// the client's port is a tap device inside the client's network namespace,
// so that a Go program in that namespace (test/cluster's Writer) reaches
// the floating IP as a QVD node would, and nothing touches the host's
// own network. A repeater, not a switch: two guests and a client make
// flooding cheap, and it needs no learning to survive a guest's restart.
type hub struct {
	conn   *net.UDPConn
	guests []*net.UDPAddr // where each guest's NIC receives
	tap    *os.File

	wg sync.WaitGroup
}

// tapName is the client's interface in its namespace.
const tapName = "lan0"

// newHub listens on a free loopback UDP port and opens a tap in the
// namespace ns (which must exist), addressed addr (with prefix).
func newHub(ns, addr string) (*hub, error) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("hub: listen: %w", err)
	}
	h := &hub{conn: conn}
	if h.tap, err = openTap(ns, tapName); err != nil {
		conn.Close()
		return nil, err
	}
	// IPv6 would add its own chatter (MLD, router solicitations) to a
	// LAN that carries IPv4 only.
	if out, err := exec.Command("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf."+tapName+".disable_ipv6=1").CombinedOutput(); err != nil {
		h.close()
		return nil, fmt.Errorf("hub: disable IPv6 on %s: %w: %s", tapName, err, strings.TrimSpace(string(out)))
	}
	if err := ipIn(ns, []string{"link", "set", "lo", "up"}, []string{"link", "set", tapName, "up"},
		[]string{"addr", "add", addr, "dev", tapName}); err != nil {
		h.close()
		return nil, err
	}
	return h, nil
}

// port is the hub's loopback UDP port, the remote end of every guest NIC.
func (h *hub) port() int { return h.conn.LocalAddr().(*net.UDPAddr).Port }

// start passes frames until close; guests lists each guest NIC's own
// loopback port.
func (h *hub) start(guests ...int) {
	for _, p := range guests {
		h.guests = append(h.guests, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
	}
	h.wg.Add(2)
	go func() {
		defer h.wg.Done()
		buf := make([]byte, 65536)
		for {
			n, from, err := h.conn.ReadFromUDP(buf)
			if err != nil {
				return // closed
			}
			for _, g := range h.guests {
				if g.Port != from.Port {
					// A guest that is powered off has no socket: the
					// datagram is lost, as on a cable to a dead NIC.
					_, _ = h.conn.WriteToUDP(buf[:n], g)
				}
			}
			_, _ = h.tap.Write(buf[:n])
		}
	}()
	go func() {
		defer h.wg.Done()
		buf := make([]byte, 65536)
		for {
			n, err := h.tap.Read(buf)
			if err != nil {
				return // closed
			}
			for _, g := range h.guests {
				_, _ = h.conn.WriteToUDP(buf[:n], g)
			}
		}
	}()
}

func (h *hub) close() {
	h.conn.Close()
	h.tap.Close()
	h.wg.Wait()
}

// openTap creates a tap device named name inside the network namespace ns
// and returns its file; the device goes away when the file is closed.
// TUNSETIFF creates the device in the calling thread's namespace.
func openTap(ns, name string) (*os.File, error) {
	var f *os.File
	err := netns.DoNamed(ns, func() (err error) {
		f, err = createTap(name)
		return err
	})
	return f, err
}

func createTap(name string) (*os.File, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("tap: open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("tap %s: %w", name, err)
	}
	ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("tap %s: TUNSETIFF: %w", name, err)
	}
	// Non-blocking, so that the runtime's poller serves reads and Close
	// wakes a blocked reader.
	return os.NewFile(uintptr(fd), "tap:"+name), nil
}

// ipIn runs ip commands in the namespace ns, in order.
func ipIn(ns string, cmds ...[]string) error {
	for _, c := range cmds {
		args := append([]string{"-n", ns}, c...)
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}
