//go:build root

package main

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/agents/ocf/ocftest"
	qnetns "github.com/qvd-ha/qvd-ha/internal/netns"
)

// Every link and address these tests create lives in network namespaces
// that the test itself creates and deletes: nothing touches the machine's
// own namespace.

var nsSeq atomic.Int32

// netNS is a named network namespace (named, so that tools such as
// ocf-tester can be run in it too) with a netlink handle inside it.
type netNS struct {
	name   string
	handle netns.NsHandle
	nl     *netlink.Handle
}

func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root: it creates network namespaces, veth pairs and bridges (run go test as root)")
	}
}

func newNS(t testing.TB) *netNS {
	t.Helper()
	requireRoot(t)
	n := &netNS{name: fmt.Sprintf("qvdip%d-%d", os.Getpid(), nsSeq.Add(1))}
	err := qnetns.OnThread(func() (err error) {
		// NewNamed moves the calling thread into the new namespace.
		n.handle, err = netns.NewNamed(n.name)
		return err
	})
	if err != nil {
		t.Fatalf("creating network namespace %s: %v", n.name, err)
	}
	t.Cleanup(func() {
		n.handle.Close()
		if err := netns.DeleteNamed(n.name); err != nil {
			t.Errorf("deleting network namespace %s: %v", n.name, err)
		}
	})
	if n.nl, err = netlink.NewHandleAt(n.handle); err != nil {
		t.Fatalf("netlink handle in %s: %v", n.name, err)
	}
	t.Cleanup(n.nl.Close)
	lo, err := n.nl.LinkByName("lo")
	if err == nil {
		err = n.nl.LinkSetUp(lo)
	}
	if err != nil {
		t.Fatalf("setting lo up in %s: %v", n.name, err)
	}
	return n
}

// do runs fn on an OS thread inside n: sockets it opens and
// processes it starts belong to n.
func (n *netNS) do(t testing.TB, fn func()) {
	t.Helper()
	err := qnetns.Do(n.handle, func() error {
		fn()
		return nil
	})
	if err != nil {
		t.Fatalf("in %s: %v", n.name, err)
	}
}

// lan is a bridge inside its own namespace, the switch between nodes.
type lan struct {
	ns     *netNS
	bridge netlink.Link
}

func newLAN(t testing.TB) *lan {
	t.Helper()
	l := &lan{ns: newNS(t)}
	// Without snooping the bridge floods every multicast: DAD and
	// announcements reach every port whatever MLD reports it has seen.
	snooping := false
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "br0"}, MulticastSnooping: &snooping}
	if err := l.ns.nl.LinkAdd(br); err != nil {
		t.Fatalf("adding bridge: %v", err)
	}
	if err := l.ns.nl.LinkSetUp(br); err != nil {
		t.Fatalf("setting bridge up: %v", err)
	}
	l.bridge = br
	return l
}

// node is a namespace with eth0 plugged into a lan.
type node struct {
	*netNS
	lan  *lan
	port string // eth0's peer, a port of the bridge
}

// addNode creates a node on the lan with the given addresses on eth0
// (IPv6 ones without DAD, so that they are usable at once).
func (l *lan) addNode(t testing.TB, addrs ...string) *node {
	t.Helper()
	n := &node{netNS: newNS(t), lan: l, port: fmt.Sprintf("port%d", nsSeq.Add(1))}
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "eth0"}, PeerName: n.port, PeerNamespace: netlink.NsFd(l.ns.handle)}
	if err := n.nl.LinkAdd(veth); err != nil {
		t.Fatalf("adding veth eth0 in %s: %v", n.name, err)
	}
	port, err := l.ns.nl.LinkByName(n.port)
	if err != nil {
		t.Fatalf("finding bridge port %s: %v", n.port, err)
	}
	if err := l.ns.nl.LinkSetMaster(port, l.bridge); err != nil {
		t.Fatalf("enslaving %s: %v", n.port, err)
	}
	if err := l.ns.nl.LinkSetUp(port); err != nil {
		t.Fatalf("setting %s up: %v", n.port, err)
	}
	eth0 := n.link(t)
	for _, s := range addrs {
		a, err := netlink.ParseAddr(s)
		if err != nil {
			t.Fatalf("test address %s: %v", s, err)
		}
		a.Flags = nodadFlag(a.IP)
		if err := n.nl.AddrAdd(eth0, a); err != nil {
			t.Fatalf("adding %s to eth0 in %s: %v", s, n.name, err)
		}
	}
	if err := n.nl.LinkSetUp(eth0); err != nil {
		t.Fatalf("setting eth0 up in %s: %v", n.name, err)
	}
	return n
}

