//go:build root

package rpm_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// zypperCases install packages from a local repository into an empty root.
// filesystem and glibc stand for the base every SLES system has; the rest
// is what zypper's resolver must bring, from the spec's Requires alone.
var zypperCases = []struct {
	name      string
	install   []string
	installed []string // every package in the root afterwards
}{
	{
		name:    "qvd-ha brings the runbook's software",
		install: []string{"filesystem", "glibc", "qvd-ha"},
		installed: sorted(append([]string{"bash", "filesystem", "glibc", "pacemaker-cli", "resource-agents",
			"qvd-ha", "qvd-ha-bootstrap", "qvd-ha-fence-agents", "qvd-ha-resource-agents"}, runbookSoftware...)),
	},
	{
		name:    "bootstrap brings the agents and the tools it runs",
		install: []string{"filesystem", "glibc", "qvd-ha-bootstrap"},
		installed: []string{"bash", "drbd-utils", "filesystem", "glibc", "mailx", "pacemaker-cli", "postgresql-server",
			"qvd-ha-bootstrap", "qvd-ha-fence-agents", "qvd-ha-resource-agents", "resource-agents"},
	},
	{
		name:      "resource agents",
		install:   []string{"filesystem", "glibc", "qvd-ha-resource-agents"},
		installed: []string{"drbd-utils", "filesystem", "glibc", "pacemaker-cli", "postgresql-server", "qvd-ha-resource-agents", "resource-agents"},
	},
	{
		name:      "fence agents need nothing",
		install:   []string{"filesystem", "glibc", "qvd-ha-fence-agents"},
		installed: []string{"filesystem", "glibc", "qvd-ha-fence-agents"},
	},
}

// zypperState is what zypper and rpm keep in a root besides the packages'
// files (Debian's rpm keeps its database in root's home, /root/.rpmdb).
var zypperState = []string{"/etc/zypp", "/var/cache/zypp", "/var/lib/zypp", "/var/log/zypp", "/var/lib/rpm",
	"/var/tmp", "/root/.rpmdb", "/run/zypp.pid", "/dev/null"}

// testZypper: each case in an empty root of its own, from one repository
// made with createrepo_c of the built packages and the stubs.
func testZypper(t *testing.T, b *built, stubs stubSet) {
	repo := t.TempDir()
	for _, f := range append(slices.Collect(maps.Values(stubs.rpm)), b.rpms["qvd-ha"], b.rpms["qvd-ha-resource-agents"],
		b.rpms["qvd-ha-fence-agents"], b.rpms["qvd-ha-bootstrap"]) {
		if err := os.Link(f, filepath.Join(repo, filepath.Base(f))); err != nil {
			t.Fatal(err)
		}
	}
	run(t, "createrepo_c", "--quiet", repo)

	for _, c := range zypperCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			// Scriptlets redirect to /dev/null, which an image builder
			// provides in the root it installs into.
			if err := os.Mkdir(filepath.Join(root, "dev"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := unix.Mknod(filepath.Join(root, "dev/null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
				t.Fatalf("mknod /dev/null: %v", err)
			}
			zypper(t, root, "addrepo", "--no-gpgcheck", repo, "qvd-ha")
			// zypper exits 107 when a scriptlet failed, and zypper() fails.
			zypper(t, root, append([]string{"--no-gpg-checks", "install", "--no-recommends"}, c.install...)...)

			if got := sorted(lines(run(t, "rpm", "--root", root, "-qa", "--qf", `%{NAME}\n`))); !slices.Equal(got, c.installed) {
				t.Fatalf("installed %q, want %q", got, c.installed)
			}
			var ours []pkg
			var names []string
			var base []stub
			for _, name := range c.installed {
				if s, ok := stubs.pkg[name]; ok {
					base = append(base, s)
				} else {
					ours = append(ours, packageNamed(t, name))
					names = append(names, name)
				}
			}
			// rpm's own check of every file against the package headers
			if out, err := exec.Command("rpm", append([]string{"--root", root, "-V"}, names...)...).CombinedOutput(); err != nil || len(out) != 0 {
				t.Errorf("rpm -V %v: %v\n%s", names, err, out)
			}
			checkTree(t, root, ours, nil, base)
			checkManPages(t, root, ours)
			probeRoot(t, b, root, ours)

			zypper(t, root, append([]string{"remove"}, names...)...)
			checkTree(t, root, nil, ours, base)
		})
	}
}

