package guestcluster

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/test/cluster"
	"github.com/qvd-ha/qvd-ha/test/guest"
)

// The guests' addresses. The client (the test's writer, in its namespace
// behind the hub) has ClientIP; ping.hosts names it, so the ping clone sees
// the LAN as a QVD node's gateway would be seen.
const (
	lanNet     = "192.0.2."
	crossNet   = "198.51.100."
	ClientIP   = lanNet + "100"
	DatabaseIP = lanNet + "10"
	DBPassword = "qvd-guests-secret"
	bootConf   = "/etc/qvd-ha/bootstrap.conf"
	pgBin      = "/usr/lib/postgresql/15/bin"
	pgdata     = "/var/lib/pgsql/data"
	// dataDiskMiB: mkfs.xfs refuses a filesystem under 300 MB, and DRBD's
	// internal metadata takes its share.
	dataDiskMiB = 340
	// installTag is the 9p mount tag of the DESTDIR tree the guests copy
	// the suite from.
	installTag = "qvdinstall"
)

// Node is one guest of the cluster.
type Node struct {
	Name               string // hostname and Pacemaker node name
	Domain             string // libvirt domain, the fence target
	Dir                string // control.sock, console.log, disks
	LanMAC, CrossMAC   string
	LanAddr, CrossAddr string

	mu sync.Mutex
	g  *guest.Guest // the control channel of the current boot
}

// Cluster is two guests running the suite's stack as the runbook deploys
// it, with DRBD storage and libvirt fencing.
type Cluster struct {
	t     testing.TB
	ID    string
	Dir   string
	NS    string // the client's network namespace
	Nodes [2]*Node
	Conf  string // qvd-ha-bootstrap's configuration

	hub *hub
}

