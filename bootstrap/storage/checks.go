package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// signature is something libblkid recognises on a device: a filesystem,
// DRBD metadata (at the END of the backing disk with internal metadata,
// where a look at the first blocks would miss it), a partition table.
type signature struct{ Type, Offset string }

// describe lists signatures for a message.
func describe(sigs []signature) string {
	var parts []string
	for _, s := range sigs {
		what := s.Type
		if s.Type == "drbd" {
			what = "DRBD metadata"
		}
		parts = append(parts, fmt.Sprintf("%s (at offset %s)", what, s.Offset))
	}
	return strings.Join(parts, " and ")
}

func hasDRBD(sigs []signature) bool {
	return slices.ContainsFunc(sigs, func(s signature) bool { return s.Type == "drbd" })
}

// probe lists every signature on Disk. wipefs without --all only reads;
// unlike blkid -p it lists them all instead of calling two of them
// ambivalent.
func (s *session) probe(ctx context.Context) ([]signature, error) {
	res, err := s.command(ctx, "wipefs", "--no-act", "--noheadings", "--output", "TYPE,OFFSET", s.Disk)
	if err != nil {
		return nil, fmt.Errorf("look for data on %s: %w", s.Disk, err)
	}
	var sigs []signature
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			sigs = append(sigs, signature{Type: f[0], Offset: f[1]})
		}
	}
	return sigs, nil
}

// checkDevices makes sure the devices are what the configuration says:
// Disk a block device (its size feeds the sync estimates) and, with DRBD,
// the resource file naming the same disk and device for this node.
func (s *session) checkDevices(ctx context.Context) error {
	res, err := s.command(ctx, "blockdev", "--getsize64", s.Disk)
	if err != nil {
		return fmt.Errorf("%s is not a usable block device on %s: %w", s.Disk, s.Node, err)
	}
	if s.diskSize, err = strconv.ParseInt(strings.TrimSpace(string(res.Stdout)), 10, 64); err != nil {
		return fmt.Errorf("size of %s: blockdev printed %q", s.Disk, res.Stdout)
	}
	s.say("%s: %s", s.Disk, size(s.diskSize))
	if s.Kind != config.StorageDRBD {
		return nil
	}
	for _, c := range []struct{ cmd, key, want string }{
		{"sh-ll-dev", "drbd.disk", s.Disk},
		{"sh-dev", "drbd.device", s.Device},
	} {
		res, err := s.command(ctx, "drbdadm", c.cmd, s.Resource)
		if err != nil {
			return fmt.Errorf("DRBD resource %s is not configured for %s (write it with qvd-ha-bootstrap drbd "+
				"on both nodes): %w", s.Resource, s.Node, err)
		}
		if got := strings.TrimSpace(string(res.Stdout)); got != c.want {
			return fmt.Errorf("DRBD resource %s uses %s on %s, the configuration's %s is %s: rewrite the "+
				"resource file with qvd-ha-bootstrap drbd", s.Resource, got, s.Node, c.key, c.want)
		}
	}
	return nil
}

// checkIdle refuses to touch what is in use: a running PostgreSQL, a
// mounted data directory or device.
func (s *session) checkIdle(ctx context.Context, data dataDir) error {
	for _, dir := range uniq(s.Dir, s.PGData, data.orig) {
		if pid, ok := postmaster(dir); ok {
			return fmt.Errorf("refused: PostgreSQL is running on %s (pid %d in its postmaster.pid): stop it first", dir, pid)
		}
	}
	if data.mountedFrom != "" {
		return fmt.Errorf("refused: %s is a mount point (of %s) already: the storage looks initialised and in "+
			"use; unmount it first if it really is to be initialised again", s.Dir, data.mountedFrom)
	}
	var devices []string // what this node writes to
	if s.Kind == config.StorageDRBD || s.Source {
		devices = append(devices, s.Disk)
	}
	if s.Source && s.Device != s.Disk {
		devices = append(devices, s.Device)
	}
	for _, dev := range devices {
		if target, ok, err := s.findmnt(ctx, "--source", dev, "TARGET"); err != nil {
			return err
		} else if ok {
			return fmt.Errorf("refused: %s is mounted on %s", dev, target)
		}
	}
	return nil
}

// findmnt looks a mount up; ok is false when there is none (findmnt's
// exit status 1).
func (s *session) findmnt(ctx context.Context, by, what, column string) (string, bool, error) {
	res, err := s.command(ctx, "findmnt", "--noheadings", "--first-only", "--output", column, by, what)
	var exit *runner.ExitError
	if errors.As(err, &exit) && exit.Code == 1 && len(bytes.TrimSpace(res.Stdout)) == 0 {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("findmnt %s %s: %w", by, what, err)
	}
	return strings.TrimSpace(string(res.Stdout)), true, nil
}

// postmaster returns the pid in dir/postmaster.pid when that process
// exists. A stale file, left by a crash, does not count: PostgreSQL
// itself ignores it at its next start.
func postmaster(dir string) (int, bool) {
	data, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	first, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return 0, false
	}
	err = syscall.Kill(pid, 0)
	return pid, err == nil || errors.Is(err, syscall.EPERM)
}

func uniq(items ...string) []string {
	var out []string
	for _, i := range items {
		if i != "" && !slices.Contains(out, filepath.Clean(i)) {
			out = append(out, filepath.Clean(i))
		}
	}
	return out
}

// size prints bytes for a person.
func size(b int64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := int64(unit), 0
	for n := b / unit; n >= unit && exp < 4; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(b)/float64(div), "KMGTP"[exp])
}
