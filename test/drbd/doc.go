// Package drbd is the real-DRBD test tier: two qemu guests (see
// test/guest) running Debian's kernel, whose drbd.ko is DRBD 8.4, replicate
// over a loopback link. Its tests drive drbdadm directly; with
// QVD_DRBD_CAPTURE set they also record DRBD's outputs in each state as
// fixtures for the agent's unit tests.
package drbd