// Up builds and boots the cluster, and returns once the database runs on
// the preferred node (node1). Everything it creates is removed in
// t.Cleanup, also when it fails.
func Up(ctx context.Context, t testing.TB) *Cluster {
	t.Helper()
	start := time.Now()
	img := clusterImage(t)
	c := &Cluster{t: t, ID: fmt.Sprintf("qvdgc%d", os.Getpid())}
	var err error
	// Unix socket paths are short: a short directory.
	if c.Dir, err = os.MkdirTemp("", "qvdgc-"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(c.Dir); err != nil {
			t.Errorf("remove %s: %v", c.Dir, err)
		}
	})
	dest := filepath.Join(c.Dir, "install")
	if err := installTree(ctx, dest); err != nil {
		t.Fatal(err)
	}

	c.NS = c.ID + "c"
	if out, err := exec.Command("ip", "netns", "add", c.NS).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", c.NS, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", c.NS).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", c.NS, err, out)
		}
	})
	if c.hub, err = newHub(c.NS, ClientIP+"/24"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.hub.close)

	ports, err := freeUDPPorts(4) // node1 lan, node2 lan, node1 cross, node2 cross
	if err != nil {
		t.Fatal(err)
	}
	guest.Reserve(t, 2)
	for i := range c.Nodes {
		n := &Node{
			Name:      fmt.Sprintf("node%d", i+1),
			Domain:    fmt.Sprintf("%s-node%d", c.ID, i+1),
			Dir:       filepath.Join(c.Dir, fmt.Sprintf("node%d", i+1)),
			LanMAC:    fmt.Sprintf("52:54:00:0a:00:%02x", i+1),
			CrossMAC:  fmt.Sprintf("52:54:00:0b:00:%02x", i+1),
			LanAddr:   fmt.Sprintf("%s%d", lanNet, i+1),
			CrossAddr: fmt.Sprintf("%s%d", crossNet, i+1),
		}
		c.Nodes[i] = n
		spec := domainSpec{
			Name: n.Domain, MemoryMiB: 768,
			Kernel: img.Kernel, Initrd: img.Initrd,
			Cmdline: fmt.Sprintf("console=ttyS0 panic=-1 quiet qvd.hostname=%s qvd.net=eth0=%s/24,eth1=%s/24,eth2=%s",
				n.Name, n.LanAddr, n.CrossAddr, fenceAddr),
			Root: filepath.Join(n.Dir, "root.qcow2"), Data: filepath.Join(n.Dir, "data.img"),
			Console: filepath.Join(n.Dir, "console.log"), ControlSock: filepath.Join(n.Dir, "control.sock"),
			NICs: []udpNIC{
				{MAC: n.LanMAC, LocalPort: ports[i], RemotePort: c.hub.port()},
				{MAC: n.CrossMAC, LocalPort: ports[2+i], RemotePort: ports[2+(1-i)]},
			},
			FenceMAC: fmt.Sprintf("52:54:00:0c:00:%02x", i+1),
			Share:    dest, ShareTag: installTag,
		}
		if err := c.define(ctx, n, spec, img.Root); err != nil {
			t.Fatal(err)
		}
	}
	c.hub.start(ports[0], ports[1])
	c.Conf = c.bootstrapConf()
	t.Cleanup(func() {
		if t.Failed() {
			c.dump()
		}
	})
	for _, n := range c.Nodes {
		if _, err := virsh(ctx, "start", n.Domain); err != nil {
			t.Fatal(err)
		}
	}
	c.each(t, func(n *Node) error { return c.connect(n, 3*time.Minute) })
	t.Logf("two guests booted after %s", time.Since(start).Round(time.Second))

	c.each(t, func(n *Node) error { return c.install(ctx, n) })
	if err := c.corosyncFiles(ctx); err != nil {
		t.Fatal(err)
	}
	c.each(t, func(n *Node) error { return c.fenceCheck(ctx, n) })
	if err := c.initDatabase(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("suite installed, database initialised after %s", time.Since(start).Round(time.Second))
	if err := c.storageInit(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("DRBD initial sync done after %s", time.Since(start).Round(time.Second))
	c.each(t, func(n *Node) error { return c.StartStack(ctx, n) })
	if err := c.WaitOnline(ctx, c.Nodes[0], c.Nodes[:]...); err != nil {
		t.Fatal(err)
	}
	t.Logf("two nodes online after %s", time.Since(start).Round(time.Second))
	if _, err := c.Nodes[0].Output(ctx, "qvd-ha-bootstrap -q -c "+bootConf+" apply --yes"); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitDatabase(ctx, c.Nodes[0], c.Nodes[0]); err != nil {
		t.Fatal(err)
	}
	t.Logf("database running on node1 after %s", time.Since(start).Round(time.Second))
	return c
}

// each runs f on both nodes at once; TCG guests are slow, and most steps
// are the same on both.
func (c *Cluster) each(t testing.TB, f func(*Node) error) {
	t.Helper()
	errs := make([]error, len(c.Nodes))
	var wg sync.WaitGroup
	for i, n := range c.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(n)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// define creates the node's disks and defines its domain; the domain is
// destroyed and undefined in t.Cleanup.
func (c *Cluster) define(ctx context.Context, n *Node, spec domainSpec, root string) error {
	if err := os.MkdirAll(n.Dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", n.Dir, err)
	}
	if err := run(ctx, "qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", root, spec.Root); err != nil {
		return err
	}
	f, err := os.Create(spec.Data)
	if err != nil {
		return fmt.Errorf("create data disk: %w", err)
	}
	err = f.Truncate(dataDiskMiB << 20)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("size data disk: %w", err)
	}
	x, err := spec.xml()
	if err != nil {
		return err
	}
	file := filepath.Join(n.Dir, "domain.xml")
	if err := os.WriteFile(file, x, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	// The cleanup comes first: a define that times out may still have
	// defined the domain.
	c.t.Cleanup(func() {
		n.close()
		// A bound, so that a stuck libvirtd fails the cleanup instead of
		// hanging it.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		// A destroyed domain may already be off: only undefine must work.
		_, _ = virsh(ctx, "destroy", n.Domain)
		if _, err := virsh(ctx, "undefine", n.Domain); err != nil {
			if _, exists := virsh(ctx, "dominfo", n.Domain); exists == nil {
				c.t.Errorf("undefine %s: %v", n.Domain, err)
			}
		}
	})
	_, err = virsh(ctx, "define", file)
	return err
}

// connect (re)opens the node's control channel, after a boot.
func (c *Cluster) connect(n *Node, timeout time.Duration) error {
	g, err := guest.Dial(n.Name, n.Dir, timeout)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.g != nil {
		n.g.Close()
	}
	n.g = g
	return nil
}

func (n *Node) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.g != nil {
		n.g.Close()
		n.g = nil
	}
}

func (n *Node) guest() (*guest.Guest, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.g == nil {
		return nil, fmt.Errorf("%s: no control channel", n.Name)
	}
	return n.g, nil
}

// Run runs a shell command in the node; see guest.Guest.Run.
func (n *Node) Run(ctx context.Context, cmd string) (guest.Result, error) {
	g, err := n.guest()
	if err != nil {
		return guest.Result{}, err
	}
	return g.Run(ctx, cmd)
}

// Output runs cmd in the node; a non-zero exit is an error.
func (n *Node) Output(ctx context.Context, cmd string) (string, error) {
	g, err := n.guest()
	if err != nil {
		return "", err
	}
	return g.Output(ctx, cmd)
}

func (n *Node) writeFile(ctx context.Context, path string, data []byte, mode os.FileMode) error {
	g, err := n.guest()
	if err != nil {
		return err
	}
	return g.WriteFile(ctx, path, data, mode)
}

// bootstrapConf is the configuration both nodes get: the runbook's
// defaults but for the names and addresses of this cluster, the guests'
// data disk, Debian's PostgreSQL, and fencing through the host's libvirtd
// as the guests reach it.
func (c *Cluster) bootstrapConf() string {
	var b strings.Builder
	b.WriteString("cluster.name = qvdguests\n")
	for i, n := range c.Nodes {
		fmt.Fprintf(&b, "node%d.name = %s\nnode%d.lan_addr = %s\nnode%d.cross_addr = %s\nnode%d.fence_target = %s\n",
			i+1, n.Name, i+1, n.LanAddr, i+1, n.CrossAddr, i+1, n.Domain)
	}
	b.WriteString(`preferred_node = node1
storage = drbd
db.ip = ` + DatabaseIP + `
db.nic = eth0
drbd.resource = postgres
drbd.device = /dev/drbd0
drbd.disk = /dev/vdb
fs.type = xfs
fs.directory = ` + pgdata + `
pgsql.pgdata = ` + pgdata + `
pgsql.pgctl = ` + pgBin + `/pg_ctl
db.password_source = file:/etc/qvd-ha/db-password
ping.hosts = ` + ClientIP + `
fencing = libvirt
fencing.libvirt_uri = ` + fenceURI + `
`)
	return b.String()
}

// install copies the suite in from the shared DESTDIR tree and prepares
// what a Debian guest without a service manager lacks.
func (c *Cluster) install(ctx context.Context, n *Node) error {
	script := `set -e
modprobe 9pnet_virtio
modprobe 9p
mkdir -p /mnt/install
mount -t 9p -o trans=virtio,ro,version=9p2000.L ` + installTag + ` /mnt/install
cp -a /mnt/install/. /
umount /mnt/install
# MailTo's start needs a mail command; nothing leaves the guest.
printf '#!/bin/sh\ncat >>/var/log/mail.stub\n' >/usr/bin/mail
chmod 0755 /usr/bin/mail
mkdir -p /etc/qvd-ha /var/log/cluster /var/log/pacemaker /run/postgresql ` + pgdata + `
chown postgres:postgres /run/postgresql ` + pgdata + `
chmod 0700 ` + pgdata + `
`
	if _, err := n.Output(ctx, script); err != nil {
		return err
	}
	if err := n.writeFile(ctx, bootConf, []byte(c.Conf), 0o600); err != nil {
		return err
	}
	if err := n.writeFile(ctx, "/etc/qvd-ha/db-password", []byte(DBPassword+"\n"), 0o600); err != nil {
		return err
	}
	_, err := n.Output(ctx, "qvd-ha-bootstrap -q -c "+bootConf+" drbd")
	return err
}

// corosyncFiles writes corosync.conf on both nodes with one authkey: the
// bootstrap creates it on node1, and the test carries it to node2 as
// --copy-to-peer would over ssh.
func (c *Cluster) corosyncFiles(ctx context.Context) error {
	n1, n2 := c.Nodes[0], c.Nodes[1]
	gen := "qvd-ha-bootstrap -q -c " + bootConf + " corosync --log-dir /var/log/cluster"
	if _, err := n1.Output(ctx, gen); err != nil {
		return err
	}
	key, err := n1.Output(ctx, "base64 -w0 /etc/corosync/authkey")
	if err != nil {
		return err
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return fmt.Errorf("node1's authkey: %w", err)
	}
	if err := n2.writeFile(ctx, "/etc/corosync/authkey", raw, 0o400); err != nil {
		return err
	}
	_, err = n2.Output(ctx, gen)
	return err
}

// fenceCheck asks the host's libvirtd, from inside n, for the status of
// the peer's domain: the path fencing takes, checked before anything
// depends on it.
func (c *Cluster) fenceCheck(ctx context.Context, n *Node) error {
	peer := c.Peer(n)
	out, err := n.Output(ctx, fmt.Sprintf("printf 'action=status\\nplug=%s\\nhypervisor_uri=%s\\n' | fence_qvd_libvirt", peer.Domain, fenceURI))
	if err != nil {
		return fmt.Errorf("fence_qvd_libvirt status from %s: %w (%s)", n.Name, err, out)
	}
	if !strings.Contains(out, "ON") {
		return fmt.Errorf("fence_qvd_libvirt status of %s from %s: %q, want ON", peer.Domain, n.Name, out)
	}
	return nil
}

// Peer is the other node.
func (c *Cluster) Peer(n *Node) *Node {
	if n == c.Nodes[0] {
		return c.Nodes[1]
	}
	return c.Nodes[0]
}

// initDatabase is the runbook's section 8 on node1, in the data directory
// that storage-init then moves onto DRBD: initdb, the bootstrap's postgres
// and db-init steps against a server on the local socket only.
func (c *Cluster) initDatabase(ctx context.Context) error {
	script := `set -e
runuser -u postgres -- ` + pgBin + `/initdb -D ` + pgdata + ` -E UTF8 --auth-local=peer --auth-host=scram-sha-256 >/dev/null
qvd-ha-bootstrap -q -c ` + bootConf + ` postgres --allow ` + ClientIP + `/32
runuser -u postgres -- ` + pgBin + `/pg_ctl start -w -D ` + pgdata + ` -l /tmp/pg-init.log -o "-c listen_addresses=''" >/dev/null
rc=0
qvd-ha-bootstrap -q -c ` + bootConf + ` db-init --admin "host=/run/postgresql user=postgres dbname=postgres" || rc=$?
runuser -u postgres -- ` + pgBin + `/pg_ctl stop -w -m fast -D ` + pgdata + ` >/dev/null
exit $rc
`
	_, err := c.Nodes[0].Output(ctx, script)
	return err
}

// storageInit runs the bootstrap's storage-init as the runbook orders it:
// the other node first, then the preferred node, which forces the initial
// sync and moves the data directory onto DRBD.
func (c *Cluster) storageInit(ctx context.Context) error {
	cmd := "qvd-ha-bootstrap -q -c " + bootConf + " storage-init --yes"
	if _, err := c.Nodes[1].Output(ctx, cmd); err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	_, err := c.Nodes[0].Output(sctx, cmd+" --timeout 14m")
	return err
}

// StartStack starts corosync and Pacemaker on n by hand, as the guest has
// no service manager; they run detached from the control daemon.
func (c *Cluster) StartStack(ctx context.Context, n *Node) error {
	_, err := n.Output(ctx, `set -e
mkdir -p /var/log/cluster /var/log/pacemaker /run/postgresql
chown postgres:postgres /run/postgresql
setsid corosync </dev/null >/var/log/cluster/corosync.out 2>&1
setsid pacemakerd </dev/null >/var/log/pacemaker/pacemakerd.out 2>&1 &
`)
	return err
}

// Status is the cluster as n's crm_mon sees it.
func (c *Cluster) Status(ctx context.Context, n *Node) (*cluster.State, error) {
	s, err := pcmk.Tools{Run: n.Runner()}.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.Name, err)
	}
	return s, nil
}

