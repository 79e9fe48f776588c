package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/corosync"
)

// Cluster is a running two-node cluster.
type Cluster struct {
	Name  string
	Nodes []*Node
	Dir   string
	net   network
	disks []*SharedDisk
	power []string // libvirt power domains, when the cluster has them
}

// Options shape a cluster before its nodes boot.
type Options struct {
	// Watch is the event recorder (nodewatch) node-init starts; "" for
	// none. MountPoint is the directory it watches for mounts.
	Watch, MountPoint string
}

// New creates the network and two nodes, boots them and waits until both
// are online. Everything is removed in t.Cleanup.
func New(t testing.TB) *Cluster {
	t.Helper()
	id := make([]byte, 3)
	_, _ = rand.Read(id)
	name := "qvd" + hex.EncodeToString(id)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := Create(ctx, name, filepath.Join(os.TempDir(), name), Options{})
	if c != nil {
		t.Cleanup(c.Destroy)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Attach describes the cluster called name whose state is in dir, without
// creating anything: what Destroy needs after the process that created it
// has gone (make demo-down).
func Attach(name, dir string) *Cluster {
	c := &Cluster{Name: name, Dir: dir, net: network{prefix: name}}
	for i := 1; i <= 2; i++ {
		c.Nodes = append(c.Nodes, &Node{Name: fmt.Sprintf("qvddb%d", i), ID: i, NS: fmt.Sprintf("%sn%d", name, i),
			LANIP: lanPrefix + strconv.Itoa(i), XoverIP: xoverPrefix + strconv.Itoa(i),
			Dir: filepath.Join(dir, fmt.Sprintf("qvddb%d", i)), tag: fmt.Sprintf("n%d", i)})
		c.power = append(c.power, c.powerDomain(i))
	}
	c.disks = []*SharedDisk{c.sharedDisk()}
	return c
}

// Create makes the cluster name in dir (created; removed by Destroy):
// network, two nodes, corosync files; boots both and waits until both are
// online. On error the returned Cluster, if not nil, must be destroyed.
func Create(ctx context.Context, name, dir string, o Options) (*Cluster, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("the cluster harness needs root (namespaces, corosync, pacemaker)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	c := Attach(name, dir)
	c.power, c.disks = nil, nil // nothing of that exists yet
	if err := c.net.create(); err != nil {
		return c, err
	}
	if err := c.net.serveTime(dir); err != nil {
		return c, err
	}
	for _, n := range c.Nodes {
		n.watch, n.mountPoint = o.Watch, o.MountPoint
		if err := ip("netns", "add", n.NS); err != nil {
			return c, err
		}
		if err := c.net.plug(n.NS, "eth0", "brlan", n.tag, n.LANIP); err != nil {
			return c, err
		}
		if err := c.net.plug(n.NS, "eth1", "brxo", n.tag, n.XoverIP); err != nil {
			return c, err
		}
	}
	conf := c.corosyncConf()
	authkey, err := corosync.NewAuthkey()
	if err != nil {
		return c, err
	}
	for _, n := range c.Nodes {
		if err := n.prepare(conf, authkey); err != nil {
			return c, err
		}
		if err := n.Boot(ctx); err != nil {
			return c, err
		}
	}
	return c, c.WaitOnline(ctx, c.Nodes...)
}

// baseConfig is the bootstrap configuration of this topology: the nodes
// and their power domains, the floating IP on the LAN, the router as ping
// target, libvirt fencing through the host's libvirtd (its socket is
// bound into every node), and the harness's corosync token of 3 s.
func (c *Cluster) baseConfig() *config.Config {
	cfg := config.Default()
	cfg.ClusterName = c.Name
	cfg.CorosyncToken = 3 * time.Second
	for i, n := range c.Nodes {
		cfg.Nodes[i] = config.Node{Name: n.Name, LANAddr: n.LANIP, CrossAddr: n.XoverIP, FenceTarget: c.PowerDomain(n)}
	}
	cfg.DBIP = DatabaseIP
	cfg.DBNIC = "eth0"
	cfg.PingHosts = []string{RouterIP}
	cfg.LibvirtURI = "qemu:///system"
	return cfg
}

// corosyncConf is what `qvd-ha-bootstrap corosync` writes for this
// topology (knet, the LAN and crossover links, two_node, encrypted with an
// authkey both nodes share).
func (c *Cluster) corosyncConf() []byte {
	return []byte(corosync.Conf(c.baseConfig(), "/var/log/corosync"))
}

// Node is the node called name, nil if there is none.
func (c *Cluster) Node(name string) *Node {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Peer is the other node.
func (c *Cluster) Peer(n *Node) *Node {
	if c.Nodes[0] == n {
		return c.Nodes[1]
	}
	return c.Nodes[0]
}

// WaitOnline polls until every node in want sees all of want online.
func (c *Cluster) WaitOnline(ctx context.Context, want ...*Node) error {
	for _, viewer := range want {
		err := c.Poll(ctx, viewer, func(s *State) string {
			for _, n := range want {
				if online, _ := s.Online(n.Name); !online {
					return n.Name + " is not online yet"
				}
			}
			return ""
		})
		if err != nil {
			return fmt.Errorf("cluster not online: %w", err)
		}
	}
	return nil
}

// Destroy removes everything the cluster made: nodes (killed), power
// domains, namespaces, shared disks, its directory. It tolerates parts that
// never existed or are gone already.
func (c *Cluster) Destroy() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c.removePower(ctx)
	for _, n := range c.Nodes {
		_ = n.Kill(ctx)
		_ = ip("netns", "del", n.NS)
	}
	c.net.destroy()
	for _, d := range c.disks {
		d.destroy()
	}
	os.RemoveAll(c.Dir)
}
