package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
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
}

// New creates the network and two nodes, boots them and waits until both
// are online. Everything is removed in t.Cleanup.
func New(t testing.TB) *Cluster {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("the cluster harness needs root (namespaces, corosync, pacemaker)")
	}
	id := make([]byte, 3)
	_, _ = rand.Read(id)
	name := "qvd" + hex.EncodeToString(id)
	dir, err := os.MkdirTemp("", name+"-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := &Cluster{Name: name, Dir: dir, net: network{prefix: name}}
	t.Cleanup(c.destroy)
	if err := c.net.create(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		n := &Node{Name: fmt.Sprintf("qvddb%d", i), ID: i, NS: fmt.Sprintf("%sn%d", name, i),
			LANIP: lanPrefix + strconv.Itoa(i), XoverIP: xoverPrefix + strconv.Itoa(i),
			Dir: filepath.Join(dir, fmt.Sprintf("qvddb%d", i)), tag: fmt.Sprintf("n%d", i)}
		if err := ip("netns", "add", n.NS); err != nil {
			t.Fatal(err)
		}
		if err := c.net.plug(n.NS, "eth0", "brlan", n.tag, n.LANIP); err != nil {
			t.Fatal(err)
		}
		if err := c.net.plug(n.NS, "eth1", "brxo", n.tag, n.XoverIP); err != nil {
			t.Fatal(err)
		}
		c.Nodes = append(c.Nodes, n)
	}
	conf := c.corosyncConf()
	authkey, err := corosync.NewAuthkey()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range c.Nodes {
		if err := n.prepare(conf, authkey); err != nil {
			t.Fatal(err)
		}
		if err := n.Boot(); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := c.WaitOnline(ctx, c.Nodes...); err != nil {
		t.Fatal(err)
	}
	return c
}

// corosyncConf is what `qvd-ha-bootstrap corosync` writes for this
// topology (knet, the LAN and crossover links, two_node, encrypted with an
// authkey both nodes share), with the harness's token of 3 s.
func (c *Cluster) corosyncConf() []byte {
	cfg := config.Default()
	cfg.ClusterName = c.Name
	cfg.CorosyncToken = 3 * time.Second
	for i, n := range c.Nodes {
		cfg.Nodes[i] = config.Node{Name: n.Name, LANAddr: n.LANIP, CrossAddr: n.XoverIP}
	}
	return []byte(corosync.Conf(cfg, "/var/log/corosync"))
}

// crmMon is the part of crm_mon --output-as=xml the harness reads.
type crmMon struct {
	Nodes []struct {
		Name   string `xml:"name,attr"`
		Online bool   `xml:"online,attr"`
	} `xml:"nodes>node"`
}

func (m *crmMon) online(name string) (online, known bool) {
	for _, n := range m.Nodes {
		if n.Name == name {
			return n.Online, true
		}
	}
	return false, false
}

// Status reads the cluster state as node n sees it.
func (c *Cluster) Status(ctx context.Context, n *Node) (*crmMon, error) {
	out, err := n.Exec(ctx, "crm_mon", "--output-as=xml", "-1")
	if err != nil {
		return nil, err
	}
	var m crmMon
	if err := xml.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("crm_mon on %s: %w", n.Name, err)
	}
	return &m, nil
}

// WaitOnline polls until every node in want sees all of want online.
func (c *Cluster) WaitOnline(ctx context.Context, want ...*Node) error {
	var last error
	for {
		last = nil
		for _, viewer := range want {
			m, err := c.Status(ctx, viewer)
			if err != nil {
				last = err
				break
			}
			for _, n := range want {
				if online, _ := m.online(n.Name); !online {
					last = fmt.Errorf("%s does not see %s online yet", viewer.Name, n.Name)
				}
			}
		}
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster not online: %v", last)
		case <-time.After(time.Second):
		}
	}
}

// Kill ends every process of the node at once, by killing its PID 1, and
// returns only when they are all gone.
func (n *Node) Kill(ctx context.Context) error {
	pid := n.InitPID()
	if pid == 0 {
		return nil
	}
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid))
	if err != nil {
		return fmt.Errorf("kill %s: %w", n.Name, err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill %s: %w", n.Name, err)
	}
	for processesIn(ns) > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("processes of %s survive SIGKILL", n.Name)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

func processesIn(pidNS string) int {
	entries, _ := os.ReadDir("/proc")
	count := 0
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		if link, err := os.Readlink(filepath.Join("/proc", e.Name(), "ns/pid")); err == nil && link == pidNS {
			count++
		}
	}
	return count
}

func (c *Cluster) destroy() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
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
