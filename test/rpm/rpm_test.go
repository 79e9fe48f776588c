//go:build root

// Package rpm_test checks the SLES packages that rpm/ builds: their
// contents and dependencies, rpmlint, the debuginfo, installations with
// zypper into empty roots, and an installation onto this machine's own root
// (inside an overlay) where Pacemaker's own tools must find the agents.
//
// It runs as root (mknod, chroot, mount namespaces) and needs Debian's rpm,
// rpmlint, createrepo-c, zypper, elfutils, cpio and busybox-static.
package rpm_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestRPM builds the packages once (`make rpm rpmlint`: about a minute
// with a cold Go build cache, 15 s with a warm one; every binary is
// compiled again as PIE from vendor/) and hands them to its subtests.
func TestRPM(t *testing.T) {
	requireRoot(t)
	b := build(t)
	stubs := buildStubs(t, b)

	t.Run("rpmlint", func(t *testing.T) { checkLint(t, b.output) })
	t.Run("version", func(t *testing.T) { checkVersion(t, b) })
	t.Run("contents", func(t *testing.T) {
		for _, p := range packages {
			t.Run(p.name, func(t *testing.T) { checkContents(t, b, p) })
		}
	})
	t.Run("source", func(t *testing.T) { checkSource(t, b) })
	t.Run("binaries", func(t *testing.T) { checkBinaries(t, b) })
	t.Run("zypper", func(t *testing.T) {
		t.Parallel()
		testZypper(t, b, stubs)
	})
	t.Run("host", func(t *testing.T) {
		t.Parallel()
		testHost(t, b, stubs)
	})
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root: it creates device nodes, chroots and mounts an overlay in a private mount namespace (run go test as root)")
	}
}

// file is one entry of a package's file list.
type file struct {
	mode   fs.FileMode
	config bool // %config(noreplace)
}

// probe is a command run from an installed root and a line its output
// must hold; {version} stands for the packages' Version.
type probe struct {
	args []string
	want string
}

// pkg is what one binary package must hold, require and answer.
type pkg struct {
	name  string
	files map[string]file
	// sources maps each binary to its main package's directory, which
	// the binary's DWARF must name.
	sources map[string]string
	// requires, without rpmlib(); {evr} stands for Version-Release.
	requires []string
	probes   []probe
	// vendored: it holds binaries, and so vendor/'s license texts.
	vendored bool
}

const (
	modeDir  = fs.ModeDir | 0o755
	modeExe  = fs.FileMode(0o755)
	modeData = fs.FileMode(0o644)
	ocf      = "/usr/lib/ocf/resource.d/qvd"
)

// runbookSoftware is what QVD's runbook installs by hand on each node
// (section 5: sleha-bootstrap drbd drbd-pacemaker ... ntp), by the names
// SLES 15 gives it: `zypper install qvd-ha` must bring all of it.
// rpm/README.md maps each name of the runbook's list.
var runbookSoftware = []string{"chrony", "corosync", "crmsh", "drbd-kmp-default", "drbd-utils", "mailx",
	"pacemaker", "postgresql-server", "xfsprogs"}

