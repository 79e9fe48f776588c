//go:build root

package rpm_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// hostProbes are Pacemaker's own ways to find the agents, run on this
// machine's root: they must fail before the packages are installed, answer
// after, and fail again once the packages are removed.
var hostProbes = []struct {
	args []string
	want string
}{
	{[]string{"crm_resource", "--show-metadata", "ocf:qvd:pgsql"}, `<resource-agent name="pgsql"`},
	{[]string{"crm_resource", "--show-metadata", "ocf:qvd:drbd"}, `<resource-agent name="drbd"`},
	{[]string{"crm_resource", "--show-metadata", "ocf:qvd:IPaddr"}, `<resource-agent name="IPaddr"`},
	{[]string{"stonith_admin", "--metadata", "-a", "fence_qvd_libvirt"}, `<resource-agent name="fence_qvd_libvirt"`},
	{[]string{"stonith_admin", "--metadata", "-a", "fence_qvd_xenapi"}, `<resource-agent name="fence_qvd_xenapi"`},
}

// What `make install` put on this machine, hidden in the overlay so that
// only the packages can make the probes answer.
var madeInstalled = []string{ocf, "/usr/sbin/fence_qvd_libvirt", "/usr/sbin/fence_qvd_xenapi"}

// rpmDB is where rpm keeps its database in the overlay, as on SLES (Debian's
// rpm would use /root/.rpmdb). rpm -e leaves the database behind, by design.
const rpmDB = "/var/lib/rpm"

// testHost installs the resource and fence agent packages onto this
// machine's own root with rpm, and removes them again.
//
// `make test` has already installed the same agents into /usr with `make
// install`, and tests of other packages use them while this one runs, so
// the real root must never change. Everything happens in an overlay (lower
// layer: /, upper: a directory on tmpfs) mounted in a private mount
// namespace and entered with chroot: each change lands in the upper
// directory, and "removal leaves nothing behind" is checked there, exactly.
// The limits: only the root filesystem is overlaid (/proc, /sys and /dev
// are the host's own, bound in; these two packages have no scriptlets that
// could write there), and the lower layer is live, so the host's own
// changes show through (they never reach the upper directory).
//
// The dependencies are real here (Debian's resource-agents,
// pacemaker-cli-utils, postgresql and drbd-utils), but rpm's database knows
// nothing of dpkg's, so stubs tell it, and rpm -i checks the Requires
// without --nodeps.
func testHost(t *testing.T, b *built, stubs stubSet) {
	o := newOverlay(t)
	names := []string{"qvd-ha-resource-agents", "qvd-ha-fence-agents"}
	deps := []string{"resource-agents", "pacemaker-cli", "postgresql-server", "drbd-utils", "filesystem"}
	var files []string
	for _, n := range names {
		files = append(files, o.add(t, b.rpms[n]))
	}
	for _, n := range deps {
		files = append(files, o.add(t, stubs.rpm[n]))
	}

	if out, err := o.run(append([]string{"rm", "-rf"}, madeInstalled...)...); err != nil {
		t.Fatalf("hiding what make install put here: %v\n%s", err, out)
	}
	probeHost(t, o, false)
	before := o.snapshot(t)

	if out, err := o.run(append([]string{"rpm", "--dbpath", rpmDB, "-i"}, files...)...); err != nil {
		t.Fatalf("rpm -i: %v\n%s", err, out)
	}
	probeHost(t, o, true)

	if out, err := o.run(append([]string{"rpm", "--dbpath", rpmDB, "-e"}, names...)...); err != nil {
		t.Fatalf("rpm -e: %v\n%s", err, out)
	}
	probeHost(t, o, false)
	// The stubs go after the packages, as a SLES node keeps its base: in
	// the same transaction filesystem could go first, while
	// /usr/share/licenses still held the packages' licenses.
	if out, err := o.run(append([]string{"rpm", "--dbpath", rpmDB, "-e"}, deps...)...); err != nil {
		t.Fatalf("rpm -e stubs: %v\n%s", err, out)
	}

	after := o.snapshot(t)
	for rel, n := range after {
		if was, ok := before[rel]; ok && was == n {
			continue
		}
		if rel == rpmDB || strings.HasPrefix(rel, rpmDB+"/") {
			continue
		}
		// a directory of the host's, copied up into the upper layer when
		// a file went into it
		if fi, err := os.Lstat(rel); err == nil && fi.IsDir() && n.mode.IsDir() {
			continue
		}
		t.Errorf("%s (%v) is left behind", rel, n)
	}
	for rel, n := range before {
		if now, ok := after[rel]; !ok || now != n {
			t.Errorf("%s changed: was %v, now %v (present: %v)", rel, n, now, ok)
		}
	}
}