func nodadFlag(ip net.IP) int {
	if ip.To4() == nil {
		return 0x02 // IFA_F_NODAD
	}
	return 0
}

// link is eth0 as it is now.
func (n *node) link(t testing.TB) netlink.Link {
	t.Helper()
	l, err := n.nl.LinkByName("eth0")
	if err != nil {
		t.Fatalf("eth0 in %s: %v", n.name, err)
	}
	return l
}

func (n *node) mac(t testing.TB) net.HardwareAddr {
	t.Helper()
	return n.link(t).Attrs().HardwareAddr
}

// addr returns ip as configured on eth0, or nil.
func (n *node) addr(t testing.TB, ip netip.Addr) *netlink.Addr {
	t.Helper()
	addrs, err := n.nl.AddrList(n.link(t), familyOf(ip))
	if err != nil {
		t.Fatalf("listing addresses in %s: %v", n.name, err)
	}
	for i := range addrs {
		if a, _ := netip.AddrFromSlice(addrs[i].IP); a.Unmap() == ip {
			return &addrs[i]
		}
	}
	return nil
}

// env turns parameters into OCF_RESKEY_ variables. The action "probe" is a
// monitor with interval 0; "monitor" is a recurring one.
func env(action string, params map[string]string) (string, []string) {
	var vars []string
	for k, v := range params {
		vars = append(vars, "OCF_RESKEY_"+k+"="+v)
	}
	sort.Strings(vars)
	switch action {
	case "probe":
		action = "monitor"
	case "monitor":
		vars = append(vars, "OCF_RESKEY_CRM_meta_interval=10000")
	}
	return action, vars
}

// run carries out one action in-process with the thread inside n, and
// returns the exit code and the last exit reason.
func (n *netNS) run(t testing.TB, action string, params map[string]string) (ocf.RC, string) {
	t.Helper()
	action, vars := env(action, params)
	var stderr bytes.Buffer
	d := ocf.Dispatcher{Env: vars, Stdout: &bytes.Buffer{}, Stderr: &stderr, Pid: os.Getpid()}
	var rc ocf.RC
	n.do(t, func() { rc = d.Run(&agent, []string{"IPaddr", action}) })
	return rc, ocftest.ExitReason(stderr.String())
}

// runBin execs the built agent in n with exactly the variables given (no
// PATH unless the caller passes one).
func (n *netNS) runBin(t testing.TB, action string, params map[string]string, extra ...string) (ocf.RC, string) {
	t.Helper()
	action, vars := env(action, params)
	cmd := exec.Command(agentBin, action)
	cmd.Env = append(vars, extra...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	var err error
	n.do(t, func() { err = cmd.Run() })
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatalf("running %s %s: %v", agentBin, action, err)
	}
	return ocf.RC(cmd.ProcessState.ExitCode()), ocftest.ExitReason(stderr.String())
}

// step is one action and what it must return; a non-empty reason must
// appear in the exit reason.
type step struct {
	action string
	rc     ocf.RC
	reason string
}

func (n *netNS) expect(t testing.TB, params map[string]string, steps ...step) {
	t.Helper()
	for i, s := range steps {
		rc, reason := n.run(t, s.action, params)
		if rc != s.rc {
			t.Fatalf("step %d: %s returned %v (reason %q), want %v", i, s.action, rc, reason, s.rc)
		}
		if !strings.Contains(reason, s.reason) {
			t.Fatalf("step %d: %s gave the reason %q, want it to mention %q", i, s.action, reason, s.reason)
		}
	}
}
