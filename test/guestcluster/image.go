package guestcluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/test/guest"
)

// clusterPackages go on top of test/guest's root. They live in a stage of
// their own rather than in test/guest's package list: the DRBD tier's image
// stays small and is not rebuilt when this tier's needs change, and the
// install runs under a policy-rc.d that keeps the postinst scripts from
// starting PostgreSQL inside the build chroot (debootstrap --include has no
// such hook).
var clusterPackages = []string{
	"corosync", "pacemaker", "pacemaker-cli-utils", "resource-agents",
	"postgresql-15", // the server; pg_ctl in /usr/lib/postgresql/15/bin
	"libxml2-utils", // xmllint, for ocf-tester
}

//go:embed image.go
var imageRecipe []byte

// imageGrowth is added to the base root's filesystem for the packages.
const imageGrowth = 1 << 30

// clusterImage is test/guest's image with the root replaced by one that
// also holds the cluster stack.
func clusterImage(t testing.TB) *guest.Image {
	t.Helper()
	base := guest.EnsureImage(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	root, err := buildClusterRoot(ctx, base, t.Logf)
	if err != nil {
		t.Fatalf("cluster image: %v", err)
	}
	img := *base
	img.Root = root
	return &img
}

// buildClusterRoot returns the cached cluster root for base, building it
// first when missing: a copy of base's root, grown, with clusterPackages
// installed by apt in a chroot. The key hashes this file and the base
// root's path, which carries test/guest's own key.
func buildClusterRoot(ctx context.Context, base *guest.Image, logf func(string, ...any)) (string, error) {
	cache := filepath.Dir(filepath.Dir(base.Root))
	h := sha256.New()
	h.Write(imageRecipe)
	h.Write([]byte(base.Root))
	dir := filepath.Join(cache, "cluster-"+hex.EncodeToString(h.Sum(nil))[:16])
	final := filepath.Join(dir, "root.img")

	lock, err := os.OpenFile(filepath.Join(cache, "cluster-build.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("open build lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("take build lock: %w", err)
	}
	if _, err := os.Stat(final); err == nil {
		return final, nil
	}
	start := time.Now()
	logf("building the cluster guest root in %s", dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	tmp := final + ".building"
	if err := installPackages(ctx, base.Root, tmp, dir); err != nil {
		os.Remove(tmp)
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("install %s: %w", final, err)
	}
	logf("built the cluster guest root in %s", time.Since(start).Round(time.Second))
	// Roots of other recipes are stale: each is a couple of GB. A guest
	// still running on one keeps its open file.
	stale, _ := filepath.Glob(filepath.Join(cache, "cluster-*"))
	for _, d := range stale {
		if d != dir && !strings.HasSuffix(d, ".lock") {
			if err := os.RemoveAll(d); err != nil {
				logf("remove the stale cluster root %s: %v", d, err)
			}
		}
	}
	return final, nil
}

// installPackages copies src to img, grows it and installs the packages
// in it, mounted on a loop device under dir.
func installPackages(ctx context.Context, src, img, dir string) (err error) {
	if err := run(ctx, "cp", "--sparse=always", src, img); err != nil {
		return err
	}
	st, err := os.Stat(img)
	if err != nil {
		return fmt.Errorf("stat %s: %w", img, err)
	}
	if err := os.Truncate(img, st.Size()+imageGrowth); err != nil {
		return fmt.Errorf("grow %s: %w", img, err)
	}
	if err := run(ctx, "e2fsck", "-f", "-p", img); err != nil {
		return err
	}
	if err := run(ctx, "resize2fs", img); err != nil {
		return err
	}
	mnt := filepath.Join(dir, "mnt")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", mnt, err)
	}
	if err := run(ctx, "mount", "-o", "loop", img, mnt); err != nil {
		return err
	}
	// Unmounted on every path, and an image still mounted is an error:
	// renaming it into the cache would publish a root still being written.
	var mounted []string
	defer func() {
		for i := len(mounted) - 1; i >= 0; i-- {
			_ = run(context.Background(), "umount", "-l", mounted[i])
		}
		if uerr := run(context.Background(), "umount", mnt); uerr != nil && err == nil {
			err = uerr
		}
	}()
	for _, m := range []struct{ fs, dir string }{{"proc", "proc"}, {"sysfs", "sys"}, {"devtmpfs", "dev"}} {
		p := filepath.Join(mnt, m.dir)
		if err := run(ctx, "mount", "-t", m.fs, m.fs, p); err != nil {
			return err
		}
		mounted = append(mounted, p)
	}
	// The host's resolver, for apt; removed again below so that the
	// guests resolve nothing.
	resolv, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		return fmt.Errorf("read the host's resolv.conf: %w", err)
	}
	script := strings.Join([]string{
		"set -e",
		"printf '%s' \"$RESOLV\" >/etc/resolv.conf",
		"printf '#!/bin/sh\\nexit 101\\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d",
		"apt-get update -q",
		"DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends " + strings.Join(clusterPackages, " "),
		"apt-get clean",
		"rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d /etc/resolv.conf",
		// The packages' own cluster would only take memory if started.
		"pg_dropcluster 15 main || true",
	}, "\n")
	cmd := exec.CommandContext(ctx, "chroot", mnt, "/bin/bash", "-c", script)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", "RESOLV=" + string(resolv)}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("install %s in the guest root: %w: %s", strings.Join(clusterPackages, " "), err, tail(out.String(), 3000))
	}
	return nil
}

// run runs a host command; its output is in the error.
func run(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, tail(string(out), 2000))
	}
	return nil
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
