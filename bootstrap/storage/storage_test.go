//go:build root

package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// fake is a node as the commands see it: a disk, its signatures, mounts
// and a DRBD resource with a peer that connects after a few looks.
type fake struct {
	t        *testing.T
	calls    []string
	wipefs   string            // what wipefs lists on the disk
	llDev    string            // the backing disk the resource file names
	mountsAt map[string]string // mount point -> source
	mountsOf map[string]string // device -> mount point
	fail     map[string]error  // command line prefix -> its error

	up        bool
	role      string
	peerAfter int  // looks at the state before the peer connects; < 0: never
	peerData  bool // the peer is UpToDate: the sync was forced there
	syncLooks int  // looks at the state the sync takes
	forcedAt  int  // looks when primary --force ran; 0: not forced
	looks     int
	// onUmount runs when the temporary mount point is unmounted, with the
	// filesystem's root as storage-init left it.
	onUmount func(dir string)
}

func newFake(t *testing.T) *fake {
	return &fake{t: t, llDev: "/dev/sdb", mountsAt: map[string]string{}, mountsOf: map[string]string{},
		fail: map[string]error{}, role: "Secondary", peerAfter: 2, syncLooks: 4}
}

func (f *fake) Run(_ context.Context, c runner.Cmd) (runner.Result, error) {
	line := c.String()
	f.calls = append(f.calls, line)
	for prefix, err := range f.fail {
		if strings.HasPrefix(line, prefix) {
			return runner.Result{ExitCode: 1}, err
		}
	}
	out := func(s string) (runner.Result, error) { return runner.Result{Stdout: []byte(s)}, nil }
	switch c.Path {
	case "blockdev":
		return out("356515840\n")
	case "wipefs":
		return out(f.wipefs)
	case "findmnt":
		by, what := c.Args[len(c.Args)-2], c.Args[len(c.Args)-1]
		m := f.mountsOf
		if by == "--mountpoint" {
			m = f.mountsAt
		}
		if v, ok := m[what]; ok {
			return out(v + "\n")
		}
		return runner.Result{ExitCode: 1}, &runner.ExitError{Cmd: "findmnt", Code: 1}
	case "drbdsetup":
		return f.status()
	case "umount":
		if f.onUmount != nil {
			f.onUmount(c.Args[0])
		}
	case "drbdadm":
		switch c.Args[0] {
		case "sh-ll-dev":
			return out(f.llDev + "\n")
		case "sh-dev":
			return out("/dev/drbd0\n")
		case "up":
			f.up = true
		case "down":
			f.up = false
		case "primary":
			f.role, f.forcedAt = "Primary", f.looks
		case "secondary":
			f.role = "Secondary"
		}
	}
	return runner.Result{}, nil
}

// status prints what drbdsetup-84 would, one look further on each call.
func (f *fake) status() (runner.Result, error) {
	if !f.up {
		return runner.Result{ExitCode: 10}, &runner.ExitError{Cmd: "drbdsetup", Code: 10, Stderr: "postgres: No such resource"}
	}
	f.looks++
	var b strings.Builder
	disk, peerDisk, repl := "Inconsistent", "Inconsistent", "Established"
	if f.peerData {
		peerDisk = "UpToDate"
	}
	fmt.Fprintf(&b, "postgres role:%s suspended:no\n", f.role)
	if f.forcedAt > 0 {
		disk = "UpToDate"
	}
	fmt.Fprintf(&b, "  volume:0 minor:0 disk:%s\n", disk)
	if f.peerAfter < 0 || f.looks <= f.peerAfter {
		b.WriteString("  peer connection:Connecting\n")
		return runner.Result{Stdout: []byte(b.String())}, nil
	}
	b.WriteString("  peer connection:Connected role:Secondary congested:no\n")
	stats := "out-of-sync:0"
	if f.forcedAt > 0 {
		if n := f.looks - f.forcedAt; n < f.syncLooks {
			done := float64(n) / float64(f.syncLooks)
			repl = fmt.Sprintf("SyncSource peer-disk:Inconsistent done:%.2f", 100*done)
			stats = fmt.Sprintf("out-of-sync:%d", int(348112*(1-done)))
		} else {
			peerDisk = "UpToDate"
		}
	}
	if !strings.Contains(repl, "peer-disk") {
		repl += " peer-disk:" + peerDisk
	}
	fmt.Fprintf(&b, "    volume:0 replication:%s resync-suspended:no\n        received:0 sent:0 %s\n", repl, stats)
	return runner.Result{Stdout: []byte(b.String())}, nil
}

