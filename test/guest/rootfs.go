package guest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// buildRoot writes dir/root.img: an ext4 image of a minbase debootstrap
// root with rootPackages and the kernel's modules (unpacked in tree).
func buildRoot(ctx context.Context, dir, tree, release string) error {
	root := filepath.Join(dir, "rootfs")
	defer os.RemoveAll(root)
	if _, err := hostRun(ctx, "", "debootstrap", "--variant=minbase",
		"--include="+strings.Join(rootPackages, ","), suite, root, mirror); err != nil {
		return err
	}
	modules := filepath.Join(root, "usr/lib/modules")
	if err := os.MkdirAll(modules, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", modules, err)
	}
	if _, err := hostRun(ctx, "", "cp", "-a", filepath.Join(tree, "lib/modules", release), modules); err != nil {
		return err
	}
	// modules.dep is made at install time, not shipped. The guest's
	// modprobe needs it, and so does the initramfs build (for load order),
	// which reads the unpacked kernel: the host need not have kmod.
	if _, err := hostRun(ctx, "", "chroot", root, "depmod", release); err != nil {
		return err
	}
	dep := filepath.Join(release, "modules.dep")
	if _, err := hostRun(ctx, "", "cp", filepath.Join(modules, dep), filepath.Join(tree, "lib/modules", dep)); err != nil {
		return err
	}
	// The downloaded .debs would only make the image bigger.
	if _, err := hostRun(ctx, "", "chroot", root, "apt-get", "clean"); err != nil {
		return err
	}
	out, err := hostRun(ctx, "", "du", "-sb", root)
	if err != nil {
		return err
	}
	used, err := strconv.ParseInt(strings.Fields(out)[0], 10, 64)
	if err != nil {
		return fmt.Errorf("parse du output %q: %w", out, err)
	}
	// Room for what tests install into a guest (its writes go to a
	// per-guest snapshot, but the filesystem must have the space).
	size := used + used/4 + 512<<20
	img := filepath.Join(dir, "root.img")
	f, err := os.Create(img)
	if err != nil {
		return fmt.Errorf("create %s: %w", img, err)
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return fmt.Errorf("size %s: %w", img, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", img, err)
	}
	_, err = hostRun(ctx, "", "mkfs.ext4", "-q", "-F", "-L", "qvdroot", "-d", root, img)
	return err
}
