package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// dataDir is the data directory (the future mount point) and Dir.orig,
// where its content goes aside; as the runbook does it, so that a node set
// up by hand is recognised.
type dataDir struct {
	dir, orig           string
	dirExists, dirEmpty bool
	origExists          bool
	mountedFrom         string // what is mounted on dir, if anything
	// Owner and mode of the data: Dir's, or Dir.orig's once it was moved.
	uid, gid int
	mode     os.FileMode
}

func inspectDir(dir string) (dataDir, error) {
	d := dataDir{dir: filepath.Clean(dir), orig: filepath.Clean(dir) + ".orig"}
	for _, p := range []struct {
		path   string
		exists *bool
	}{{d.dir, &d.dirExists}, {d.orig, &d.origExists}} {
		st, err := os.Lstat(p.path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return d, fmt.Errorf("data directory: %w", err)
		}
		if !st.IsDir() {
			return d, fmt.Errorf("refused: %s is not a directory", p.path)
		}
		*p.exists = true
		// Dir.orig, when there is one, holds the data and its owner.
		d.setOwner(st)
	}
	if d.dirExists {
		entries, err := os.ReadDir(d.dir)
		if err != nil {
			return d, fmt.Errorf("data directory: %w", err)
		}
		d.dirEmpty = len(entries) == 0
	}
	return d, nil
}

func (d *dataDir) setOwner(st fs.FileInfo) {
	d.mode = st.Mode() & (fs.ModePerm | fs.ModeSetgid | fs.ModeSetuid | fs.ModeSticky)
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		d.uid, d.gid = int(sys.Uid), int(sys.Gid)
	}
}

// movedAside: the data is in Dir.orig and Dir is left as a mount point,
// empty or with the filesystem mounted.
func (d dataDir) movedAside() bool {
	return d.origExists && d.dirExists && (d.dirEmpty || d.mountedFrom != "")
}

// checkMovable refuses when it is unclear which data belongs on the new
// filesystem.
func (d dataDir) checkMovable() error {
	switch {
	case !d.dirExists && !d.origExists:
		return fmt.Errorf("refused: %s does not exist, so there is nothing to move: initialise PostgreSQL's "+
			"data directory first (start and stop the postgresql service once), or create %s owned by "+
			"postgres with mode 0700", d.dir, d.dir)
	case d.origExists && d.dirExists && !d.dirEmpty:
		return fmt.Errorf("refused: both %s and %s hold data: keep the data to put on the new filesystem in "+
			"%s, move the other away, and run again", d.dir, d.orig, d.orig)
	}
	return nil
}

// owner is "user:group (uid:gid)" for messages.
func (d dataDir) owner() string {
	name := strconv.Itoa(d.uid)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	group := strconv.Itoa(d.gid)
	if g, err := user.LookupGroupId(group); err == nil {
		group = g.Name
	}
	return fmt.Sprintf("%s:%s (%d:%d)", name, group, d.uid, d.gid)
}

// moveAside renames Dir to Dir.orig and leaves an empty Dir with the same
// owner and mode as the mount point. Never deleted: Dir.orig is the way
// back, and the source of any later run.
func (s *session) moveAside(d dataDir) error {
	switch {
	case !d.origExists:
		what := fmt.Sprintf("rename %s to %s, create an empty %s (%s, mode %04o) as the mount point",
			d.dir, d.orig, d.dir, d.owner(), d.mode.Perm())
		return s.step(what, func() error {
			if err := os.Rename(d.dir, d.orig); err != nil {
				return fmt.Errorf("move the data directory aside: %w", err)
			}
			return mountPoint(d)
		})
	case !d.dirExists:
		what := fmt.Sprintf("create an empty %s (%s, mode %04o) as the mount point; %s holds the data already",
			d.dir, d.owner(), d.mode.Perm(), d.orig)
		return s.step(what, func() error { return mountPoint(d) })
	default:
		s.say("%s holds the data already (moved there before); %s is empty", d.orig, d.dir)
		return nil
	}
}