// changes are the commands that write something, with the temporary
// mount point as TMP.
func (f *fake) changes() []string {
	tmp := regexp.MustCompile(`\S*/qvd-ha-storage-init-\S*`)
	var out []string
	for _, c := range f.calls {
		fields := strings.Fields(c)
		switch {
		case fields[0] == "drbdadm" && slices.Contains([]string{"create-md", "up", "down", "primary", "secondary"}, fields[1]),
			strings.HasPrefix(fields[0], "mkfs."), fields[0] == "mount", fields[0] == "umount", fields[0] == "cp":
			out = append(out, tmp.ReplaceAllString(c, "TMP"))
		}
	}
	return out
}

func (f *fake) called(prefix string) bool {
	return slices.ContainsFunc(f.calls, func(c string) bool { return strings.HasPrefix(c, prefix) })
}

// The data directory's owner and mode: PostgreSQL's on SLES.
const (
	pgUID, pgGID = 4026, 4026 // no name on the test machine
	pgMode       = 0o700
)

// node is a Spec for qvddb1 (the preferred node when source) with its
// data directory under a temporary root.
func node(t *testing.T, kind string, source bool) Spec {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	s := Spec{Kind: kind, Node: "qvddb1", Peer: "qvddb2", Source: source, Resource: "postgres",
		Device: "/dev/drbd0", Disk: "/dev/sdb", FSType: "xfs", Dir: dir, PGData: dir}
	if kind == config.StorageShared {
		s.Resource, s.Device, s.Disk = "", "/dev/mapper/san", "/dev/mapper/san"
	}
	// The temporary mount points go where the test can see them.
	t.Setenv("TMPDIR", t.TempDir())
	return s
}

// makeDataDir creates dir as PostgreSQL's data directory with a few files.
func makeDataDir(t *testing.T, dir string) {
	t.Helper()
	mustMkdir(t, dir)
	write(t, filepath.Join(dir, "PG_VERSION"), "16\n")
	mustMkdir(t, filepath.Join(dir, "base"))
}

func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.Mkdir(dir, pgMode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, pgUID, pgGID); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, pgMode); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// expectMovedAside fails unless dir is empty with the data's owner and
// mode, and dir.orig holds the data.
func expectMovedAside(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Errorf("%s: %v, %v; want an empty directory", dir, entries, err)
	}
	expectOwnerMode(t, dir, pgMode)
	if data, err := os.ReadFile(filepath.Join(dir+".orig", "PG_VERSION")); err != nil || string(data) != "16\n" {
		t.Errorf("%s.orig/PG_VERSION: %q, %v", dir, data, err)
	}
}

func expectOwnerMode(t *testing.T, name string, mode os.FileMode) {
	t.Helper()
	st, err := os.Stat(name)
	if err != nil {
		t.Error(err)
		return
	}
	sys := st.Sys().(*syscall.Stat_t)
	if sys.Uid != pgUID || sys.Gid != pgGID || st.Mode().Perm() != mode {
		t.Errorf("%s: %d:%d %04o, want %d:%d %04o", name, sys.Uid, sys.Gid, st.Mode().Perm(), pgUID, pgGID, mode)
	}
}

