package guest

import (
	"fmt"
	"net"
	"time"
)

// Options describe one guest.
type Options struct {
	Name        string // hostname (what DRBD's "on <name>" matches)
	MemoryMiB   int    // default 512
	DataDiskMiB int    // size of the data disk /dev/vdb; default 64
	NICs        []NIC  // eth0, eth1, ... in this order
	// BootTimeout bounds the wait for the control channel; default 3 min
	// (TCG, and a loaded 2-core machine).
	BootTimeout time.Duration
}

// NIC is one end of a point-to-point link carried in UDP datagrams over
// loopback. Either end can stop and start without breaking the link, as
// with a cable.
type NIC struct {
	ID        string // qemu netdev id: the name SetLink takes
	Addr      string // address with prefix for the guest's interface
	LocalPort int    // UDP port on 127.0.0.1 this end receives on
	PeerPort  int    // UDP port on 127.0.0.1 of the other end
}

// Link is a network between the two guests of a pair.
type Link struct {
	ID  string // e.g. "lan", "repl"
	Net string // first three octets of a /24, e.g. "192.0.2"; guest N gets .N
}

func (o *Options) setDefaults() {
	if o.MemoryMiB == 0 {
		o.MemoryMiB = 512
	}
	if o.DataDiskMiB == 0 {
		o.DataDiskMiB = 64
	}
	if o.BootTimeout == 0 {
		o.BootTimeout = 3 * time.Minute
	}
}

// Pair returns options for two guests, node1 and node2, joined by links
// (eth0 on the first link, eth1 on the second, ...).
func Pair(links ...Link) ([]Options, error) {
	opts := []Options{{Name: "node1"}, {Name: "node2"}}
	for _, l := range links {
		p1, err := freeUDPPort()
		if err != nil {
			return nil, err
		}
		p2, err := freeUDPPort()
		if err != nil {
			return nil, err
		}
		opts[0].NICs = append(opts[0].NICs, NIC{ID: l.ID, Addr: l.Net + ".1/24", LocalPort: p1, PeerPort: p2})
		opts[1].NICs = append(opts[1].NICs, NIC{ID: l.ID, Addr: l.Net + ".2/24", LocalPort: p2, PeerPort: p1})
	}
	return opts, nil
}

// freeUDPPort asks the kernel for a free loopback port. Another process
// could take it before qemu binds it; qemu then fails to start, loudly.
func freeUDPPort() (int, error) {
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free UDP port: %w", err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}
