package maintenance

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/remote"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// fakeNode answers the backup's commands as the node running g_postgres
// does. Its ssh runs the remote script with this machine's sh, in peerDir
// instead of the backup directory: the peer's side of the copy and of the
// pruning is the real shell script.
type fakeNode struct {
	t            *testing.T
	dir, peerDir string
	sshErr       error // returned by every ssh call instead of running it
	// streamed counts the ssh calls given input and notStreamed those whose
	// input was not an *os.File (which os/exec hands to ssh as its
	// descriptor: the content never passes through this process).
	streamed, notStreamed int
}

func (f *fakeNode) Run(ctx context.Context, c runner.Cmd) (runner.Result, error) {
	switch filepath.Base(c.Path) {
	case "crm_resource":
		return runner.Result{Stdout: []byte(`<pacemaker-result api-version="2.0" request="crm_resource --locate"><nodes><node>qvddb1</node></nodes><status code="0" message="OK"/></pacemaker-result>`)}, nil
	case "pg_dump":
		_, err := io.WriteString(c.Stdout, "PGDMP dump")
		return runner.Result{}, err
	case "cibadmin":
		return runner.Result{Stdout: []byte(`<cib/>`)}, nil
	case "ssh":
		if _, ok := ctx.Deadline(); !ok {
			f.t.Error("ssh runs without a deadline")
		}
		if f.sshErr != nil {
			return runner.Result{}, f.sshErr
		}
		if c.Stdin != nil {
			f.streamed++
			if _, ok := c.Stdin.(*os.File); !ok {
				f.notStreamed++
			}
		}
		sh := exec.CommandContext(ctx, "sh", "-c", strings.ReplaceAll(c.Args[len(c.Args)-1], f.dir, f.peerDir))
		sh.Stdin = c.Stdin
		out, err := sh.Output()
		if err != nil {
			return runner.Result{}, err
		}
		return runner.Result{Stdout: out}, nil
	}
	f.t.Fatalf("unexpected command %s", c)
	return runner.Result{}, nil
}

