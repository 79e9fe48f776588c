package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// SharedDisk is a loop device with XFS that both nodes see, standing in for
// the bootstrap's "shared" storage kind (a SAN disk), since the host has no
// DRBD module. Each node mounts it in its own mount namespace.
type SharedDisk struct {
	Device     string // /dev/loopN
	MountPoint string // the same path on both nodes
	image      string
}

// NewSharedDisk creates a sparse image of size bytes, attaches it to a loop
// device and makes an XFS filesystem on it.
func (c *Cluster) NewSharedDisk(ctx context.Context, size int64) (*SharedDisk, error) {
	d := c.sharedDisk()
	f, err := os.Create(d.image)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return nil, err
	}
	f.Close()
	out, err := exec.CommandContext(ctx, "losetup", "--find", "--show", d.image).Output()
	if err != nil {
		return nil, fmt.Errorf("losetup %s: %w", d.image, err)
	}
	d.Device = strings.TrimSpace(string(out))
	c.disks = append(c.disks, d)
	if out, err := exec.CommandContext(ctx, "mkfs.xfs", "-q", "-f", d.Device).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mkfs.xfs %s: %v: %s", d.Device, err, out)
	}
	if err := os.MkdirAll(d.MountPoint, 0o755); err != nil {
		return nil, err
	}
	return d, nil
}

// sharedDisk describes the cluster's shared disk before it exists.
func (c *Cluster) sharedDisk() *SharedDisk {
	return &SharedDisk{image: filepath.Join(c.Dir, "shared.img"), MountPoint: SharedMountPoint(c.Dir)}
}

// SharedMountPoint is where the shared disk of the cluster in dir is
// mounted, on either node: known before the disk exists, so that the
// nodes' event recorders can watch it from boot.
func SharedMountPoint(dir string) string { return filepath.Join(dir, "pgsql") }

// WithMounted mounts the disk in the host's namespace for f, as the runbook
// does by hand before Pacemaker manages it (sections 7-8).
func (d *SharedDisk) WithMounted(ctx context.Context, f func(dir string) error) error {
	if out, err := exec.CommandContext(ctx, "mount", d.Device, d.MountPoint).CombinedOutput(); err != nil {
		return fmt.Errorf("mount %s: %v: %s", d.Device, err, out)
	}
	ferr := f(d.MountPoint)
	if out, err := exec.CommandContext(ctx, "umount", d.MountPoint).CombinedOutput(); err != nil {
		return fmt.Errorf("umount %s: %v: %s", d.MountPoint, err, out)
	}
	return ferr
}

func (d *SharedDisk) destroy() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = exec.CommandContext(ctx, "umount", "-l", d.MountPoint).Run()
	// An attached cluster knows its image, not its loop device.
	out, _ := exec.CommandContext(ctx, "losetup", "--noheadings", "--output", "NAME", "--associated", d.image).Output()
	for _, dev := range strings.Fields(string(out)) {
		_ = exec.CommandContext(ctx, "losetup", "-d", dev).Run()
	}
	os.Remove(d.image)
}