func run(t *testing.T, f *fake, s Spec, o Options) (string, bool, error) {
	t.Helper()
	if o.Poll == 0 {
		o.Poll = time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	pending, err := Run(ctx, f, &out, s, o)
	t.Logf("output:\n%s", out.String())
	return out.String(), pending, err
}

// TestRunSequences: what each role runs, in order, and where the data
// ends up.
func TestRunSequences(t *testing.T) {
	for _, tc := range []struct {
		name   string
		kind   string
		source bool
		force  bool
		setup  func(f *fake, s *Spec)
		want   []string // with DIR for the data directory
		output []string
	}{
		{
			name: "drbd, preferred node", kind: config.StorageDRBD, source: true,
			want: []string{"drbdadm create-md postgres", "drbdadm up postgres", "drbdadm primary --force postgres",
				"mkfs.xfs -K /dev/drbd0", "mount -t xfs /dev/drbd0 TMP", "cp --archive --preserve=xattr DIR.orig/. TMP",
				"umount TMP", "drbdadm secondary postgres"},
			output: []string{"waiting for qvddb2: Secondary Inconsistent, Connecting", "sync qvddb1 -> qvddb2: 25.0% done",
				"initial sync done: Secondary UpToDate, Established, peer Secondary UpToDate", "ready for Pacemaker"},
		},
		{
			name: "drbd, other node", kind: config.StorageDRBD,
			want:   []string{"drbdadm create-md postgres", "drbdadm up postgres"},
			output: []string{"Next: storage-init --yes on qvddb2 (preferred_node)"},
		},
		{
			name: "drbd, ext4", kind: config.StorageDRBD, source: true,
			setup: func(_ *fake, s *Spec) { s.FSType = "ext4" },
			want: []string{"drbdadm create-md postgres", "drbdadm up postgres", "drbdadm primary --force postgres",
				"mkfs.ext4 -E nodiscard /dev/drbd0", "mount -t ext4 /dev/drbd0 TMP", "cp --archive --preserve=xattr DIR.orig/. TMP",
				"umount TMP", "drbdadm secondary postgres"},
		},
		{
			name: "drbd, --force over a filesystem", kind: config.StorageDRBD, source: true, force: true,
			setup: func(f *fake, _ *Spec) { f.wipefs = "xfs 0x0\n" },
			want: []string{"drbdadm create-md --force postgres", "drbdadm up postgres", "drbdadm primary --force postgres",
				"mkfs.xfs -f -K /dev/drbd0", "mount -t xfs /dev/drbd0 TMP", "cp --archive --preserve=xattr DIR.orig/. TMP",
				"umount TMP", "drbdadm secondary postgres"},
			output: []string{"--force: /dev/sdb carries xfs (at offset 0x0), which will be destroyed"},
		},
		{
			name: "drbd, --force with the resource up", kind: config.StorageDRBD, force: true,
			setup: func(f *fake, _ *Spec) { f.wipefs, f.up = "drbd 0x153ff03c\n", true },
			want:  []string{"drbdadm down postgres", "drbdadm create-md --force postgres", "drbdadm up postgres"},
		},
		{
			name: "drbd, data moved aside by an earlier run", kind: config.StorageDRBD, source: true,
			setup: func(f *fake, s *Spec) {
				if err := os.Rename(s.Dir, s.Dir+".orig"); err != nil {
					f.t.Fatal(err)
				}
			},
			want: []string{"drbdadm create-md postgres", "drbdadm up postgres", "drbdadm primary --force postgres",
				"mkfs.xfs -K /dev/drbd0", "mount -t xfs /dev/drbd0 TMP", "cp --archive --preserve=xattr DIR.orig/. TMP",
				"umount TMP", "drbdadm secondary postgres"},
			output: []string{"create an empty DIR (4026:4026 (4026:4026), mode 0700) as the mount point; DIR.orig holds the data already"},
		},
		{
			name: "shared, preferred node", kind: config.StorageShared, source: true,
			want: []string{"mkfs.xfs /dev/mapper/san", "mount -t xfs /dev/mapper/san TMP",
				"cp --archive --preserve=xattr DIR.orig/. TMP", "umount TMP"},
			output: []string{"Do not mount /dev/mapper/san on both nodes at once"},
		},
		{
			name: "shared, other node, device already made", kind: config.StorageShared,
			setup:  func(f *fake, _ *Spec) { f.wipefs = "xfs 0x0\n" },
			output: []string{"qvddb2 (preferred_node) makes the filesystem"},
		},
		{
			name: "stale postmaster.pid", kind: config.StorageShared, source: true,
			setup: func(f *fake, s *Spec) {
				cmd := exec.Command("true")
				if err := cmd.Run(); err != nil {
					f.t.Fatal(err)
				}
				write(f.t, filepath.Join(s.Dir, "postmaster.pid"), strconv.Itoa(cmd.Process.Pid)+"\n"+s.Dir+"\n")
			},
			want: []string{"mkfs.xfs /dev/mapper/san", "mount -t xfs /dev/mapper/san TMP",
				"cp --archive --preserve=xattr DIR.orig/. TMP", "umount TMP"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := node(t, tc.kind, tc.source)
			makeDataDir(t, s.Dir)
			f := newFake(t)
			if tc.setup != nil {
				tc.setup(f, &s)
			}
			var rootChecked bool
			f.onUmount = func(root string) {
				expectOwnerMode(t, root, 0o700)
				rootChecked = true
			}
			out, pending, err := run(t, f, s, Options{Act: true, Force: tc.force})
			if err != nil {
				t.Fatal(err)
			}
			if pending {
				t.Error("pending after a run with Act")
			}
			want := make([]string, len(tc.want))
			for i, w := range tc.want {
				want[i] = strings.ReplaceAll(w, "DIR", s.Dir)
			}
			if got := f.changes(); !slices.Equal(got, want) {
				t.Errorf("commands that change something:\n got %q\nwant %q", got, want)
			}
			for _, o := range tc.output {
				if o = strings.ReplaceAll(o, "DIR", s.Dir); !strings.Contains(out, o) {
					t.Errorf("output lacks %q", o)
				}
			}
			expectMovedAside(t, s.Dir)
			if tc.source != rootChecked {
				t.Errorf("filesystem root checked before umount: %v, want %v", rootChecked, tc.source)
			}
			if tc.kind == config.StorageShared && !tc.source && f.called("wipefs") {
				t.Error("the node that does not make the filesystem probed the shared device")
			}
			if left, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "qvd-ha-storage-init-*")); len(left) > 0 {
				t.Errorf("temporary mount points left: %v", left)
			}
		})
	}
}