// probeRoot runs the packages' probes chrooted into root: each binary runs
// with nothing but what the root holds, as on a SLES node.
func probeRoot(t *testing.T, b *built, root string, ours []pkg) {
	t.Helper()
	for _, p := range ours {
		for _, pr := range p.probes {
			cmd := exec.Command("chroot", append([]string{root}, pr.args...)...)
			cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
			out, err := cmd.CombinedOutput()
			if want := b.expand(pr.want); err != nil || !bytes.Contains(out, []byte(want)) {
				t.Errorf("chroot %s: %v, want %q in:\n%s", strings.Join(pr.args, " "), err, want, tail(out, 10))
			}
		}
	}
}

func zypper(t *testing.T, root string, args ...string) []byte {
	t.Helper()
	return run(t, "zypper", append([]string{"--non-interactive", "--root", root}, args...)...)
}

// checkTree walks root and checks that it holds exactly the files of the
// installed packages, with their modes and root as their owner, besides
// the stubs' files and zypperState, and nothing of the removed packages.
// Directories no package owns may stand where rpm made them on the way to
// a package's file (on SLES the filesystem package owns them).
func checkTree(t *testing.T, root string, installed, removed []pkg, stubs []stub) {
	t.Helper()
	want := map[string]file{}
	for _, p := range installed {
		for path, f := range p.files {
			want[path] = f
		}
		for _, l := range p.licenses() {
			want[l] = file{mode: modeData}
		}
	}
	gone := map[string]string{} // path: the removed package that owned it
	for _, p := range removed {
		for path := range p.files {
			gone[path] = p.name
		}
	}
	skip := map[string]bool{}
	for _, s := range zypperState {
		skip[s] = true
	}
	known := map[string]bool{}
	for _, s := range stubs {
		for _, p := range append(slices.Clone(s.Dirs), s.Files...) {
			known[p] = true
		}
	}
	ancestors := map[string]bool{}
	for _, paths := range [][]string{keys(want), keys(gone), keys(skip), keys(known)} {
		for _, p := range paths {
			for d := filepath.Dir(p); d != "/"; d = filepath.Dir(d) {
				ancestors[d] = true
			}
		}
	}

	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(path, root)
		if rel == "" {
			return nil
		}
		if skip[rel] {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || st.Gid != 0 {
			t.Errorf("%s: owner %d:%d, want root", rel, st.Uid, st.Gid)
		}
		w, ok := want[rel]
		for _, p := range installed {
			if !ok {
				w, ok = licenseFile(p.name, rel, fi.IsDir())
			}
		}
		owner, owned := gone[rel]
		for _, p := range removed {
			if _, lic := licenseFile(p.name, rel, fi.IsDir()); !owned && lic {
				owner, owned = p.name, true
			}
		}
		switch {
		case ok:
			seen[rel] = true
			if fi.Mode() != w.mode {
				t.Errorf("%s: mode %v, want %v", rel, fi.Mode(), w.mode)
			}
		case known[rel]:
		case owned:
			t.Errorf("%s of %s is left behind", rel, owner)
		case ancestors[rel] && fi.IsDir():
		default:
			t.Errorf("%s (%v) is from no package", rel, fi.Mode())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for path := range want {
		if !seen[path] {
			t.Errorf("%s is not installed", path)
		}
	}
}

// checkManPages: each page is gzip (what brp-compress makes) and a man page.
func checkManPages(t *testing.T, root string, ours []pkg) {
	t.Helper()
	for _, p := range ours {
		for path := range p.files {
			if !strings.HasPrefix(path, "/usr/share/man/") {
				continue
			}
			f, err := os.Open(filepath.Join(root, path))
			if err != nil {
				t.Error(err)
				continue
			}
			z, err := gzip.NewReader(f)
			var page []byte
			if err == nil {
				page, err = io.ReadAll(z)
			}
			f.Close()
			if err != nil || !bytes.Contains(page, []byte("\n.TH ")) && !bytes.HasPrefix(page, []byte(".TH ")) {
				t.Errorf("%s: not a gzipped man page (%v)", path, err)
			}
		}
	}
}
