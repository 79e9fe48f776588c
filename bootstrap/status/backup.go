package status

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/maintenance"
)

// newestBackup finds the newest <db>-<time>.dump in this node's backup
// directory (its names sort by time), whether this node's backup job made
// it or received it from the other node's, and what this node's job last
// recorded of its copy to the other node. No directory is no backup, not an
// error.
func newestBackup(dir, db string) (*Backup, error) {
	b := &Backup{Dir: dir}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return b, nil
	}
	if err != nil {
		return nil, fmt.Errorf("backups: %w", err)
	}
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, db+"-") && strings.HasSuffix(n, ".dump") && n > b.Newest {
			b.Newest = n
		}
	}
	if b.PeerCopy, err = maintenance.ReadPeerCopy(dir); err != nil {
		return nil, err
	}
	if b.Newest == "" {
		return b, nil
	}
	info, err := os.Stat(filepath.Join(dir, b.Newest))
	if err != nil {
		return nil, fmt.Errorf("backups: %w", err)
	}
	at := info.ModTime().UTC()
	b.At = &at
	return b, nil
}

// evalBackup warns when the newest backup here is older than two days, and
// when it was made here and its copy to the other node failed: then the
// other node's newest is older than this one, and the local directory is
// all a monitoring check may read. A record about an older dump than the
// newest here is history: since then this node received a newer copy (the
// other node runs the database) or made one with --no-copy (the other node
// is gone for good), and neither is a copy missing. When the newest here
// was copied, the copy is as old as it is, so its age needs no check of
// its own.
func evalBackup(b *Backup, r *Report, th Thresholds, add func(Level, string, ...any)) {
	switch {
	case b.At == nil:
		add(Warning, "no database backup in %s on %s: qvd-ha-bootstrap timers on both nodes, or run qvd-ha-bootstrap backup", b.Dir, r.Node)
	case r.Time.Sub(*b.At) > th.BackupAge:
		add(Warning, "the newest backup on %s, %s, is %s old: check systemctl status qvd-ha-backup.timer qvd-ha-backup.service",
			r.Node, b.Newest, r.Time.Sub(*b.At).Round(time.Hour))
	}
	c := b.PeerCopy
	if c == nil || c.Failed == "" || c.Failed != b.Newest {
		return
	}
	there := "it never received one from here"
	if c.CopiedAt != nil {
		there = fmt.Sprintf("its newest from here is %s, %s old", c.Copied, r.Time.Sub(*c.CopiedAt).Round(time.Hour))
	}
	add(Warning, "the newest backup on %s, %s, is not on the other node (%s): copying it to %s failed: %s; check that root on %s logs in to %s by key (ssh -o BatchMode=yes %s true), then run qvd-ha-bootstrap backup",
		r.Node, b.Newest, there, c.Peer, c.Error, r.Node, c.Peer, c.Peer)
}