// TestRunRefuses: each refusal says why and changes nothing.
func TestRunRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		kind    string
		source  bool
		setup   func(f *fake, s *Spec)
		timeout time.Duration
		msg     string
		changes []string // the changes made before the refusal
	}{
		{name: "filesystem on the disk", kind: config.StorageDRBD, source: true,
			setup: func(f *fake, _ *Spec) { f.wipefs = "xfs 0x0\n" },
			msg:   "refused: /dev/sdb already carries xfs (at offset 0x0); it may hold data, so nothing was changed (--force"},
		{name: "DRBD metadata at the end of the disk", kind: config.StorageDRBD,
			setup: func(f *fake, _ *Spec) { f.wipefs = "drbd 0x153ff03c\n" },
			msg:   "refused: /dev/sdb already carries DRBD metadata (at offset 0x153ff03c)"},
		{name: "partition table on the shared device", kind: config.StorageShared, source: true,
			setup: func(f *fake, _ *Spec) { f.wipefs = "gpt 0x200\nPMBR 0x1fe\n" },
			msg:   "refused: /dev/mapper/san already carries gpt (at offset 0x200) and PMBR (at offset 0x1fe)"},
		{name: "PostgreSQL running", kind: config.StorageDRBD,
			setup: func(f *fake, s *Spec) {
				write(f.t, filepath.Join(s.Dir, "postmaster.pid"), strconv.Itoa(os.Getpid())+"\n"+s.Dir+"\n")
			},
			msg: fmt.Sprintf("refused: PostgreSQL is running on DIR (pid %d in its postmaster.pid): stop it first", os.Getpid())},
		{name: "data directory already a mount point", kind: config.StorageShared,
			setup: func(f *fake, s *Spec) { f.mountsAt[s.Dir] = "/dev/sdc" },
			msg:   "refused: DIR is a mount point (of /dev/sdc) already"},
		{name: "disk mounted", kind: config.StorageDRBD,
			setup: func(f *fake, _ *Spec) { f.mountsOf["/dev/sdb"] = "/srv" },
			msg:   "refused: /dev/sdb is mounted on /srv"},
		{name: "DRBD device mounted", kind: config.StorageDRBD, source: true,
			setup: func(f *fake, _ *Spec) { f.mountsOf["/dev/drbd0"] = "/mnt" },
			msg:   "refused: /dev/drbd0 is mounted on /mnt"},
		{name: "resource file names another disk", kind: config.StorageDRBD,
			setup: func(f *fake, _ *Spec) { f.llDev = "/dev/sdc" },
			msg:   "DRBD resource postgres uses /dev/sdc on qvddb1, the configuration's drbd.disk is /dev/sdb"},
		{name: "resource not configured", kind: config.StorageDRBD,
			setup: func(f *fake, _ *Spec) {
				f.fail["drbdadm sh-ll-dev"] = &runner.ExitError{Cmd: "drbdadm", Code: 10, Stderr: "'postgres' not defined in your config (for this host)."}
			},
			msg: "DRBD resource postgres is not configured for qvddb1 (write it with qvd-ha-bootstrap drbd on both nodes)"},
		{name: "not a block device", kind: config.StorageShared, source: true,
			setup: func(f *fake, _ *Spec) {
				f.fail["blockdev"] = &runner.ExitError{Cmd: "blockdev", Code: 1, Stderr: "blockdev: cannot open /dev/mapper/san: No such file or directory"}
			},
			msg: "/dev/mapper/san is not a usable block device on qvddb1"},
		{name: "no data directory", kind: config.StorageDRBD,
			setup: func(f *fake, s *Spec) {
				if err := os.RemoveAll(s.Dir); err != nil {
					f.t.Fatal(err)
				}
			},
			msg: "refused: DIR does not exist, so there is nothing to move"},
		{name: "data in both the directory and .orig", kind: config.StorageDRBD, source: true,
			setup: func(f *fake, s *Spec) {
				mustMkdir(f.t, s.Dir+".orig")
				write(f.t, filepath.Join(s.Dir+".orig", "PG_VERSION"), "15\n")
			},
			msg: "refused: both DIR and DIR.orig hold data"},
		{name: "data directory is a file", kind: config.StorageDRBD,
			setup: func(f *fake, s *Spec) {
				if err := os.RemoveAll(s.Dir); err != nil {
					f.t.Fatal(err)
				}
				write(f.t, s.Dir, "")
			},
			msg: "refused: DIR is not a directory"},
		{name: "peer holds data", kind: config.StorageDRBD, source: true,
			setup:   func(f *fake, _ *Spec) { f.peerData = true },
			msg:     "refused: qvddb2 holds data of its own (Secondary Inconsistent, Established, peer Secondary UpToDate): the initial sync was forced there",
			changes: []string{"drbdadm create-md postgres", "drbdadm up postgres"}},
		{name: "peer never connects", kind: config.StorageDRBD, source: true, timeout: 200 * time.Millisecond,
			setup:   func(f *fake, _ *Spec) { f.peerAfter = -1 },
			msg:     "only the DRBD metadata was written: run storage-init --yes --force again once qvddb2 is ready",
			changes: []string{"drbdadm create-md postgres", "drbdadm up postgres"}},
		{name: "create-md refuses to overwrite", kind: config.StorageDRBD,
			setup: func(f *fake, _ *Spec) {
				f.fail["drbdadm create-md"] = &runner.ExitError{Cmd: "drbdadm", Code: 1, Stderr: "stdin not a TTY, not waiting for confirmation"}
			},
			msg:     "create the DRBD metadata: drbdadm exited with status 1: stdin not a TTY",
			changes: []string{"drbdadm create-md postgres"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := node(t, tc.kind, tc.source)
			makeDataDir(t, s.Dir)
			f := newFake(t)
			tc.setup(f, &s)
			var before []string
			if entries, err := os.ReadDir(s.Dir); err == nil {
				for _, e := range entries {
					before = append(before, e.Name())
				}
			}
			o := Options{Act: true, Poll: time.Millisecond}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if tc.timeout > 0 {
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			var out bytes.Buffer
			_, err := Run(ctx, f, &out, s, o)
			msg := strings.ReplaceAll(tc.msg, "DIR", s.Dir)
			if err == nil || !strings.Contains(err.Error(), msg) {
				t.Fatalf("error %v, want one containing %q\noutput:\n%s", err, msg, out.String())
			}
			if got := f.changes(); !slices.Equal(got, tc.changes) {
				t.Errorf("changes before the refusal: %q, want %q", got, tc.changes)
			}
			var after []string
			if entries, err := os.ReadDir(s.Dir); err == nil {
				for _, e := range entries {
					after = append(after, e.Name())
				}
			}
			if !slices.Equal(before, after) {
				t.Errorf("the data directory changed: %v, then %v", before, after)
			}
		})
	}
}

