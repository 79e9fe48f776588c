package maintenance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/files"
	"github.com/qvd-ha/qvd-ha/bootstrap/remote"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// PeerCopyFile, in the backup directory, records the backup job's last copy
// to the other node. qvd-ha status reads it there: a monitoring check must
// not need ssh to know whether the other node holds the backups.
const PeerCopyFile = "peer-copy"

// PeerCopy is the record in PeerCopyFile, JSON.
type PeerCopy struct {
	Peer string `json:"peer"` // the ssh destination
	// Copied is the last dump copied whole to the peer, and when; a
	// failure leaves them as they were.
	Copied   string     `json:"copied,omitempty"`
	CopiedAt *time.Time `json:"copied_at,omitempty"`
	// Failed is the dump of the last run when its copy failed, when and
	// why; a successful copy clears them.
	Failed   string     `json:"failed,omitempty"`
	FailedAt *time.Time `json:"failed_at,omitempty"`
	Error    string     `json:"error,omitempty"`
}

// ErrNotCopied is a backup that is whole on this node but not on the other:
// the job fails so that systemd shows the unit failed, while the backup
// itself is kept.
var ErrNotCopied = errors.New("the backup is on this node only")

// ReadPeerCopy reads dir's record; nil when this node never copied one (it
// has only been passive, or copies are off).
func ReadPeerCopy(dir string) (*PeerCopy, error) {
	data, err := os.ReadFile(filepath.Join(dir, PeerCopyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("backup copy record: %w", err)
	}
	var pc PeerCopy
	if err := json.Unmarshal(data, &pc); err != nil {
		return nil, fmt.Errorf("backup copy record %s: %w", filepath.Join(dir, PeerCopyFile), err)
	}
	return &pc, nil
}

// copyToPeer puts the new files in the same directory on the peer, records
// the outcome, and on success prunes the peer's copies to Keep: the peer's
// own job prunes nothing while it does not run the database, and its disk
// would fill with every night's copy.
func (b Backup) copyToPeer(ctx context.Context, r runner.Runner, out io.Writer, dump, cib string) error {
	err := b.put(ctx, r, out, dump, cib)
	pc, readErr := ReadPeerCopy(b.Dir)
	if pc == nil {
		// A record that does not read is replaced: the next line of
		// status must describe this run.
		pc = &PeerCopy{}
	}
	pc.Peer = b.Peer.Host
	at := b.Now.UTC()
	if err != nil {
		pc.Failed, pc.FailedAt, pc.Error = filepath.Base(dump), &at, err.Error()
	} else {
		pc.Copied, pc.CopiedAt = filepath.Base(dump), &at
		pc.Failed, pc.FailedAt, pc.Error = "", nil, ""
	}
	if werr := writePeerCopy(b.Dir, pc); werr != nil {
		return errors.Join(err, readErr, werr)
	}
	if err != nil {
		fmt.Fprintf(out, "warning: the backup is on this node only, not copied to %s: %v\n", b.Peer.Host, err)
		return fmt.Errorf("backup: %w, not on %s", ErrNotCopied, b.Peer.Host)
	}
	return b.prunePeer(ctx, r, out)
}

// put streams each file to the peer from its descriptor.
func (b Backup) put(ctx context.Context, r runner.Runner, out io.Writer, names ...string) error {
	for _, n := range names {
		f, err := os.Open(n)
		if err != nil {
			return fmt.Errorf("copy to %s: %w", b.Peer.Host, err)
		}
		err = b.Peer.Put(ctx, r, n, f, 0o600)
		f.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s:%s written\n", b.Peer.Host, n)
	}
	return nil
}

// prunePeer removes the peer's backups of each kind but the newest Keep,
// its own and the copies alike, and what is left of copies cut off midway
// (this run's are renamed by now), and no other file.
func (b Backup) prunePeer(ctx context.Context, r runner.Runner, out io.Writer) error {
	names, err := b.Peer.List(ctx, r, b.Dir)
	if err != nil {
		return fmt.Errorf("backup: prune the copies: %w", err)
	}
	var old []string
	for _, k := range b.kinds() {
		old = append(old, k.old(names, b.Keep)...)
		for _, n := range names {
			if inner := strings.TrimSuffix(strings.TrimPrefix(n, "."), ".qvd-ha"); remote.TempName(inner) == n && k.matches(inner) {
				old = append(old, n)
			}
		}
	}
	if err := b.Peer.Remove(ctx, r, b.Dir, old); err != nil {
		return fmt.Errorf("backup: prune the copies: %w", err)
	}
	for _, n := range old {
		why := fmt.Sprintf("keeping the newest %d", b.Keep)
		if strings.HasPrefix(n, ".") {
			why = "a copy cut off midway"
		}
		fmt.Fprintf(out, "%s:%s removed (%s)\n", b.Peer.Host, filepath.Join(b.Dir, n), why)
	}
	return nil
}

// writePeerCopy replaces the record atomically: status may read it at any
// moment.
func writePeerCopy(dir string, pc *PeerCopy) error {
	data, err := json.Marshal(pc)
	if err != nil {
		return fmt.Errorf("backup copy record: %w", err)
	}
	if err := files.WriteFunc(filepath.Join(dir, PeerCopyFile), 0o600, func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	}); err != nil {
		return fmt.Errorf("backup copy record: %w", err)
	}
	return nil
}