// packages is the layout `make install` has, split as rpm/qvd-ha.spec
// says, and the meta-package. Every file is root's; licenses are checked
// by licenseFile and checkLicenses.
var packages = []pkg{
	{
		name:  "qvd-ha",
		files: map[string]file{},
		requires: append([]string{
			"qvd-ha-bootstrap = {evr}",
			"qvd-ha-fence-agents = {evr}",
			"qvd-ha-resource-agents = {evr}",
		}, runbookSoftware...),
	},
	{
		name: "qvd-ha-resource-agents",
		files: map[string]file{
			ocf:             {mode: modeDir},
			ocf + "/IPaddr": {mode: modeExe},
			ocf + "/drbd":   {mode: modeExe},
			ocf + "/pgsql":  {mode: modeExe},
			"/usr/share/man/man7/ocf_qvd_IPaddr.7.gz": {mode: modeData},
			"/usr/share/man/man7/ocf_qvd_drbd.7.gz":   {mode: modeData},
			"/usr/share/man/man7/ocf_qvd_pgsql.7.gz":  {mode: modeData},
		},
		sources: map[string]string{
			ocf + "/IPaddr": "agents/ipaddr",
			ocf + "/drbd":   "agents/drbd",
			ocf + "/pgsql":  "agents/pgsql",
		},
		requires: []string{"drbd-utils", "pacemaker-cli", "postgresql-server", "resource-agents"},
		probes: []probe{
			{[]string{ocf + "/pgsql", "meta-data"}, `<resource-agent name="pgsql" version="{evr}">`},
			{[]string{ocf + "/drbd", "meta-data"}, `<resource-agent name="drbd" version="{evr}">`},
			{[]string{ocf + "/IPaddr", "meta-data"}, `<resource-agent name="IPaddr" version="{evr}">`},
		},
		vendored: true,
	},
	{
		name: "qvd-ha-fence-agents",
		files: map[string]file{
			"/usr/sbin/fence_qvd_libvirt":                {mode: modeExe},
			"/usr/sbin/fence_qvd_xenapi":                 {mode: modeExe},
			"/usr/share/man/man8/fence_qvd_libvirt.8.gz": {mode: modeData},
			"/usr/share/man/man8/fence_qvd_xenapi.8.gz":  {mode: modeData},
		},
		sources: map[string]string{
			"/usr/sbin/fence_qvd_libvirt": "fence/libvirt",
			"/usr/sbin/fence_qvd_xenapi":  "fence/xenapi",
		},
		probes: []probe{
			{[]string{"/usr/sbin/fence_qvd_libvirt", "-o", "metadata"}, `<resource-agent name="fence_qvd_libvirt"`},
			{[]string{"/usr/sbin/fence_qvd_xenapi", "-o", "metadata"}, `<resource-agent name="fence_qvd_xenapi"`},
			{[]string{"/usr/sbin/fence_qvd_libvirt", "-V"}, "{evr}\n"},
			{[]string{"/usr/sbin/fence_qvd_xenapi", "--version"}, "{evr}\n"},
		},
		vendored: true,
	},
	{
		name: "qvd-ha-bootstrap",
		files: map[string]file{
			"/usr/sbin/qvd-ha-bootstrap":                              {mode: modeExe},
			"/usr/share/man/man8/qvd-ha-bootstrap.8.gz":               {mode: modeData},
			"/usr/sbin/qvd-ha":                                        {mode: modeExe},
			"/usr/share/man/man8/qvd-ha.8.gz":                         {mode: modeData},
			"/usr/share/bash-completion":                              {mode: modeDir},
			"/usr/share/bash-completion/completions":                  {mode: modeDir},
			"/usr/share/bash-completion/completions/qvd-ha-bootstrap": {mode: modeData},
			"/usr/share/bash-completion/completions/qvd-ha":           {mode: modeData},
			"/usr/share/qvd-ha":                                       {mode: modeDir},
			"/usr/share/qvd-ha/crm":                                   {mode: modeDir},
			"/usr/share/qvd-ha/crm/qvd-ha.crm":                        {mode: modeData},
			"/usr/share/qvd-ha/crm/qvd-ha.xml":                        {mode: modeData},
			"/usr/lib/systemd/system/qvd-ha-backup.service":           {mode: modeData},
			"/usr/lib/systemd/system/qvd-ha-backup.timer":             {mode: modeData},
			"/usr/lib/systemd/system/qvd-ha-drbd-verify.service":      {mode: modeData},
			"/usr/lib/systemd/system/qvd-ha-drbd-verify.timer":        {mode: modeData},
			"/etc/qvd-ha":                                        {mode: modeDir},
			"/etc/qvd-ha/bootstrap.conf":                         {mode: 0o600, config: true},
			"/usr/share/doc/packages/qvd-ha-bootstrap":           {mode: modeDir},
			"/usr/share/doc/packages/qvd-ha-bootstrap/README.md": {mode: modeData},
		},
		sources: map[string]string{
			"/usr/sbin/qvd-ha-bootstrap": "bootstrap",
			"/usr/sbin/qvd-ha":           "bootstrap/ops",
		},
		requires: []string{
			"/bin/sh", // the unit scriptlets
			"config(qvd-ha-bootstrap) = {evr}",
			"mailx",
			"pacemaker-cli",
			"qvd-ha-fence-agents = {evr}",
			"qvd-ha-resource-agents = {evr}",
		},
		probes: []probe{
			{[]string{"/usr/sbin/qvd-ha-bootstrap", "--version"}, "qvd-ha-bootstrap version {evr}"},
			{[]string{"/usr/sbin/qvd-ha", "--version"}, "qvd-ha version {evr}"},
		},
		vendored: true,
	},
}