// TestRunFailureAfterPromotion: a failure once the sync was forced leaves
// the resource Secondary, nothing mounted, and says how to go on.
func TestRunFailureAfterPromotion(t *testing.T) {
	for _, tc := range []struct {
		fail string
		want []string
	}{
		{"mkfs.xfs", []string{"drbdadm create-md postgres", "drbdadm up postgres", "drbdadm primary --force postgres",
			"mkfs.xfs -K /dev/drbd0", "drbdadm secondary postgres"}},
		{"cp", []string{"drbdadm create-md postgres", "drbdadm up postgres", "drbdadm primary --force postgres",
			"mkfs.xfs -K /dev/drbd0", "mount -t xfs /dev/drbd0 TMP", "cp --archive --preserve=xattr DIR.orig/. TMP",
			"umount TMP", "drbdadm secondary postgres"}},
	} {
		t.Run(tc.fail, func(t *testing.T) {
			s := node(t, config.StorageDRBD, true)
			makeDataDir(t, s.Dir)
			f := newFake(t)
			f.fail[tc.fail] = &runner.ExitError{Cmd: tc.fail, Code: 1, Stderr: "No space left on device"}
			_, _, err := run(t, f, s, Options{Act: true})
			if err == nil || !strings.Contains(err.Error(), "keeps the old data: fix the cause and run storage-init --yes --force again") {
				t.Fatalf("error %v", err)
			}
			want := make([]string, len(tc.want))
			for i, w := range tc.want {
				want[i] = strings.ReplaceAll(w, "DIR", s.Dir)
			}
			if got := f.changes(); !slices.Equal(got, want) {
				t.Errorf("commands:\n got %q\nwant %q", got, want)
			}
			if left, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "qvd-ha-storage-init-*")); len(left) > 0 {
				t.Errorf("temporary mount points left: %v", left)
			}
		})
	}
}

