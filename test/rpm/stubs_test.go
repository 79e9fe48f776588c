//go:build root

package rpm_test

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
)

// stub stands for a SLES package that does not exist here, so that
// zypper's resolver and rpm's dependency check meet the names the spec
// requires and nothing else. It owns what the SLES package owns of the
// paths the tests look at.
// The fields are exported for text/template.
type stub struct {
	Name  string
	Why   string   // what the SLES package is for qvd-ha
	Dirs  []string // directories the SLES package owns
	Files []string // files, copied from this machine by buildStubs
}

// stubPackages are the SLES packages the tests need; glibc's holds the
// loader the built binaries name.
func stubPackages(loader string) []stub {
	return []stub{
		{Name: "resource-agents", Why: "OCF directories; the heartbeat agents the CIB also uses",
			Dirs: []string{"/usr/lib/ocf", "/usr/lib/ocf/resource.d"}},
		{Name: "pacemaker-cli", Why: "crm_attribute, cibadmin, crm_verify, crm_simulate"},
		{Name: "postgresql-server", Why: "pg_ctl"},
		{Name: "drbd-utils", Why: "drbdadm, drbdsetup, the fence-peer handlers"},
		{Name: "mailx", Why: "mail, which MailTo runs"},
		// the rest of what the runbook installs by hand (runbookSoftware)
		{Name: "pacemaker", Why: "the cluster resource manager"},
		{Name: "corosync", Why: "the cluster's membership and messaging"},
		{Name: "crmsh", Why: "crm, and crm cluster init (the runbook's sleha-bootstrap)"},
		{Name: "drbd-kmp-default", Why: "the DRBD kernel module for kernel-default"},
		{Name: "xfsprogs", Why: "mkfs.xfs for the database's filesystem"},
		{Name: "chrony", Why: "time synchronisation (the runbook's ntp)"},
		{Name: "filesystem", Why: "the base directories",
			Dirs: []string{"/usr/share/licenses", "/usr/share/doc/packages"}},
		// bash's /bin/sh runs the unit scriptlets
		{Name: "bash", Why: "/bin/sh", Files: []string{"/bin/sh"}},
		// the dynamic loader is all the PIE binaries need to run
		{Name: "glibc", Why: "the dynamic loader", Files: []string{loader}},
	}
}

// stubSet is the built stubs.
type stubSet struct {
	rpm map[string]string // name: .rpm file
	pkg map[string]stub
}

const stubSpec = `Name:           qvd-ha-test-stubs
Version:        1
Release:        0
Summary:        Stand-ins for SLES packages
License:        LicenseRef-qvd-ha-test-stub

%description
Stand-ins for SLES packages in qvd-ha's package tests.

%install
{{- range .Stubs}}{{range .Dirs}}
mkdir -p %{buildroot}{{.}}{{end}}{{range .Files}}
install -D -m 0755 {{index $.Sources .}} %{buildroot}{{.}}{{end}}{{end}}
{{range .Stubs}}
%package -n {{.Name}}
Summary:        Stand-in for SLES's {{.Name}}

%description -n {{.Name}}
{{.Why}}

%files -n {{.Name}}
{{- range .Dirs}}
%dir {{.}}{{end}}{{range .Files}}
{{.}}{{end}}
{{end}}`

// buildStubs builds the stub packages with rpmbuild. A stub's files come
// from this machine: bash's /bin/sh is busybox (static: it runs in an
// otherwise empty root), glibc's loader is this machine's, at the path the
// built binaries name.
func buildStubs(t *testing.T, b *built) stubSet {
	t.Helper()
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatalf("busybox (Debian's busybox-static) for the stub /bin/sh: %v", err)
	}
	if interp(t, busybox) != "" {
		t.Fatalf("%s is dynamically linked; the stub /bin/sh must run in an empty root: install busybox-static", busybox)
	}
	bin := filepath.Join(t.TempDir(), "fence")
	extract(t, b.rpms["qvd-ha-fence-agents"], bin)
	loader := interp(t, filepath.Join(bin, "usr/sbin/fence_qvd_libvirt"))
	if loader == "" {
		t.Fatal("fence_qvd_libvirt names no interpreter: not built as PIE")
	}
	hostLoader, err := filepath.EvalSymlinks(loader)
	if err != nil {
		t.Fatalf("the dynamic loader the binaries name: %v", err)
	}

	var data struct {
		Stubs   []stub
		Sources map[string]string
	}
	data.Sources = map[string]string{"/bin/sh": busybox, loader: hostLoader}
	set := stubSet{rpm: map[string]string{}, pkg: map[string]stub{}}
	for _, s := range stubPackages(loader) {
		data.Stubs = append(data.Stubs, s)
		set.pkg[s.Name] = s
	}
	top := t.TempDir()
	spec := filepath.Join(top, "stubs.spec")
	f, err := os.Create(spec)
	if err != nil {
		t.Fatal(err)
	}
	err = template.Must(template.New("spec").Parse(stubSpec)).Execute(f, data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("stub spec: %v", err)
	}
	// Plain rpmbuild, without the shim: no debuginfo, no build-id links,
	// no stripping or compression of the copied files.
	out, err := exec.Command("rpmbuild", "-bb", "--define", "_topdir "+top,
		"--define", "_build_id_links none", "--define", "__os_install_post %{nil}", spec).CombinedOutput()
	if err != nil {
		t.Fatalf("rpmbuild stubs: %v\n%s", err, tail(out, 30))
	}
	for name := range set.pkg {
		path := filepath.Join(top, "RPMS", b.arch, fmt.Sprintf("%s-1-0.%s.rpm", name, b.arch))
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("stub %s: %v", name, err)
		}
		set.rpm[name] = path
	}
	return set
}

// interp is the ELF interpreter an executable names, "" for none.
func interp(t *testing.T, path string) string {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				t.Fatalf("%s: interpreter: %v", path, err)
			}
			return strings.TrimRight(string(b), "\x00")
		}
	}
	return ""
}

// extract unpacks a package's files into dir, as rpm2cpio | cpio does.
func extract(t *testing.T, rpm, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-o", "pipefail", "-c", `rpm2cpio "$1" | cpio -idm --quiet`, "bash", rpm)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("unpacking %s: %v\n%s", rpm, err, out)
	}
}