func packageNamed(t *testing.T, name string) pkg {
	t.Helper()
	for _, p := range packages {
		if p.name == name {
			return p
		}
	}
	t.Fatalf("no package %s in the table", name)
	return pkg{}
}

// licenseFile says whether path belongs to the licenses of package name
// (%license: qvd-ha's LICENSE, and the vendored modules' license texts
// under directories named after the modules), and how it must be, given
// whether it is a directory.
func licenseFile(name, path string, isDir bool) (file, bool) {
	base := "/usr/share/licenses/" + name
	if path != base && !strings.HasPrefix(path, base+"/") {
		return file{}, false
	}
	if isDir {
		return file{mode: modeDir}, true
	}
	return file{mode: modeData}, true
}

// Every package with binaries carries all of vendor/'s licenses;
// golang.org/x/sys's is one of them.
const goLicense = "/vendor-licenses/golang.org/x/sys/LICENSE"

// licenses are the files every installation of p must hold under
// /usr/share/licenses: its LICENSE, and a vendored module's license.
func (p pkg) licenses() []string {
	l := []string{"/usr/share/licenses/" + p.name + "/LICENSE"}
	if p.vendored {
		l = append(l, "/usr/share/licenses/"+p.name+goLicense)
	}
	return l
}

// built is what one `make rpm rpmlint` produced.
type built struct {
	version, release, arch string
	rpms                   map[string]string // package name: .rpm file
	srpm                   string
	dir                    string // RPM_OUT
	output                 []byte // make's output, rpmlint's report at its end
	// what the same make run gave `make build`: VERSION and the flags
	// with which the binaries get it
	makeVersion, makeGoflags string
}

func (b *built) evr() string { return b.version + "-" + b.release }

func (b *built) expand(s string) string {
	return strings.NewReplacer("{evr}", b.evr()).Replace(s)
}

func build(t *testing.T) *built {
	t.Helper()
	top, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	// The last goal prints what `make build` would use, from the same
	// make run: the Makefile computes VERSION once per run, and commits
	// of others landing in between cannot make it differ.
	cmd := exec.Command("make", "rpm", "rpmlint", "RPM_OUT="+out, "qvd-ha-test-version",
		"--eval=qvd-ha-test-version: ; @echo 'VERSION=$(VERSION)'; echo 'GOFLAGS_BUILD=$(GOFLAGS_BUILD)'")
	cmd.Dir = top
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make rpm rpmlint: %v\n%s", err, tail(output, 80))
	}

	b := &built{rpms: map[string]string{}, output: output, dir: out}
	for _, l := range lines(output) {
		if v, ok := strings.CutPrefix(l, "VERSION="); ok {
			b.makeVersion = v
		}
		if v, ok := strings.CutPrefix(l, "GOFLAGS_BUILD="); ok {
			b.makeGoflags = v
		}
	}
	files, err := filepath.Glob(filepath.Join(out, "RPMS", "*", "*.rpm"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		fields := strings.Fields(string(run(t, "rpm", "-qp", "--qf", "%{NAME} %{VERSION} %{RELEASE} %{ARCH}", f)))
		if len(fields) != 4 {
			t.Fatalf("rpm -qp %s: %q", f, fields)
		}
		if _, dup := b.rpms[fields[0]]; dup {
			t.Fatalf("two packages named %s in %s", fields[0], out)
		}
		if b.version != "" && fields[1]+"-"+fields[2] != b.evr() {
			t.Fatalf("%s is %s-%s, another package %s", f, fields[1], fields[2], b.evr())
		}
		b.rpms[fields[0]] = f
		b.version, b.release, b.arch = fields[1], fields[2], fields[3]
	}
	want := []string{"qvd-ha-debuginfo"}
	for _, p := range packages {
		want = append(want, p.name)
	}
	if got := keys(b.rpms); !slices.Equal(got, sorted(want)) {
		t.Fatalf("built packages %v, want %v", got, sorted(want))
	}
	srpms, err := filepath.Glob(filepath.Join(out, "SRPMS", "qvd-ha-"+b.evr()+".src.rpm"))
	if err != nil || len(srpms) != 1 {
		t.Fatalf("source RPM qvd-ha-%s.src.rpm: %v %v", b.evr(), srpms, err)
	}
	b.srpm = srpms[0]
	t.Logf("built %s: %v", b.evr(), keys(b.rpms))
	return b
}

var lintLine = regexp.MustCompile(`^\S+: [EW]: `)