// TestRunAgain: a node initialised before is reported, and nothing
// changes; with Act, a sync still running is followed.
func TestRunAgain(t *testing.T) {
	for _, tc := range []struct {
		name     string
		kind     string
		source   bool
		setup    func(f *fake)
		output   []string
		followed []string // with Act only
	}{
		{name: "drbd, synced", kind: config.StorageDRBD, source: true,
			setup: func(f *fake) {
				f.wipefs, f.up, f.forcedAt, f.looks, f.peerAfter = "xfs 0x0\ndrbd 0x153ff03c\n", true, 1, 10, 0
			},
			output: []string{"/dev/sdb already carries xfs (at offset 0x0) and DRBD metadata (at offset 0x153ff03c) and the old data is in DIR.orig: this node was initialised before, nothing was changed",
				"DRBD resource postgres: Secondary UpToDate, Established, peer Secondary UpToDate"}},
		{name: "drbd, sync running", kind: config.StorageDRBD,
			setup: func(f *fake) {
				f.wipefs, f.up, f.forcedAt, f.peerAfter = "drbd 0x153ff03c\n", true, 1, 0
			},
			output:   []string{"DRBD resource postgres: Secondary UpToDate, SyncSource, peer Secondary Inconsistent"},
			followed: []string{"sync qvddb1 -> qvddb2: ", "initial sync done"}},
		{name: "drbd, down", kind: config.StorageDRBD,
			setup:  func(f *fake) { f.wipefs = "drbd 0x153ff03c\n" },
			output: []string{"DRBD resource postgres: down"}},
		{name: "shared, preferred node", kind: config.StorageShared, source: true,
			setup:  func(f *fake) { f.wipefs = "xfs 0x0\n" },
			output: []string{"this node was initialised before, nothing was changed"}},
		{name: "shared, other node", kind: config.StorageShared,
			output: []string{"DIR was moved aside to DIR.orig before and DIR is the mount point: nothing to do on this node"}},
	} {
		for _, act := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, act %v", tc.name, act), func(t *testing.T) {
				s := node(t, tc.kind, tc.source)
				makeDataDir(t, s.Dir+".orig")
				mustMkdir(t, s.Dir)
				f := newFake(t)
				if tc.setup != nil {
					tc.setup(f)
				}
				out, pending, err := run(t, f, s, Options{Act: act})
				if err != nil {
					t.Fatal(err)
				}
				if pending {
					t.Error("pending: something would be done")
				}
				want := tc.output
				if act {
					want = append(want, tc.followed...)
				}
				for _, o := range want {
					if o = strings.ReplaceAll(o, "DIR", s.Dir); !strings.Contains(out, o) {
						t.Errorf("output lacks %q", o)
					}
				}
				if c := f.changes(); len(c) > 0 {
					t.Errorf("changed: %q", c)
				}
				expectMovedAside(t, s.Dir)
			})
		}
	}
}

