//go:build root

package main

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/qvd-ha/qvd-ha/bootstrap/maintenance"
	"github.com/qvd-ha/qvd-ha/internal/runner"
	"github.com/qvd-ha/qvd-ha/test/pgtest"
	"github.com/qvd-ha/qvd-ha/test/sshtest"
)

// cibRunningGroup writes a CIB whose status has g_postgres (one Dummy)
// running on node, as crm_simulate computes it, and returns its path.
func cibRunningGroup(t *testing.T, node string) string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.xml")
	doc := `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="o"><nvpair id="o-s" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="qvddb1"/><node id="2" uname="qvddb2"/></nodes>
    <resources><group id="g_postgres"><primitive id="p_postgres" class="ocf" provider="pacemaker" type="Dummy"/></group></resources>
    <constraints><rsc_location id="l" rsc="g_postgres" node="` + node + `" score="50"/></constraints>
  </configuration>
  <status>
    <node_state id="1" uname="qvddb1" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="2" uname="qvddb2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>`
	if err := os.WriteFile(in, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "cib.xml")
	exec(t, nil, "crm_simulate", "-x", in, "-S", "-O", out)
	return out
}

// TestBackup: on the node running g_postgres, backup writes a pg_dump that
// restores into a database with the same rows and the CIB, both 0600 in a
// 0700 directory, and prunes older copies; on the other node it writes
// nothing; the new files are copied to the peer through a real sshd and
// the peer is pruned to --keep, other files left alone, the copy recorded in
// peer-copy; an ssh that refuses the peer (a wrong host key) is a warning
// and exit 1, the peer untouched and no copy recorded, only the failure; a
// failed dump leaves no file behind.
func TestBackup(t *testing.T) {
	s := pgtest.New(t)
	s.Start()
	s.Exec(pgtest.DB, "set role "+pgtest.User+"; create table rows (n int); insert into rows select generate_series(1, 1000)")
	t.Setenv("CIB_file", cibRunningGroup(t, "qvddb1"))
	base := t.TempDir()
	dir := filepath.Join(base, "backup")
	// The peer: an sshd whose view of base is peerBase (dir itself does
	// not exist yet), holding older backups of its own, of which the
	// pruning leaves the newest, and files that are not backups.
	peerBase := t.TempDir()
	peerDir := filepath.Join(peerBase, "backup")
	if err := os.Mkdir(peerDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"qvddb-2019-01-01T030000.dump", "qvddb-2019-01-02T030000.dump", "cib-2019-01-01T030000.xml.gz", "notes.txt", "qvddb-2019.dump"} {
		if err := os.WriteFile(filepath.Join(peerDir, n), []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	peer := sshtest.Files(t, pgtest.FreePort(t), "[127.0.0.1]:%d ", false)
	peer.Start(t, "unshare", "--mount", "--propagation", "private", "sh", "-c", `mount --bind "$1" "$2" && shift 2 && exec "$@"`,
		"peer", peerBase, base)
	sshConfig := func(knownHosts string) string {
		name := filepath.Join(t.TempDir(), "ssh_config")
		if err := os.WriteFile(name, []byte("Host 127.0.0.1\n  User root\n  Port "+strconv.Itoa(peer.Port)+"\n  IdentityFile "+
			peer.ClientKey+"\n  UserKnownHostsFile "+knownHosts+"\n  StrictHostKeyChecking yes\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return name
	}
	args := []string{"--set", "pgsql.port=" + strconv.Itoa(s.Port), "backup", "--dir", dir, "--keep", "2",
		"--pg-dump", filepath.Join(pgtest.BinDir, "pg_dump"), "--socket-dir", s.SocketDir,
		"--peer", "127.0.0.1", "--ssh-config", sshConfig(peer.KnownHosts)}

	out := backupOK(t, append(args, "--node", "qvddb2")...)
	if !strings.Contains(out, "g_postgres runs on qvddb1, not on qvddb2: nothing to back up here") {
		t.Errorf("on the passive node: %q", out)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the passive node created %s: %v", dir, err)
	}

	// Older copies, of which only the newest survives next to the new one.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	old := []string{"qvddb-2020-01-01T030000.dump", "qvddb-2020-01-02T030000.dump", "cib-2020-01-01T030000.xml.gz", "cib-2020-01-02T030000.xml.gz"}
	for _, n := range append(old, "unrelated.txt") {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out = backupOK(t, append(args, "--node", "qvddb1")...)
	for _, gone := range []string{old[0], old[2]} {
		if !strings.Contains(out, filepath.Join(dir, gone)+" removed") {
			t.Errorf("%s not reported removed: %q", gone, out)
		}
		if _, err := os.Stat(filepath.Join(dir, gone)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survives pruning: %v", gone, err)
		}
	}
	for _, kept := range []string{old[1], old[3], "unrelated.txt"} {
		if _, err := os.Stat(filepath.Join(dir, kept)); err != nil {
			t.Errorf("%s was removed: %v", kept, err)
		}
	}
	dump := newest(t, dir, `^qvddb-\d{4}-\d\d-\d\dT\d{6}\.dump$`)
	cibGz := newest(t, dir, `^cib-\d{4}-\d\d-\d\dT\d{6}\.xml\.gz$`)
	// The peer has both new files, byte for byte and 0600, the newest
	// of its own older ones, and the files that are not backups.
	for _, f := range []string{dump, cibGz} {
		if !strings.Contains(out, "127.0.0.1:"+f+" written") {
			t.Errorf("copy of %s not reported: %q", f, out)
		}
		copied := filepath.Join(peerDir, filepath.Base(f))
		st, err := os.Stat(copied)
		if err != nil || st.Mode() != 0o600 || string(readFile(t, copied)) != string(readFile(t, f)) {
			t.Errorf("the peer's %s: %v %v, want a copy with mode 0600", copied, st, err)
		}
	}
	if !strings.Contains(out, "127.0.0.1:"+filepath.Join(dir, "qvddb-2019-01-01T030000.dump")+" removed (keeping the newest 2)") {
		t.Errorf("the peer's pruning not reported: %q", out)
	}
	wantPeer := []string{"cib-2019-01-01T030000.xml.gz", filepath.Base(cibGz), "notes.txt", "qvddb-2019-01-02T030000.dump", filepath.Base(dump), "qvddb-2019.dump"}
	slices.Sort(wantPeer)
	if got := names(t, peerDir); !slices.Equal(got, wantPeer) {
		t.Errorf("the peer holds %q, want %q", got, wantPeer)
	}
	record, err := maintenance.ReadPeerCopy(dir)
	if err != nil || record == nil || record.Peer != "127.0.0.1" || record.Copied != filepath.Base(dump) || record.CopiedAt == nil || record.Failed != "" {
		t.Fatalf("peer-copy %+v (%v), want the copy of %s", record, err, dump)
	}
	for name, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, dump: 0o600, cibGz: 0o600} {
		st, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != want || st.Sys().(*syscall.Stat_t).Uid != 0 {
			t.Errorf("%s: mode %v uid %d, want %v root", name, st.Mode(), st.Sys().(*syscall.Stat_t).Uid, want)
		}
	}

	// The dump restores: the same rows in a new database.
	s.Exec("postgres", "create database restored")
	exec(t, nil, filepath.Join(pgtest.BinDir, "pg_restore"), "--host", s.SocketDir, "--port", strconv.Itoa(s.Port),
		"--username", "postgres", "--no-owner", "--dbname", "restored", dump)
	conn := s.Connect(context.Background(), "restored")
	var count, sum int
	if err := conn.QueryRow(context.Background(), "select count(*), sum(n) from rows").Scan(&count, &sum); err != nil {
		t.Fatal(err)
	}
	if count != 1000 || sum != 500500 {
		t.Errorf("restored %d rows summing to %d, want 1000 and 500500", count, sum)
	}

	f, err := os.Open(cibGz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	cibXML, err := io.ReadAll(z)
	if err != nil || !strings.Contains(string(cibXML), `<group id="g_postgres">`) {
		t.Errorf("the CIB backup: %v\n%.300s", err, cibXML)
	}

	// A peer whose host key is not the known one: the backup is kept
	// here, with a warning and exit 1; the peer is left as it was; the
	// record keeps the last copy and names the failed one.
	refused := slices.Clone(args)
	refused[len(refused)-1] = sshConfig(peer.WrongKnownHosts)
	code, out, stderr := runTool(t, runner.Exec{}, append(refused, "--node", "qvddb1")...)
	if code != exitFailed || !strings.Contains(out, "warning: the backup is on this node only, not copied to 127.0.0.1: ") ||
		!strings.Contains(out, "Host key verification failed") || !strings.Contains(stderr, "the backup is on this node only") {
		t.Errorf("backup to a refused peer: exit %d, stdout %q, stderr %q; want 1 and the warning", code, out, stderr)
	}
	if got := names(t, peerDir); !slices.Equal(got, wantPeer) {
		t.Errorf("the refused peer holds %q, want %q as before", got, wantPeer)
	}
	failed, err := maintenance.ReadPeerCopy(dir)
	newDump := newest(t, dir, `^qvddb-\d{4}-\d\d-\d\dT\d{6}\.dump$`)
	if err != nil || failed == nil || failed.Copied != record.Copied || !failed.CopiedAt.Equal(*record.CopiedAt) ||
		failed.Failed != filepath.Base(newDump) || !strings.Contains(failed.Error, "Host key verification failed") {
		t.Errorf("peer-copy after the refusal %+v (%v), want the last copy %s kept and %s failed", failed, err, record.Copied, newDump)
	}

	// A dump that fails (server down) leaves neither a backup nor a temporary file.
	s.Stop()
	before, _ := os.ReadDir(dir)
	code, out, stderr = runTool(t, runner.Exec{}, append(args, "--node", "qvddb1")...)
	if code != exitFailed || !strings.Contains(stderr, "backup of database qvddb: ") {
		t.Errorf("backup with the server down: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) {
		t.Errorf("a failed backup left files: %v, before %v", after, before)
	}
}

// backupOK runs the tool with real commands and returns its stdout; it
// fails the test unless the tool exits 0.
func backupOK(t *testing.T, args ...string) string {
	t.Helper()
	code, out, stderr := runTool(t, runner.Exec{}, append([]string{"-q"}, args...)...)
	if code != 0 {
		t.Fatalf("%s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, stderr)
	}
	return out
}

// names is the sorted names in dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ns []string
	for _, e := range entries {
		ns = append(ns, e.Name())
	}
	return ns
}

// newest is the last file in dir matching pattern.
func newest(t *testing.T, dir, pattern string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(pattern)
	found := ""
	for _, e := range entries {
		if re.MatchString(e.Name()) && !strings.HasPrefix(e.Name(), "qvddb-2020") && !strings.HasPrefix(e.Name(), "cib-2020") {
			found = filepath.Join(dir, e.Name())
		}
	}
	if found == "" {
		t.Fatalf("no file matching %s in %s", pattern, dir)
	}
	return found
}
