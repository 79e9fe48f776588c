// Package maintenance holds the jobs of the runbook's maintenance chapter
// that the shipped systemd timers run on both nodes: the nightly dump of the
// QVD database and of the CIB, and the weekly DRBD online verification.
//
// Each job first finds out whether this node is the one that should act (it
// runs the database group / holds the DRBD Primary) and does nothing
// elsewhere, so that the timers can be enabled identically on both nodes and
// keep working after any failover.
package maintenance

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/files"
	"github.com/qvd-ha/qvd-ha/bootstrap/remote"
	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// drbdadm comes from PATH (systemd's default PATH holds /usr/sbin and
// /sbin).
const drbdadm = "drbdadm"

// Backup says what to dump and where to keep it.
type Backup struct {
	Dir  string // absolute, the same on both nodes; created 0700; every file in it is 0600
	Keep int    // copies of each kind kept; older ones are removed
	// Group is the resource that must run on Node for the backup to run.
	Group string
	Node  string
	// PGDump is run as DBA (the PostgreSQL superuser, peer authentication
	// on the local socket in Host) for database DB on Port.
	PGDump string
	DBA    *syscall.Credential
	Host   string
	Port   int
	DB     string
	Now    time.Time
	// Peer, when set, gets a copy of each new file in the same directory
	// (a backup kept only on the active node's disk dies with that node),
	// pruned there to Keep as well.
	Peer *remote.SSH
}