// writeFiles creates each name in dir with content "old".
func writeFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// list is the names in dir.
func list(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestBackupCopyToPeer: each new backup file is streamed to the same path
// on the peer, 0600, and the peer is pruned to Keep of each kind, leaving
// any other file alone; the copy is recorded in peer-copy. A peer that
// cannot be reached is a warning and ErrNotCopied, recorded as a failure
// next to the last good copy, and the backup here stands and is pruned;
// without a peer nothing is copied or recorded.
func TestBackupCopyToPeer(t *testing.T) {
	lastGood := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)
	// On the peer: its own older backups and files that are not ours.
	peerOld := []string{"qvddb-2026-12-01T030000.dump", "qvddb-2026-12-02T030000.dump", "qvddb-2026-12-03T030000.dump",
		"cib-2026-12-01T030000.xml.gz", "cib-2026-12-03T030000.xml.gz", ".qvddb-2026-12-04T030000.dump.qvd-ha"}
	strangers := []string{"notes.txt", "qvddb-latest.dump", "qvddb-2026-12-01T030000.dump.bak", "cib-2026-12-01.xml.gz", "other-2026-12-01T030000.dump",
		".notes.txt.qvd-ha", ".qvddb-latest.dump.qvd-ha"}
	for _, tc := range []struct {
		name      string
		peer      *remote.SSH
		sshErr    error
		want      []string // in the output
		notWant   string
		wantErr   error
		copies    int       // files streamed to the peer
		peerAfter []string  // the peer's directory afterwards, but strangers
		record    *PeerCopy // peer-copy afterwards
	}{
		{name: "copied and pruned", peer: &remote.SSH{Host: "root@qvddb2"},
			want: []string{"root@qvddb2:DIR/qvddb-2026-12-06T030000.dump written", "root@qvddb2:DIR/cib-2026-12-06T030000.xml.gz written",
				"root@qvddb2:DIR/qvddb-2026-12-01T030000.dump removed (keeping the newest 2)",
				"root@qvddb2:DIR/qvddb-2026-12-02T030000.dump removed (keeping the newest 2)",
				"root@qvddb2:DIR/cib-2026-12-01T030000.xml.gz removed (keeping the newest 2)",
				"root@qvddb2:DIR/.qvddb-2026-12-04T030000.dump.qvd-ha removed (a copy cut off midway)"},
			notWant:   "warning",
			copies:    2,
			peerAfter: []string{"cib-2026-12-03T030000.xml.gz", "cib-2026-12-06T030000.xml.gz", "qvddb-2026-12-03T030000.dump", "qvddb-2026-12-06T030000.dump"},
			record:    &PeerCopy{Peer: "root@qvddb2", Copied: "qvddb-2026-12-06T030000.dump", CopiedAt: ptr(time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC))}},
		{name: "peer unreachable", peer: &remote.SSH{Host: "root@qvddb2"},
			sshErr:    errors.New("ssh exited with status 255: ssh: connect to host qvddb2 port 22: No route to host"),
			want:      []string{"warning: the backup is on this node only, not copied to root@qvddb2: write root@qvddb2:DIR/qvddb-2026-12-06T030000.dump: ssh root@qvddb2: ssh exited with status 255: ssh: connect to host qvddb2 port 22: No route to host"},
			notWant:   ":DIR/qvddb-2026-12-06T030000.dump written",
			wantErr:   ErrNotCopied,
			peerAfter: peerOld,
			record: &PeerCopy{Peer: "root@qvddb2", Copied: "qvddb-2026-12-05T030000.dump", CopiedAt: &lastGood,
				Failed: "qvddb-2026-12-06T030000.dump", FailedAt: ptr(time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)),
				Error: "write root@qvddb2:DIR/qvddb-2026-12-06T030000.dump: ssh root@qvddb2: ssh exited with status 255: ssh: connect to host qvddb2 port 22: No route to host"}},
		{name: "no peer", want: []string{"DIR/qvddb-2026-12-06T030000.dump written"}, notWant: "qvddb2", peerAfter: peerOld},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, peerDir := t.TempDir(), t.TempDir()
			writeFiles(t, peerDir, append(slices.Clone(peerOld), strangers...)...)
			// Here: three older backups of each kind, and the record of
			// the last good copy when there is a peer.
			writeFiles(t, dir, "qvddb-2026-12-03T030000.dump", "qvddb-2026-12-04T030000.dump", "qvddb-2026-12-05T030000.dump",
				"cib-2026-12-03T030000.xml.gz", "cib-2026-12-04T030000.xml.gz", "cib-2026-12-05T030000.xml.gz", "notes.txt")
			if tc.peer != nil {
				if err := writePeerCopy(dir, &PeerCopy{Peer: "root@qvddb2", Copied: "qvddb-2026-12-05T030000.dump", CopiedAt: &lastGood}); err != nil {
					t.Fatal(err)
				}
			}
			fake := &fakeNode{t: t, dir: dir, peerDir: peerDir, sshErr: tc.sshErr}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			t.Cleanup(cancel)
			var out strings.Builder
			err := Backup{Dir: dir, Keep: 2, Group: "g_postgres", Node: "qvddb1", PGDump: "pg_dump", Host: "/run/postgresql",
				Port: 5432, DB: "qvddb", Now: time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC), Peer: tc.peer}.Run(ctx, fake, &out)
			if tc.wantErr == nil && err != nil || !errors.Is(err, tc.wantErr) {
				t.Fatalf("backup: %v, want %v\n%s", err, tc.wantErr, out.String())
			}
			got := strings.ReplaceAll(out.String(), dir, "DIR")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output %q lacks %q", got, w)
				}
			}
			if strings.Contains(got, tc.notWant) {
				t.Errorf("output %q has %q", got, tc.notWant)
			}
			if fake.streamed != tc.copies || fake.notStreamed > 0 {
				t.Errorf("%d copies, %d of them not streamed from the file; want %d streamed", fake.streamed, fake.notStreamed, tc.copies)
			}

			// The peer: the new files as written here, 0600, the newest
			// two of each kind, and every stranger untouched.
			wantPeer := append(slices.Clone(tc.peerAfter), strangers...)
			slices.Sort(wantPeer)
			if got := list(t, peerDir); !slices.Equal(got, wantPeer) {
				t.Errorf("the peer holds %q, want %q", got, wantPeer)
			}
			for _, n := range []string{"qvddb-2026-12-06T030000.dump", "cib-2026-12-06T030000.xml.gz"} {
				if !slices.Contains(tc.peerAfter, n) {
					continue
				}
				here, _ := os.ReadFile(filepath.Join(dir, n))
				there, err := os.ReadFile(filepath.Join(peerDir, n))
				st, _ := os.Stat(filepath.Join(peerDir, n))
				if err != nil || string(there) != string(here) || st.Mode() != 0o600 {
					t.Errorf("the peer's %s: %q %v (%v), want what is here, mode 0600", n, there, st.Mode(), err)
				}
			}

			// Here: the backup is whole and pruned whatever the copy did.
			wantHere := []string{"cib-2026-12-05T030000.xml.gz", "cib-2026-12-06T030000.xml.gz", "notes.txt",
				"qvddb-2026-12-05T030000.dump", "qvddb-2026-12-06T030000.dump"}
			if tc.peer != nil {
				wantHere = append(wantHere, PeerCopyFile)
				slices.Sort(wantHere)
			}
			if got := list(t, dir); !slices.Equal(got, wantHere) {
				t.Errorf("here: %q, want %q", got, wantHere)
			}
			if local, _ := os.ReadFile(filepath.Join(dir, "qvddb-2026-12-06T030000.dump")); string(local) != "PGDMP dump" {
				t.Errorf("local dump %q", local)
			}

			rec, err := ReadPeerCopy(dir)
			if err != nil {
				t.Fatal(err)
			}
			if rec != nil {
				rec.Error = strings.ReplaceAll(rec.Error, dir, "DIR")
			}
			if gotJSON, wantJSON := marshal(t, rec), marshal(t, tc.record); gotJSON != wantJSON {
				t.Errorf("peer-copy %s, want %s", gotJSON, wantJSON)
			}
		})
	}
}