// Poll calls cond with the state n sees, every second (a guest under TCG
// is slow to answer), until cond returns "" or ctx ends.
func (c *Cluster) Poll(ctx context.Context, n *Node, cond func(*cluster.State) string) error {
	return cluster.PollState(ctx, n.Name, time.Second, func(ctx context.Context) (*cluster.State, error) { return c.Status(ctx, n) }, cond)
}

// WaitOnline waits until every node of want is online, as n sees it.
func (c *Cluster) WaitOnline(ctx context.Context, n *Node, want ...*Node) error {
	return c.Poll(ctx, n, func(s *cluster.State) string {
		for _, w := range want {
			found := false
			for _, sn := range s.Nodes {
				if sn.Name == w.Name {
					found = true
					if !sn.Online {
						return w.Name + " is not online"
					}
				}
			}
			if !found {
				return w.Name + " is not a member"
			}
		}
		return ""
	})
}

// WaitDatabase waits until DRBD is Promoted on on and the group runs there,
// as n sees it.
func (c *Cluster) WaitDatabase(ctx context.Context, n, on *Node) error {
	return c.Poll(ctx, n, func(s *cluster.State) string { return databaseOn(s, on) })
}

// WaitDatabaseAnywhere waits until, as n sees it, the database runs on one
// of the nodes, and returns that node.
func (c *Cluster) WaitDatabaseAnywhere(ctx context.Context, n *Node) (*Node, error) {
	var on *Node
	err := c.Poll(ctx, n, func(s *cluster.State) string {
		var why []string
		for _, m := range c.Nodes {
			msg := databaseOn(s, m)
			if msg == "" {
				on = m
				return ""
			}
			why = append(why, msg)
		}
		return strings.Join(why, "; ")
	})
	return on, err
}