func probeHost(t *testing.T, o *overlay, installed bool) {
	t.Helper()
	for _, p := range hostProbes {
		out, err := o.run(p.args...)
		answered := err == nil && bytes.Contains(out, []byte(p.want))
		if answered != installed {
			t.Errorf("installed %v: %s answered %v (%v):\n%s", installed, strings.Join(p.args, " "), answered, err, tail(out, 10))
		}
	}
}

// overlay is the host's root with a writable layer of the test's own.
type overlay struct {
	base string // on tmpfs: upper, work, merged, rpms
}

// overlayScript mounts the overlay and what a chroot needs, in the mount
// namespace unshare made for it, and runs the command chrooted there. The
// namespace and its mounts end with the command; the upper layer keeps
// every change for the next command.
const overlayScript = `set -eu
base=$1
shift
m=$base/merged
mount -t overlay overlay -o "lowerdir=/,upperdir=$base/upper,workdir=$base/work" "$m"
mount -t proc proc "$m/proc"
mount --rbind /dev "$m/dev"
mount --rbind /sys "$m/sys"
mount --bind -o ro "$base/rpms" "$m/qvd-ha-rpms"
exec chroot "$m" "$@"`

func newOverlay(t *testing.T) *overlay {
	t.Helper()
	// The upper layer cannot be on the root filesystem, which is the
	// lower layer (the kernel refuses overlapping layers): /dev/shm is a
	// tmpfs that CI machines have.
	var fsinfo unix.Statfs_t
	if err := unix.Statfs("/dev/shm", &fsinfo); err != nil || fsinfo.Type != unix.TMPFS_MAGIC {
		t.Fatalf("/dev/shm must be a tmpfs for the overlay's upper layer (statfs: %v, type %#x)", err, fsinfo.Type)
	}
	base, err := os.MkdirTemp("/dev/shm", "qvd-ha-rpm-test.")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(base); err != nil {
			t.Errorf("removing the overlay: %v", err)
		}
	})
	// qvd-ha-rpms in the upper layer is the mountpoint for the packages.
	for _, d := range []string{"upper/qvd-ha-rpms", "work", "merged", "rpms"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &overlay{base: base}
}

// add puts a package where commands in the overlay find it, and returns
// that path.
func (o *overlay) add(t *testing.T, rpm string) string {
	t.Helper()
	data, err := os.ReadFile(rpm)
	if err == nil {
		err = os.WriteFile(filepath.Join(o.base, "rpms", filepath.Base(rpm)), data, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	return "/qvd-ha-rpms/" + filepath.Base(rpm)
}

// run runs a command in the overlay and returns its output.
func (o *overlay) run(args ...string) ([]byte, error) {
	cmd := exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "--",
		"sh", "-c", overlayScript, "sh", o.base}, args...)...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	return cmd.CombinedOutput()
}

// node is what a snapshot records of one entry of the upper layer:
// a whiteout (a file or directory deleted in the overlay) is a character
// device 0:0 there.
type node struct {
	mode     fs.FileMode
	rdev     uint64
	uid, gid uint32
	size     int64
}

func (n node) String() string {
	return fmt.Sprintf("%v %d:%d rdev %#x size %d", n.mode, n.uid, n.gid, n.rdev, n.size)
}

func (o *overlay) snapshot(t *testing.T) map[string]node {
	t.Helper()
	upper := filepath.Join(o.base, "upper")
	nodes := map[string]node{}
	err := filepath.WalkDir(upper, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == upper {
			return err
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		n := node{mode: fi.Mode(), rdev: st.Rdev, uid: st.Uid, gid: st.Gid}
		if fi.Mode().IsRegular() {
			n.size = fi.Size()
		}
		nodes[strings.TrimPrefix(path, upper)] = n
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return nodes
}