func mountPoint(d dataDir) error {
	if err := os.Mkdir(d.dir, 0o700); err != nil {
		return fmt.Errorf("create the mount point: %w", err)
	}
	if err := os.Chown(d.dir, d.uid, d.gid); err != nil {
		return fmt.Errorf("create the mount point: %w", err)
	}
	// Chmod, not Mkdir's mode: the umask must not narrow it.
	if err := os.Chmod(d.dir, d.mode); err != nil {
		return fmt.Errorf("create the mount point: %w", err)
	}
	return nil
}

// fill copies Dir.orig onto the new filesystem, mounted on a directory of
// its own (not on Dir: a failure must not leave the data directory
// mounted), and gives its root what PostgreSQL demands of a data
// directory: the owner of the data and mode 0700.
func (s *session) fill(ctx context.Context, d dataDir) error {
	what := fmt.Sprintf("mount %s on a temporary directory, copy %s onto it (cp --archive: owners, modes, "+
		"times, hard links, ACLs and extended attributes), give its root %s and mode 0700, unmount it",
		s.Device, d.orig, d.owner())
	return s.step(what, func() error { return s.copyOnto(ctx, d) })
}

func (s *session) copyOnto(ctx context.Context, d dataDir) (err error) {
	need, files, err := usage(d.orig)
	if err != nil {
		return fmt.Errorf("size of %s: %w", d.orig, err)
	}
	tmp, err := os.MkdirTemp("", "qvd-ha-storage-init-")
	if err != nil {
		return fmt.Errorf("temporary mount point: %w", err)
	}
	defer func() {
		if rmErr := os.Remove(tmp); rmErr != nil {
			err = errors.Join(err, fmt.Errorf("remove the temporary mount point: %w", rmErr))
		}
	}()
	if _, err := s.command(ctx, "mount", "-t", s.FSType, s.Device, tmp); err != nil {
		return fmt.Errorf("mount the new filesystem: %w", err)
	}
	mounted := true
	defer func() {
		if !mounted {
			return
		}
		// Even when ctx has ended: a mount must not be left behind.
		if _, umErr := s.command(context.WithoutCancel(ctx), "umount", tmp); umErr != nil {
			err = errors.Join(err, fmt.Errorf("unmount %s: %w", tmp, umErr))
		}
	}()
	var st syscall.Statfs_t
	if err := syscall.Statfs(tmp, &st); err != nil {
		return fmt.Errorf("free space on the new filesystem: %w", err)
	}
	if free := int64(st.Bavail) * st.Bsize; need > free {
		return fmt.Errorf("%s needs %s, the new filesystem on %s has %s free", d.orig, size(need), s.Device, size(free))
	}
	cp := runner.Cmd{Path: "cp", Args: []string{"--archive", "--preserve=xattr", d.orig + "/.", tmp}}
	if _, err := s.r.Run(ctx, cp); err != nil {
		return fmt.Errorf("copy the data: %w", err)
	}
	if err := os.Chown(tmp, d.uid, d.gid); err != nil {
		return fmt.Errorf("owner of the filesystem's root: %w", err)
	}
	if err := os.Chmod(tmp, 0o700); err != nil {
		return fmt.Errorf("mode of the filesystem's root: %w", err)
	}
	mounted = false
	if _, err := s.command(ctx, "umount", tmp); err != nil {
		return fmt.Errorf("unmount the new filesystem: %w", err)
	}
	s.say("copied %d files and directories (%s) onto %s", files, size(need), s.Device)
	return nil
}

// usage is the space the files under dir take and how many there are.
func usage(dir string) (int64, int, error) {
	var total int64
	n := 0
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		if sys, ok := info.Sys().(*syscall.Stat_t); ok {
			total += sys.Blocks * 512
		}
		if path != dir {
			n++
		}
		return nil
	})
	return total, n, err
}
