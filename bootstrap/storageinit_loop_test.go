//go:build root

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// helperEnv makes the test binary run qvd-ha-bootstrap with the arguments
// after "--" instead of its tests: how TestStorageInitSharedLoop runs the
// command as a process of its own, in a private mount namespace.
const helperEnv = "QVD_HA_BOOTSTRAP_HELPER"

// TestStorageInitHelperProcess is qvd-ha-bootstrap when helperEnv is set,
// and does nothing otherwise.
func TestStorageInitHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		return
	}
	os.Exit(run(context.Background(), append([]string{"qvd-ha-bootstrap"}, flag.Args()...),
		os.Stdout, os.Stderr, runner.Exec{}))
}

// entry is what the copy must keep of a file.
type entry struct {
	mode     fs.FileMode
	uid, gid uint32
	sum      [32]byte // content
	mtime    time.Time
	link     string // symlink target
	xattr    string // user.qvd-test
	ino      uint64 // for hard links: equal numbers, equal files
}

// manifest describes every file under root by its relative path; hard
// links show as entries with the same inode ordinal.
func manifest(t *testing.T, root string) map[string]entry {
	t.Helper()
	m := map[string]entry{}
	inodes := map[uint64]uint64{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if rel == "." || rel == "lost+found" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		e := entry{mode: info.Mode(), uid: st.Uid, gid: st.Gid}
		if _, ok := inodes[st.Ino]; !ok {
			inodes[st.Ino] = uint64(len(inodes) + 1)
		}
		if info.Mode().IsRegular() {
			e.ino = inodes[st.Ino]
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			e.sum, e.mtime = sha256.Sum256(data), info.ModTime()
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			if e.link, err = os.Readlink(path); err != nil {
				return err
			}
		} else {
			buf := make([]byte, 256)
			if n, err := syscall.Getxattr(path, "user.qvd-test", buf); err == nil {
				e.xattr = string(buf[:n])
			}
		}
		m[rel] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// makePGData fills dir like a PostgreSQL data directory with files of
// several owners and modes, a symbolic and a hard link and extended
// attributes.
func makePGData(t *testing.T, dir string) {
	t.Helper()
	type file struct {
		name     string
		mode     fs.FileMode
		uid, gid int
		data     string
	}
	for _, f := range []file{
		{"", 0o700, 26, 26, ""},
		{"base", 0o700, 26, 26, ""},
		{"base/1", 0o700, 26, 26, ""},
		{"global", 0o700, 26, 26, ""},
		{"PG_VERSION", 0o600, 26, 26, "16\n"},
		{"postgresql.conf", 0o640, 26, 26, "listen_addresses = 'localhost'\n"},
		{"pg_hba.conf", 0o640, 26, 0, "local all all peer\n"},
		{"base/1/1259", 0o600, 26, 26, strings.Repeat("heap page ", 50000)},
		{"global/pg_control", 0o600, 26, 26, "control"},
		{".hidden", 0o644, 0, 0, "root's\n"},
		{"base/1/root-owned", 0o444, 0, 0, "read only\n"},
		{"empty", 0o600, 1234, 5678, ""},
	} {
		path := filepath.Join(dir, f.name)
		if f.data == "" && f.mode&0o100 != 0 {
			if err := os.MkdirAll(path, 0o700); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(path, []byte(f.data), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(path, f.uid, f.gid); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, f.mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/var/log/pgsql", filepath.Join(dir, "log")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(dir, "global/pg_control"), filepath.Join(dir, "global/pg_control.hardlink")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"PG_VERSION", "base"} {
		if err := syscall.Setxattr(filepath.Join(dir, name), "user.qvd-test", []byte("kept "+name), 0); err != nil {
			t.Fatal(err)
		}
	}
}

// loopDevice attaches a sparse file of size bytes to a loop device, for
// the test's duration.
func loopDevice(t *testing.T, size int64) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "san.img")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := osexec.Command("losetup", "--find", "--show", img).Output()
	if err != nil {
		t.Fatalf("losetup: %v", err)
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() {
		if out, err := osexec.Command("losetup", "--detach", dev).CombinedOutput(); err != nil {
			t.Errorf("losetup --detach %s: %v: %s", dev, err, out)
		}
	})
	return dev
}

// fsUUID is the filesystem's UUID on dev, "" for none: a new mkfs makes a
// new one.
func fsUUID(t *testing.T, dev string) string {
	t.Helper()
	out, err := osexec.Command("blkid", "--probe", "--match-tag", "UUID", "--output", "value", dev).Output()
	var exit *osexec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 2 {
		return "" // nothing found
	}
	if err != nil {
		t.Fatalf("blkid %s: %v", dev, err)
	}
	return strings.TrimSpace(string(out))
}

// TestStorageInitSharedLoop runs storage-init for real on shared storage:
// a loop device, mkfs.xfs, mount and cp, in a private mount namespace so
// that nothing can stay mounted on the host.
func TestStorageInitSharedLoop(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test runs as root (losetup, mkfs.xfs, mount); make test runs every test as root")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// mkfs.xfs refuses filesystems under 300 MB.
	dev := loopDevice(t, 320<<20)
	root := t.TempDir()
	dir := filepath.Join(root, "pgsql", "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	makePGData(t, dir)
	want := manifest(t, dir)

	// storage-init as the administrator runs it, as a process of its own.
	storageInit := func(t *testing.T, node, dataDir string, extra ...string) (int, string) {
		t.Helper()
		args := append(sharedArgs(dev, dataDir), "storage-init", "--node", node, "--timeout", "5m")
		ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
		defer cancel()
		cmd := osexec.CommandContext(ctx, "unshare", append([]string{"--mount", "--propagation", "private",
			self, "-test.run=^TestStorageInitHelperProcess$", "--"}, append(args, extra...)...)...)
		cmd.Env = append(os.Environ(), helperEnv+"=1")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var exit *osexec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("storage-init: %v", err)
		}
		t.Logf("storage-init --node %s %s: exit %d\n%s", node, strings.Join(extra, " "), cmd.ProcessState.ExitCode(), out.String())
		return cmd.ProcessState.ExitCode(), out.String()
	}
	// readBack mounts the filesystem read-only and returns what it holds.
	readBack := func(t *testing.T) (map[string]entry, fs.FileInfo) {
		t.Helper()
		mnt := t.TempDir()
		if out, err := osexec.Command("mount", "-o", "ro", dev, mnt).CombinedOutput(); err != nil {
			t.Fatalf("mount %s: %v: %s", dev, err, out)
		}
		defer func() {
			if out, err := osexec.Command("umount", mnt).CombinedOutput(); err != nil {
				t.Errorf("umount %s: %v: %s", mnt, err, out)
			}
		}()
		st, err := os.Stat(mnt)
		if err != nil {
			t.Fatal(err)
		}
		return manifest(t, mnt), st
	}
	expectCopied := func(t *testing.T) {
		t.Helper()
		got, rootInfo := readBack(t)
		for name, w := range want {
			if g, ok := got[name]; !ok {
				t.Errorf("%s is missing on the filesystem", name)
			} else if g != w {
				t.Errorf("%s on the filesystem: %+v, want %+v", name, g, w)
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("%s on the filesystem was not in the data directory", name)
			}
		}
		st := rootInfo.Sys().(*syscall.Stat_t)
		if st.Uid != 26 || st.Gid != 26 || rootInfo.Mode().Perm() != 0o700 {
			t.Errorf("filesystem root: %d:%d %04o, want 26:26 0700", st.Uid, st.Gid, rootInfo.Mode().Perm())
		}
	}
	expectAside := func(t *testing.T, dir string, want map[string]entry) {
		t.Helper()
		if got := manifest(t, dir+".orig"); !mapsEqual(got, want) {
			t.Errorf("%s.orig differs from the original data directory", dir)
		}
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) != 0 {
			t.Errorf("mount point %s: %v, %v; want it empty", dir, entries, err)
		}
		st, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if sys := st.Sys().(*syscall.Stat_t); sys.Uid != 26 || sys.Gid != 26 || st.Mode().Perm() != 0o700 {
			t.Errorf("mount point %s: %d:%d %04o, want the data directory's 26:26 0700", dir, sys.Uid, sys.Gid, st.Mode().Perm())
		}
	}

	// Without --yes: only the plan.
	code, out := storageInit(t, "qvddb1", dir)
	if code != 0 || !strings.Contains(out, "would: mkfs.xfs "+dev) || fsUUID(t, dev) != "" {
		t.Fatalf("without --yes: exit %d, device UUID %q", code, fsUUID(t, dev))
	}
	if !mapsEqual(manifest(t, dir), want) {
		t.Fatal("without --yes the data directory changed")
	}

	// The preferred node: filesystem, data moved onto it.
	code, out = storageInit(t, "qvddb1", dir, "--yes")
	if code != 0 {
		t.Fatalf("storage-init --yes: exit %d", code)
	}
	uuid := fsUUID(t, dev)
	if uuid == "" {
		t.Fatal("no filesystem on the device")
	}
	if !strings.Contains(out, fmt.Sprintf("copied %d files and directories", len(want))) {
		t.Errorf("the output does not count %d files", len(want))
	}
	expectCopied(t)
	expectAside(t, dir, want)

	// The other node, with its own data directory, leaves the device alone.
	peerDir := filepath.Join(root, "node2", "data")
	if err := os.MkdirAll(peerDir, 0o755); err != nil {
		t.Fatal(err)
	}
	makePGData(t, peerDir)
	peerWant := manifest(t, peerDir)
	if code, _ := storageInit(t, "qvddb2", peerDir, "--yes"); code != 0 {
		t.Fatalf("storage-init on qvddb2: exit %d", code)
	}
	expectAside(t, peerDir, peerWant)
	if got := fsUUID(t, dev); got != uuid {
		t.Errorf("the other node changed the filesystem: UUID %s, then %s", uuid, got)
	}

	// Again: an initialised node says so and changes nothing.
	code, out = storageInit(t, "qvddb1", dir, "--yes")
	if code != 0 || !strings.Contains(out, "this node was initialised before, nothing was changed") {
		t.Errorf("second run: exit %d", code)
	}
	if got := fsUUID(t, dev); got != uuid {
		t.Errorf("the second run made a new filesystem")
	}

	// A data directory in place again (a new PostgreSQL, say) and the
	// filesystem on the device: refused without --force.
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dir+".orig", dir); err != nil {
		t.Fatal(err)
	}
	code, out = storageInit(t, "qvddb1", dir, "--yes")
	if code != exitFailed || !strings.Contains(out, "refused: "+dev+" already carries xfs (at offset 0x0)") {
		t.Errorf("over a filesystem without --force: exit %d, want %d and the refusal", code, exitFailed)
	}
	if got := fsUUID(t, dev); got != uuid {
		t.Errorf("the refused run changed the filesystem")
	}
	if !mapsEqual(manifest(t, dir), want) {
		t.Errorf("the refused run changed the data directory")
	}

	// --force: a new filesystem, the data copied again.
	if code, _ := storageInit(t, "qvddb1", dir, "--yes", "--force"); code != 0 {
		t.Fatalf("--force: exit %d", code)
	}
	if got := fsUUID(t, dev); got == uuid || got == "" {
		t.Errorf("--force: UUID %q, want a new filesystem", got)
	}
	expectCopied(t)
	expectAside(t, dir, want)
}

func mapsEqual(a, b map[string]entry) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