// checkLint: rpmlint's report has no error and no warning; what is
// filtered has its reason in rpm/qvd-ha-rpmlintrc or rpm/rpmlint.toml.
func checkLint(t *testing.T, output []byte) {
	if !bytes.Contains(output, []byte(" 0 errors, 0 warnings, ")) {
		t.Errorf("rpmlint's summary is not \"0 errors, 0 warnings\":\n%s", tail(output, 40))
	}
	for _, line := range strings.Split(string(output), "\n") {
		if lintLine.MatchString(line) {
			t.Errorf("rpmlint: %s (fix it, or filter it with its reason in rpm/qvd-ha-rpmlintrc)", line)
		}
	}
}

// checkVersion: the binaries `make build` makes say the Version-Release
// of the packages built in the same make run, and it is an RPM one, 0.y.z
// with what git describe adds in the Release (rpm/version.sh). The
// packages' own binaries say it too (their probes).
func checkVersion(t *testing.T, b *built) {
	if b.makeVersion != b.evr() {
		t.Errorf("make's VERSION %q, the packages are %s", b.makeVersion, b.evr())
	}
	if want := "-X main.version=" + b.evr(); !strings.Contains(b.makeGoflags, want) {
		t.Errorf("make build's flags %q do not set %s", b.makeGoflags, want)
	}
	if !regexp.MustCompile(`^0\.\d+\.\d+$`).MatchString(b.version) {
		t.Errorf("Version %q, want 0.y.z", b.version)
	}
	if !regexp.MustCompile(`^(0\.\d+\.g[0-9a-f]{7,}|1|1\.\d+\.g[0-9a-f]{7,})(\.dirty)?$`).MatchString(b.release) {
		t.Errorf("Release %q, want 0.N.gHASH (before the first tag), 1 or 1.N.gHASH, maybe .dirty", b.release)
	}
}

// rpmFile is one file of a package as its header describes it.
type rpmFile struct {
	mode        fs.FileMode
	user, group string
	flags       string // rpm's fflags: c config, n noreplace, d doc, l license
}

func rpmFiles(t *testing.T, rpm string) map[string]rpmFile {
	t.Helper()
	out := run(t, "rpm", "-qp", "--qf", `[%{FILENAMES}\t%{FILEMODES:octal}\t%{FILEUSERNAME}\t%{FILEGROUPNAME}\t%{FILEFLAGS:fflags}\n]`, rpm)
	files := map[string]rpmFile{}
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			t.Fatalf("rpm -qp %s: file line %q", rpm, line)
		}
		m, err := strconv.ParseUint(f[1], 8, 32)
		if err != nil {
			t.Fatalf("rpm -qp %s: mode of %s: %v", rpm, f[0], err)
		}
		files[f[0]] = rpmFile{mode: unixMode(uint32(m)), user: f[2], group: f[3], flags: f[4]}
	}
	return files
}

// unixMode turns st_mode bits into an fs.FileMode, as os.Lstat does.
func unixMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & syscall.S_IFMT {
	case syscall.S_IFDIR:
		mode |= fs.ModeDir
	case syscall.S_IFLNK:
		mode |= fs.ModeSymlink
	case syscall.S_IFREG:
	default:
		mode |= fs.ModeIrregular
	}
	if m&syscall.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if m&syscall.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if m&syscall.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

func checkContents(t *testing.T, b *built, p pkg) {
	got := rpmFiles(t, b.rpms[p.name])
	for path, g := range got {
		w, ok := p.files[path]
		if !ok {
			if w, ok = licenseFile(p.name, path, g.mode.IsDir()); !ok {
				t.Errorf("%s is in the package, not in the table", path)
				continue
			}
		}
		if g.mode != w.mode {
			t.Errorf("%s: mode %v, want %v", path, g.mode, w.mode)
		}
		if g.user != "root" || g.group != "root" {
			t.Errorf("%s: owner %s:%s, want root:root", path, g.user, g.group)
		}
		if isConfig := strings.Contains(g.flags, "c") && strings.Contains(g.flags, "n"); isConfig != w.config {
			t.Errorf("%s: flags %q, want %%config(noreplace) %v", path, g.flags, w.config)
		}
	}
	for path := range p.files {
		if _, ok := got[path]; !ok {
			t.Errorf("%s is missing from the package", path)
		}
	}
	checkLicenses(t, b.rpms[p.name], p)

	var requires []string
	for _, r := range lines(run(t, "rpm", "-qp", "--requires", b.rpms[p.name])) {
		if !strings.HasPrefix(r, "rpmlib(") {
			requires = append(requires, r)
		}
	}
	var want []string
	for _, r := range p.requires {
		want = append(want, b.expand(r))
	}
	if got, want := unique(requires), sorted(want); !slices.Equal(got, want) {
		t.Errorf("requires %q, want %q", got, want)
	}
}

