//go:build root

package drbd

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/test/gobuild"
	"github.com/qvd-ha/qvd-ha/test/guest"
)

// bootstrapConf is qvd-ha-bootstrap's configuration for the pair: the
// replication link of guest.Pair as the crossover link, the guests' data
// disk, the resource named like the other tests' (their helpers then
// apply), the rest the defaults.
const bootstrapConf = `cluster.name = qvdtest
node1.name = node1
node1.lan_addr = 198.51.100.1
node1.cross_addr = 192.0.2.1
node1.fence_target = node1
node2.name = node2
node2.lan_addr = 198.51.100.2
node2.cross_addr = 192.0.2.2
node2.fence_target = node2
preferred_node = node1
storage = drbd
drbd.resource = r0
drbd.device = /dev/drbd0
drbd.disk = /dev/vdb
fs.type = xfs
fs.directory = /var/lib/pgsql/data
pgsql.pgdata = /var/lib/pgsql/data
`

// Where the guests keep the tool, its configuration and the data.
const (
	bootstrapBin  = "/usr/sbin/qvd-ha-bootstrap"
	bootstrapFile = "/etc/qvd-ha/bootstrap.conf"
	pgdata        = "/var/lib/pgsql/data"
)

// fakePGData makes a PostgreSQL-like data directory: files of PostgreSQL's
// owner (26 on SLES) and of root, several modes, a hard and a symbolic
// link, and a postgresql.conf naming the node it came from.
const fakePGData = `set -e
d=` + pgdata + `
mkdir -p $d/base/1 $d/global
echo 16 >$d/PG_VERSION
echo "# from $(hostname)" >$d/postgresql.conf
head -c 3M /dev/urandom >$d/base/1/1259
echo control >$d/global/pg_control
ln $d/global/pg_control $d/global/pg_control.hardlink
ln -s /var/log/pgsql $d/log
chown -R 26:26 $d
chmod 0700 $d $d/base $d/base/1 $d/global
chmod 0600 $d/PG_VERSION $d/base/1/1259 $d/global/pg_control
chmod 0640 $d/postgresql.conf
echo root >$d/root-owned
chmod 0444 $d/root-owned
`

// listing describes every file under a directory (owner, mode, type, link
// count, symlink target) and the content of the regular ones.
func listing(dir string) string {
	return "cd " + dir + " && find . -printf '%p %U:%G %m %y %n %l\\n' | sort && " +
		"find . -type f -print0 | sort -z | xargs -0 sha256sum"
}

// buildBootstrap builds qvd-ha-bootstrap statically for the guests.
func buildBootstrap(t testing.TB) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "qvd-ha-bootstrap")
	if err := gobuild.Static(context.Background(), gobuild.Module+"/bootstrap", out); err != nil {
		t.Fatal(err)
	}
	return out
}

// storageInit runs qvd-ha-bootstrap storage-init on n with extra flags.
func (n *node) storageInit(timeout time.Duration, extra ...string) guest.Result {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(n.ctx, timeout)
	defer cancel()
	cmd := strings.Join(append([]string{bootstrapBin, "-c", bootstrapFile, "storage-init"}, extra...), " ")
	begin := time.Now()
	r, err := n.Run(ctx, cmd)
	if err != nil {
		n.t.Fatalf("%s: %s: %v", n.Name, cmd, err)
	}
	n.t.Logf("%s: %s: exit %d in %s\nstdout:\n%sstderr:\n%s", n.Name, cmd, r.ExitCode,
		time.Since(begin).Round(100*time.Millisecond), r.Stdout, r.Stderr)
	return r
}