// databaseOn says why the database does not run on the node: DRBD
// promoted there and the group started there; "" when it does.
func databaseOn(s *cluster.State, on *Node) string {
	if got, want := strings.Join(s.Where("p_drbd_postgres"), ", "), "Promoted "+on.Name; !strings.Contains(got, want) {
		return fmt.Sprintf("p_drbd_postgres is %q, want %q", got, want)
	}
	for _, r := range cluster.DatabaseResources {
		if got, want := strings.Join(s.Where(r), ", "), "Started "+on.Name; got != want {
			return fmt.Sprintf("%s is %q, want %q", r, got, want)
		}
	}
	return ""
}

// DRBD is the node's line of /proc/drbd for minor 0: role, connection and
// disk states ("ro:Primary/Secondary", "cs:Connected", "ds:UpToDate/...").
func (c *Cluster) DRBD(ctx context.Context, n *Node) (string, error) {
	out, err := n.Output(ctx, "grep '^ 0:' /proc/drbd || echo unconfigured")
	return strings.TrimSpace(out), err
}

// dump logs what a failed test needs: each node's cluster state, DRBD
// state, and the end of its logs and console.
func (c *Cluster) dump() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, n := range c.Nodes {
		out, err := n.Run(ctx, "crm_mon -1 -rfA 2>&1; cat /proc/drbd; tail -n 60 /var/log/pacemaker/pacemaker.log; tail -n 30 /var/log/cluster/corosync.log")
		c.t.Logf("%s (%v):\n%s%s", n.Name, err, out.Stdout, out.Stderr)
		b, _ := os.ReadFile(filepath.Join(n.Dir, "console.log"))
		c.t.Logf("%s console (end):\n%s", n.Name, tail(string(b), 3000))
	}
}

// freeUDPPorts asks the kernel for n free loopback ports. Another process
// could take one before qemu binds it; the domain then fails to start.
func freeUDPPorts(n int) ([]int, error) {
	var ports []int
	var conns []net.PacketConn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free UDP port: %w", err)
		}
		conns = append(conns, c)
		ports = append(ports, c.LocalAddr().(*net.UDPAddr).Port)
	}
	return ports, nil
}

// poll calls cond every interval until it returns "" or ctx ends; the
// error then quotes cond's last complaint.
func poll(ctx context.Context, every time.Duration, cond func() string) error {
	for {
		last := cond()
		if last == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", last, ctx.Err())
		case <-time.After(every):
		}
	}
}