// checkLicenses: the package holds qvd-ha's LICENSE as %license, the very
// text of the repository's, and, with binaries, vendor/'s license texts.
func checkLicenses(t *testing.T, rpm string, p pkg) {
	t.Helper()
	license, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(license)
	digests := map[string]string{} // path: "digest flags"
	for _, l := range lines(run(t, "rpm", "-qp", "--qf", `[%{FILENAMES} %{FILEDIGESTS} %{FILEFLAGS:fflags}\n]`, rpm)) {
		f := strings.Fields(l)
		if len(f) == 3 {
			digests[f[0]] = f[1] + " " + f[2]
		}
	}
	for _, path := range p.licenses() {
		d, ok := digests[path]
		switch {
		case !ok:
			t.Errorf("%s is missing from the package", path)
		case !strings.HasSuffix(d, " l"):
			t.Errorf("%s: flags %q, want %%license", path, d)
		case strings.HasSuffix(path, "/"+p.name+"/LICENSE") && !strings.HasPrefix(d, hex.EncodeToString(sum[:])+" "):
			t.Errorf("%s is not the repository's LICENSE (digest %s)", path, d)
		}
	}
}

// checkSource: the source RPM is what OBS builds from, the vendored
// tarball, the spec and the rpmlint filters; SOURCES holds what an OBS
// package checkout holds (the same and qvd-ha.changes, with an empty
// %changelog in the spec). Every package's change log is the .changes
// file's, as OBS would have put it into %changelog.
func checkSource(t *testing.T, b *built) {
	tarball := "qvd-ha-" + b.version + ".tar.gz"
	want := []string{tarball, "qvd-ha-rpmlintrc", "qvd-ha.spec"}
	if got := lines(run(t, "rpm", "-qpl", b.srpm)); !slices.Equal(sorted(got), want) {
		t.Errorf("source RPM holds %q, want %q", got, want)
	}
	obs, err := os.ReadDir(filepath.Join(b.dir, "SOURCES"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range obs {
		got = append(got, e.Name())
	}
	if want := sorted([]string{tarball, "qvd-ha-rpmlintrc", "qvd-ha.changes", "qvd-ha.spec"}); !slices.Equal(got, want) {
		t.Errorf("SOURCES (the OBS package) holds %q, want %q", got, want)
	}
	spec, err := os.ReadFile(filepath.Join(b.dir, "SOURCES/qvd-ha.spec"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(spec, []byte("\n%changelog\n")) {
		t.Errorf("SOURCES/qvd-ha.spec: %%changelog must be last and empty, for OBS to fill:\n%s", tail(spec, 5))
	}
	for _, v := range []string{"Version:        " + b.version + "\n", "Release:        " + b.release + "\n"} {
		if !bytes.Contains(spec, []byte("\n"+v)) {
			t.Errorf("SOURCES/qvd-ha.spec has no %q", v)
		}
	}

	changes, err := os.ReadFile(changesFile)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := parseChanges(string(changes))
	if err != nil {
		t.Fatalf("%s: %v", changesFile, err)
	}
	log := rpmChangelog(entries)
	for _, rpm := range append(slices.Collect(maps.Values(b.rpms)), b.srpm) {
		if got := string(run(t, "rpm", "-qp", "--changelog", rpm)); got != log {
			t.Errorf("%s: change log\n%s\nwant (from %s)\n%s", filepath.Base(rpm), got, changesFile, log)
		}
	}
}

func lines(b []byte) []string {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// tail is the end of a long output, where make and rpmbuild say what failed.
func tail(b []byte, n int) []byte {
	l := bytes.Split(b, []byte("\n"))
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return bytes.Join(l, []byte("\n"))
}

func keys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func unique(s []string) []string { return slices.Compact(sorted(s)) }

// rpmChangelog is what `rpm -q --changelog` prints for the entries once
// OBS (or make dist) has put them into the spec's %changelog.
func rpmChangelog(entries []changeEntry) string {
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "* %s %s\n%s\n\n", e.when.Format("Mon Jan 02 2006"), e.who, strings.Join(e.lines, "\n"))
	}
	return b.String()
}