// TestStorageInit runs storage-init on a DRBD 8.4 pair as the runbook's
// sections 6-7 would be done: node2 first (metadata, up, data directory
// aside), then node1, the preferred node (forced initial sync, XFS, its
// data moved onto it). The data must arrive on both disks, both nodes keep
// their old data aside, and running it again changes nothing.
func TestStorageInit(t *testing.T) {
	begin := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	bin := buildBootstrap(t)
	img := guest.EnsureImage(t)
	opts, err := guest.Pair(guest.Link{ID: "repl", Net: "192.0.2"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range opts {
		opts[i].DataDiskMiB = 340 // mkfs.xfs refuses filesystems under 300 MB
	}
	gs := guest.StartAll(t, img, opts...)
	n1, n2 := &node{gs[0], t, ctx}, &node{gs[1], t, ctx}
	both := []*node{n1, n2}
	t.Cleanup(func() { dumpOnFailure(t, both) })

	orig := map[*node]string{}
	for _, n := range both {
		n.must("mkdir -p " + filepath.Dir(bootstrapFile))
		if err := n.CopyIn(ctx, bin, bootstrapBin, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := n.WriteFile(ctx, bootstrapFile, []byte(bootstrapConf), 0o600); err != nil {
			t.Fatal(err)
		}
		// Debian's /etc/drbd.conf includes /etc/drbd.d/*.res.
		n.must(bootstrapBin + " -q -c " + bootstrapFile + " drbd")
		n.must(fakePGData)
		orig[n] = n.must(listing(pgdata))
	}

	// Without --yes: the plan, nothing done.
	r := n1.storageInit(time.Minute)
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "would: drbdadm primary --force r0") ||
		!strings.Contains(r.Stdout, "would: mkfs.xfs -K /dev/drbd0") {
		t.Fatalf("node1 without --yes: exit %d", r.ExitCode)
	}
	if got := n1.must("wipefs --noheadings --output TYPE /dev/vdb"); got != "" {
		t.Fatalf("node1 without --yes wrote to /dev/vdb: %q", got)
	}

	// node2 prepares and returns at once; node1 waits for nothing.
	r = n2.storageInit(2*time.Minute, "--yes")
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "Next: storage-init --yes on node1 (preferred_node)") {
		t.Fatalf("node2: exit %d", r.ExitCode)
	}
	syncStart := time.Now()
	r = n1.storageInit(15*time.Minute, "--yes", "--progress", "2s", "--timeout", "12m")
	if r.ExitCode != 0 {
		t.Fatalf("node1: exit %d", r.ExitCode)
	}
	progress := strings.Count(r.Stdout, "sync node1 -> node2: ")
	if progress == 0 || !strings.Contains(r.Stdout, "initial sync done") {
		t.Errorf("node1 showed %d progress lines and no end of the sync", progress)
	}
	t.Logf("node1: the initial sync and the copy took %s, %d progress lines", time.Since(syncStart).Round(time.Second), progress)
	for _, n := range both {
		n.expect("Secondary/Secondary", "Connected", "UpToDate/UpToDate")
		// The old data aside, an empty mount point with its owner and mode.
		if got := n.must(listing(pgdata + ".orig")); got != orig[n] {
			t.Errorf("%s: %s.orig differs from the data directory it was:\n%s\nwant:\n%s", n.Name, pgdata, got, orig[n])
		}
		if got := n.must("ls -A " + pgdata + "; stat -c '%u:%g %a' " + pgdata); got != "26:26 700\n" {
			t.Errorf("%s: mount point %s: %q, want empty, 26:26 700", n.Name, pgdata, got)
		}
	}

	// node1's data is on the XFS filesystem of /dev/drbd0, on both disks:
	// read back on node1, then on node2.
	readBack := func(n *node) {
		t.Helper()
		n.must("drbdadm primary r0 && mkdir -p /mnt/pg && mount /dev/drbd0 /mnt/pg")
		if got := n.must("stat -f -c %T /mnt/pg; stat -c '%u:%g %a' /mnt/pg"); got != "xfs\n26:26 700\n" {
			t.Errorf("%s: /dev/drbd0: %q, want xfs with its root 26:26 700", n.Name, got)
		}
		if got := n.must(listing("/mnt/pg")); got != orig[n1] {
			t.Errorf("%s: the filesystem on /dev/drbd0 holds:\n%s\nwant node1's data directory:\n%s", n.Name, got, orig[n1])
		}
		n.must("umount /mnt/pg && drbdadm secondary r0")
	}
	readBack(n1)
	n2.waitState("peer Secondary", 30*time.Second, is("Secondary/Secondary", "Connected", "UpToDate/UpToDate"))
	readBack(n2)
	n1.waitState("peer Secondary", 30*time.Second, is("Secondary/Secondary", "Connected", "UpToDate/UpToDate"))

	// Again on both: initialised, nothing changed.
	uuid := n1.must("wipefs --noheadings --output TYPE,UUID /dev/vdb")
	for _, n := range both {
		r := n.storageInit(2*time.Minute, "--yes")
		if r.ExitCode != 0 || !strings.Contains(r.Stdout, "this node was initialised before, nothing was changed (--force") {
			t.Errorf("%s: second run: exit %d", n.Name, r.ExitCode)
		}
		n.expect("Secondary/Secondary", "Connected", "UpToDate/UpToDate")
	}
	if got := n1.must("wipefs --noheadings --output TYPE,UUID /dev/vdb"); got != uuid {
		t.Errorf("the second runs changed /dev/vdb: %q, then %q", uuid, got)
	}

	// A data directory in place again over a disk with DRBD metadata:
	// refused, nothing changed, --force needed.
	n2.must("rmdir " + pgdata + " && mv " + pgdata + ".orig " + pgdata)
	r = n2.storageInit(2*time.Minute, "--yes")
	if r.ExitCode != 1 || !strings.Contains(r.Stderr, "refused: /dev/vdb already carries") ||
		!strings.Contains(r.Stderr, "DRBD metadata") || !strings.Contains(r.Stderr, "--force") {
		t.Errorf("node2 with its data directory back: exit %d, want 1 and the refusal", r.ExitCode)
	}
	n2.expect("Secondary/Secondary", "Connected", "UpToDate/UpToDate")
	if got := n2.must(listing(pgdata)); got != orig[n2] {
		t.Errorf("node2: the refused run changed %s", pgdata)
	}
	t.Logf("storage-init on DRBD 8.4 took %s (build, boot, both nodes, sync, checks)", time.Since(begin).Round(time.Second))
}