// TestBackupPeerPruneFails: a copy that lands but whose pruning fails is
// recorded as copied, and the job fails with the reason, not ErrNotCopied.
func TestBackupPeerPruneFails(t *testing.T) {
	dir, peerDir := t.TempDir(), t.TempDir()
	fake := &fakeNode{t: t, dir: dir, peerDir: peerDir}
	failList := runner.Func(func(ctx context.Context, c runner.Cmd) (runner.Result, error) {
		if filepath.Base(c.Path) == "ssh" && strings.Contains(c.Args[len(c.Args)-1], "find ") {
			return runner.Result{}, errors.New("ssh exited with status 1: find: Permission denied")
		}
		return fake.Run(ctx, c)
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	var out strings.Builder
	err := Backup{Dir: dir, Keep: 2, Group: "g_postgres", Node: "qvddb1", PGDump: "pg_dump", DB: "qvddb",
		Now: time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC), Peer: &remote.SSH{Host: "root@qvddb2"}}.Run(ctx, failList, &out)
	if err == nil || errors.Is(err, ErrNotCopied) || !strings.Contains(err.Error(), "prune the copies: list root@qvddb2:"+dir) {
		t.Errorf("backup: %v, want the failed pruning", err)
	}
	rec, rerr := ReadPeerCopy(dir)
	if rerr != nil || rec == nil || rec.Copied != "qvddb-2026-12-06T030000.dump" || rec.Failed != "" {
		t.Errorf("peer-copy %+v (%v), want the copy recorded", rec, rerr)
	}
}

// TestKindMatches: pruning touches only names the backup writes.
func TestKindMatches(t *testing.T) {
	dump := kind{"qvddb-", ".dump"}
	for name, want := range map[string]bool{
		"qvddb-2026-12-06T030000.dump":         true,
		"qvddb-2026-12-06T030000.dump.bak":     false,
		".qvddb-2026-12-06T030000.dump.qvd-ha": false,
		"qvddb-latest.dump":                    false,
		"qvddb-2026-13-06T030000.dump":         false,
		"qvddb2-2026-12-06T030000.dump":        false,
		"cib-2026-12-06T030000.xml.gz":         false,
	} {
		if got := dump.matches(name); got != want {
			t.Errorf("matches(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestReadPeerCopy: no record is nil, a broken one an error naming it.
func TestReadPeerCopy(t *testing.T) {
	dir := t.TempDir()
	if pc, err := ReadPeerCopy(dir); pc != nil || err != nil {
		t.Errorf("no record: %+v, %v", pc, err)
	}
	writeFiles(t, dir, PeerCopyFile)
	if _, err := ReadPeerCopy(dir); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, PeerCopyFile)) {
		t.Errorf("a broken record: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
