// Package drbd is the real-DRBD test tier: two qemu guests (see
// test/guest) running Debian's kernel, whose drbd.ko is DRBD 8.4, replicate
// over a loopback link. TestDRBD84 drives drbdadm directly; with
// QVD_DRBD_CAPTURE set it also records DRBD's outputs in each state as
// fixtures for internal/drbdstate's tests. TestAgent drives ocf:qvd:drbd
// (agents/drbd, built by the test) as Pacemaker would, with a fake
// crm_attribute, and runs ocf-tester on it; BenchmarkMonitorInGuest compares
// its monitor with ocf:linbit:drbd's.
package drbd