// TestRunDryRun: without Act every check runs, nothing changes, and the
// plan is printed.
func TestRunDryRun(t *testing.T) {
	for _, tc := range []struct {
		kind   string
		source bool
		want   []string
	}{
		{config.StorageDRBD, true, []string{"would: drbdadm create-md postgres", "would: drbdadm up postgres",
			"would: wait for qvddb2 to connect", "would: drbdadm primary --force postgres", "would: mkfs.xfs -K /dev/drbd0",
			"would: rename DIR to DIR.orig, create an empty DIR (4026:4026 (4026:4026), mode 0700) as the mount point",
			"would: mount /dev/drbd0 on a temporary directory, copy DIR.orig onto it", "would: drbdadm secondary postgres",
			"would: wait for the initial sync to qvddb2 to finish"}},
		{config.StorageDRBD, false, []string{"would: drbdadm create-md postgres", "would: drbdadm up postgres", "would: rename DIR"}},
		{config.StorageShared, true, []string{"would: mkfs.xfs /dev/mapper/san", "would: rename DIR",
			"would: mount /dev/mapper/san on a temporary directory"}},
		{config.StorageShared, false, []string{"would: rename DIR"}},
	} {
		t.Run(fmt.Sprintf("%s source %v", tc.kind, tc.source), func(t *testing.T) {
			s := node(t, tc.kind, tc.source)
			makeDataDir(t, s.Dir)
			f := newFake(t)
			out, pending, err := run(t, f, s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !pending {
				t.Error("not pending")
			}
			for _, w := range tc.want {
				if w = strings.ReplaceAll(w, "DIR", s.Dir); !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			if c := f.changes(); len(c) > 0 {
				t.Errorf("changed: %q", c)
			}
			if _, err := os.Stat(s.Dir + ".orig"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s.orig: %v; want none", s.Dir, err)
			}
			if data, err := os.ReadFile(filepath.Join(s.Dir, "PG_VERSION")); err != nil || string(data) != "16\n" {
				t.Errorf("data directory changed: %q, %v", data, err)
			}
		})
	}
}