// Run writes <db>-<time>.dump (pg_dump's custom format: compressed, and
// pg_restore can take single tables from it) and cib-<time>.xml.gz (what
// cibadmin --replace --xml-file takes back), copies both to Peer, then
// prunes old copies. On a node that does not run Group it writes nothing
// and says so. A failed copy returns ErrNotCopied once the backup here is
// complete and pruned.
func (b Backup) Run(ctx context.Context, r runner.Runner, out io.Writer) error {
	tools := pcmk.Tools{Run: r}
	locs, err := tools.Locate(ctx, b.Group)
	if err != nil {
		return err
	}
	var nodes []string
	for _, l := range locs {
		nodes = append(nodes, l.Node)
	}
	if !slices.Contains(nodes, b.Node) {
		where := "runs nowhere"
		if len(nodes) > 0 {
			where = "runs on " + strings.Join(nodes, ", ")
		}
		fmt.Fprintf(out, "%s %s, not on %s: nothing to back up here.\n", b.Group, where, b.Node)
		return nil
	}
	if err := os.MkdirAll(b.Dir, 0o700); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	stamp := b.Now.Format(stampLayout)

	dump := filepath.Join(b.Dir, b.DB+"-"+stamp+".dump")
	if err := files.WriteFunc(dump, 0o600, func(f io.Writer) error {
		_, err := r.Run(ctx, runner.Cmd{Path: b.PGDump, Credential: b.DBA, Stdout: f,
			Args: []string{"--format=custom", "--host", b.Host, "--port", strconv.Itoa(b.Port), "--dbname", b.DB}})
		return err
	}); err != nil {
		return fmt.Errorf("backup of database %s: %w", b.DB, err)
	}
	fmt.Fprintf(out, "%s written\n", dump)

	cib := filepath.Join(b.Dir, "cib-"+stamp+".xml.gz")
	if err := files.WriteFunc(cib, 0o600, func(f io.Writer) error {
		cib, err := tools.QueryCIB(ctx, "")
		if err != nil {
			return err
		}
		z := gzip.NewWriter(f)
		if _, err := z.Write(cib); err != nil {
			return err
		}
		return z.Close()
	}); err != nil {
		return fmt.Errorf("backup of the CIB: %w", err)
	}
	fmt.Fprintf(out, "%s written\n", cib)

	var copyErr error
	if b.Peer != nil {
		copyErr = b.copyToPeer(ctx, r, out, dump, cib)
	}
	local, err := os.ReadDir(b.Dir)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	var names []string
	for _, e := range local {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	for _, k := range b.kinds() {
		for _, name := range k.old(names, b.Keep) {
			if err := os.Remove(filepath.Join(b.Dir, name)); err != nil {
				return fmt.Errorf("backup: %w", err)
			}
			fmt.Fprintf(out, "%s removed (keeping the newest %d)\n", filepath.Join(b.Dir, name), b.Keep)
		}
	}
	return copyErr
}

// stampLayout dates each backup file; names sort by time.
const stampLayout = "2006-01-02T150405"

// kind is one sort of backup file, named prefix<stamp>suffix.
type kind struct{ prefix, suffix string }

// kinds are the files one backup writes: the dump and the CIB.
func (b Backup) kinds() []kind {
	return []kind{{b.DB + "-", ".dump"}, {"cib-", ".xml.gz"}}
}

// matches says name is a file of this kind, with a valid stamp: the only
// names pruning may remove, here or on the peer.
func (k kind) matches(name string) bool {
	stamp, ok := strings.CutPrefix(name, k.prefix)
	if !ok {
		return false
	}
	stamp, ok = strings.CutSuffix(stamp, k.suffix)
	if !ok {
		return false
	}
	_, err := time.Parse(stampLayout, stamp)
	return err == nil
}

// old is the names of this kind in names but the newest keep, oldest first.
func (k kind) old(names []string, keep int) []string {
	var ours []string
	for _, n := range names {
		if k.matches(n) {
			ours = append(ours, n)
		}
	}
	if len(ours) <= keep {
		return nil
	}
	slices.Sort(ours)
	return ours[:len(ours)-keep]
}

// ErrNotConnected means verification cannot run: it compares the two copies
// over the replication link.
var ErrNotConnected = errors.New("not connected to its peer")

// VerifyDRBD starts DRBD's online verification of resource when this node
// holds it as Primary, and otherwise does nothing and says so. Verification
// runs in the kernel after drbdadm returns; it only counts out-of-sync
// blocks (kernel log, oos:), it repairs nothing.
func VerifyDRBD(ctx context.Context, r runner.Runner, resource string, out io.Writer) error {
	role, err := drbdState(ctx, r, "role", resource)
	if err != nil {
		return err
	}
	if role != "Primary" {
		fmt.Fprintf(out, "DRBD resource %s is %s here, not Primary: the Primary node verifies it.\n", resource, role)
		return nil
	}
	cstate, err := drbdState(ctx, r, "cstate", resource)
	if err != nil {
		return err
	}
	switch cstate {
	case "VerifyS", "VerifyT":
		fmt.Fprintf(out, "DRBD resource %s: a verification is already running.\n", resource)
		return nil
	case "Connected":
	default:
		return fmt.Errorf("verify DRBD resource %s: %w (connection state %s)", resource, ErrNotConnected, cstate)
	}
	if _, err := r.Run(ctx, runner.Cmd{Path: drbdadm, Args: []string{"verify", resource}}); err != nil {
		return fmt.Errorf("verify DRBD resource %s: %w", resource, err)
	}
	fmt.Fprintf(out, "DRBD resource %s: online verification started. Out-of-sync blocks are reported in the "+
		"kernel log; to resynchronise them: drbdadm disconnect %s; drbdadm connect %s (on the Secondary).\n",
		resource, resource, resource)
	return nil
}

// drbdState is this node's part of "drbdadm role|cstate": 8.4 prints
// "Primary/Secondary", 9 prints "Primary".
func drbdState(ctx context.Context, r runner.Runner, what, resource string) (string, error) {
	res, err := r.Run(ctx, runner.Cmd{Path: drbdadm, Args: []string{what, resource}})
	if err != nil {
		return "", fmt.Errorf("DRBD resource %s: %w", resource, err)
	}
	local, _ := drbdstate.ParseAdm(string(res.Stdout))
	if local == "" {
		return "", fmt.Errorf("DRBD resource %s: drbdadm %s printed nothing", resource, what)
	}
	return local, nil
}
