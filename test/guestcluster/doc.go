// Package guestcluster runs the whole runbook stack in two qemu guests
// (issue 8): real DRBD 8.4 under a real Pacemaker and Corosync, the CIB and
// every node file from qvd-ha-bootstrap (storage drbd, fencing libvirt),
// and fence_qvd_libvirt in each guest destroying and starting the peer
// through the host's libvirtd.
//
// The guests are libvirt domains (type qemu: TCG) of the host's system
// libvirtd (make services), booted from test/guest's kernel and
// initramfs, with a root that adds the cluster packages (image.go: a
// cached stage over test/guest's root) as a per-guest qcow2 overlay that
// survives a fencing restart, like a disk. Each has:
//
//   - eth0, the LAN (192.0.2.0/24): a udp interface to a repeater in the
//     test process (hub.go), which also serves a tap device inside the
//     client's network namespace (192.0.2.100). test/cluster's Writer dials
//     the floating IP from that namespace, as a QVD node would.
//   - eth1, the crossover (198.51.100.0/24): a udp interface straight to
//     the peer's. DRBD replicates over it, and it is Corosync's second
//     link.
//   - eth2, fencing only: qemu user networking (slirp), whose 10.0.2.2 is
//     the host's loopback, where libvirtd listens for TCP (hypervisor_uri
//     qemu+tcp://10.0.2.2/system).
//   - the suite, from the checkout's make install DESTDIR=, shared
//     read-only over 9p and copied in.
//   - test/guest's control channel (a virtio-serial port), reached with
//     guest.Dial; a restarted domain needs a new Dial.
//
// Links are cut with virsh domif-setlink, domains powered off with virsh
// destroy. The guests hold two of test/guest's slots while they exist.
//
// TestRunbookInGuests runs the cases in order on one cluster (about
// 13 minutes under TCG, 3 of them to build it); make test runs it alone,
// after the namespace cluster, since both need the CPU and libvirtd.
// BenchmarkGuestFailover (make bench) measures the takeover after a power
// loss and splits it into its steps.
package guestcluster
