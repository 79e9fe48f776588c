// Package guest boots throw-away Debian guests under qemu (TCG) for tests
// that need a real kernel: DRBD 8.4 is in Debian's kernel but cannot be
// loaded on the test machines themselves.
//
// The guest image (a debootstrap root, Debian's kernel and a busybox
// initramfs) is built once and cached outside the repository, keyed by a
// hash of everything that goes into it; see README.md. Each guest gets its
// own data disk, point-to-point links to its peers over loopback UDP, and a
// control channel (a virtio-serial port) through which tests run commands
// and copy files.
package guest
