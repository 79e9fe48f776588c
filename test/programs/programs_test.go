// Package programs holds the list of external programs qvd-ha runs
// (programs.txt) and the test that keeps it true to the code.
package programs

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// dynamic names what each exec site runs whose program the scan cannot
// read from a literal: a path built at run time or given by a caller. An
// empty list means a binary this module builds (an agent under test).
var dynamic = map[string][]string{
	"agents/pgsql.pgCtlStart":                        {"pg_ctl"},
	"agents/pgsql.monitorOnce":                       {"/usr/lib/ocf/resource.d/heartbeat/pgsql"},
	"agents/pgsql.runIn":                             {},
	"agents/ipaddr.TestManPage":                      {},
	"agents/ipaddr.TestCRMShellAcceptsIPaddr2Params": {},
	"fence/libvirt.TestExitCodesAsFenceVirsh":        {"fence_virsh"},
	"fence/xenapi.TestFenceXenapiParams":             {},
	"fence/xenapi.TestExitCodesAsFenceXenapi":        {"/usr/sbin/fence_xenapi"},
	"agents/ipaddr.runBin":                           {},
	"agents/ipaddr.BenchmarkMonitor":                 {},
	"agents/ipaddr.TestMetadata":                     {},
	"bootstrap.exec":                                 {},
	"bootstrap/internal/completion.programs":         {},
	"bootstrap/verify.timeDevice":                    {}, // the fence agents, installed by this module
	"bootstrap/cib.metadata":                         {},
	"bootstrap/maintenance.Run":                      {"pg_dump"},
	"bootstrap/storage.mkfs":                         {"mkfs.xfs"},
	"fence/fencing.xmlValid":                         {"xmllint"},
	"fence/fencing.TestManPageRenders":               {"groff"},
	"fence/libvirt.agentRun":                         {},
	"fence/libvirt.BenchmarkVersusFenceVirsh":        {"fence_virsh"},
	"fence/xenapi.runAgent":                          {},
	"fence/xenapi.BenchmarkVersusFenceXenapi":        {},
	"fence/xenapi.TestPasswordScriptAndArgv":         {},
	"fence/xenapi.TestMetadata":                      {},
	"test/cluster.bootstrap":                         {},
	"test/cluster.QVDHA":                             {}, // the harness's qvd-ha, inside a node
	"test/cluster.power":                             {}, // the node's power switch, written by the harness
	"test/gobuild.Static":                            {"go"},
	"test/pgtest.Run":                                {"initdb", "pg_ctl"},
	"test/cluster.initDatabase":                      {"initdb", "pg_ctl"},
	"test/sshtest.Start":                             {"/usr/sbin/sshd"},
}

// through names what a site runs inside another program (nsenter, ip netns
// exec, chroot, sh -c): the scan sees only the outer one.
var through = map[string][]string{
	"test/cluster.power":      {"corosync", "pacemakerd", "chronyd"}, // node-init
	"test/cluster.ip":         {"chronyd"},                           // the router's, in the switch namespace
	"test/cluster.Exec":       {"corosync-cfgtool", "crm", "crm_mon", "pacemakerd", "pgrep", "pkill", "stonith_admin", "setpriv", "runuser", "psql", "head", "mountpoint", "pg_ctl", "pg_restore", "createdb", "dropdb", "ls"},
	"test/cluster/demo.query": {"psql"},
	"internal/pcmk.fencer":    {"corosync", "corosync-cfgtool", "/usr/lib/pacemaker/pacemaker-fenced", "fence_dummy", "mount", "hostname", "ip"},
}

// notExec are sites the scan finds that start nothing: the runner's own
// exec, whose callers are the sites.
var notExec = []string{"internal/runner.Run"}

type entry struct {
	program, pkg, needed, usedBy string
}

func readList(t *testing.T) []entry {
	t.Helper()
	f, err := os.Open("programs.txt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	var list []entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 4 || (fields[2] != "test" && fields[2] != "node") {
			t.Fatalf("programs.txt: %q: want program, package, test|node, used by", line)
		}
		list = append(list, entry{fields[0], fields[1], fields[2], strings.Join(fields[3:], " ")})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return list
}

// TestListMatchesExecSites: every program an exec site in the Go code runs
// is in programs.txt, every entry is run somewhere, and every exec site
// whose program is not a literal is explained in dynamic.
func TestListMatchesExecSites(t *testing.T) {
	list := readList(t)
	listed := map[string]entry{}
	for _, e := range list {
		if _, dup := listed[e.program]; dup {
			t.Errorf("programs.txt: %s is listed twice", e.program)
		}
		listed[e.program] = e
	}
	sites, err := scanTree("../..")
	if err != nil {
		t.Fatal(err)
	}

	used := map[string]bool{}
	need := func(where, program string) {
		if ours(program) {
			return
		}
		name := program
		if _, ok := listed[name]; !ok {
			// A fallback path (/usr/local/go/bin/go) is the listed name.
			name = filepath.Base(program)
		}
		used[name] = true
		if _, ok := listed[name]; !ok {
			t.Errorf("%s runs %s, which test/programs/programs.txt does not list (add it with its Debian package)", where, program)
		}
	}
	known := map[string]bool{}
	for _, s := range sites {
		known[s.fn] = true
		switch {
		case s.wrapper || slices.Contains(notExec, s.fn):
		case len(s.programs) > 0:
			for _, p := range s.programs {
				need(s.pos, p)
			}
		default:
			progs, ok := dynamic[s.fn]
			if !ok {
				t.Errorf("%s (%s) runs a program the scan cannot name: say which in dynamic", s.pos, s.fn)
			}
			for _, p := range progs {
				need(s.pos, p)
			}
		}
	}
	for _, table := range []map[string][]string{dynamic, through} {
		for fn, progs := range table {
			if !known[fn] {
				t.Errorf("%s: no exec site there any more: remove it from the table", fn)
			}
			for _, p := range progs {
				need(fn, p)
			}
		}
	}

	for _, e := range list {
		if used[e.program] {
			continue
		}
		script := scriptIn(e.usedBy)
		if script == "" {
			t.Errorf("programs.txt lists %s, but no exec site runs it: remove it, or name the script that does", e.program)
			continue
		}
		text, err := os.ReadFile(filepath.Join("../..", script))
		if err != nil {
			t.Errorf("programs.txt: %s: %v", e.program, err)
			continue
		}
		if !strings.Contains(string(text), filepath.Base(e.program)) {
			t.Errorf("programs.txt: %s is said to be run by %s, which does not mention it", e.program, script)
		}
	}
}

// ours: a program this module builds and make install puts in place, as
// the tests that need the installed agents run it.
func ours(program string) bool {
	return strings.HasPrefix(program, "/usr/lib/ocf/resource.d/qvd/") ||
		strings.HasPrefix(program, "/usr/sbin/fence_qvd_") || filepath.Base(program) == "qvd-ha-bootstrap"
}

// scriptIn returns the shell script or makefile a "used by" text names.
func scriptIn(usedBy string) string {
	for _, w := range strings.Fields(usedBy) {
		w = strings.Trim(w, "(),")
		if strings.HasSuffix(w, ".sh") || strings.HasSuffix(w, ".mk") || w == "Makefile" {
			return w
		}
	}
	return ""
}

// TestCheckScriptReadsTheList: check.sh names the package of a missing
// program and fails, and passes when everything needed is there.
func TestCheckScriptReadsTheList(t *testing.T) {
	list := filepath.Join(t.TempDir(), "programs.txt")
	body := "# comment\nsh dash test shells\nno-such-program-qvd qvd-missing-pkg test nothing\nno-such-node-tool qvd-node-pkg node nothing\n"
	if err := os.WriteFile(list, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runCheck(t, list)
	if err == nil {
		t.Fatalf("check.sh passed with a missing program:\n%s", out)
	}
	for _, want := range []string{"no-such-program-qvd", "qvd-missing-pkg", "apt-get install"} {
		if !strings.Contains(out, want) {
			t.Errorf("check.sh output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "sh (dash)") {
		t.Errorf("check.sh reported a program that is there:\n%s", out)
	}

	if err := os.WriteFile(list, []byte("sh dash test shells\nno-such-node-tool qvd-node-pkg node nothing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runCheck(t, list); err != nil {
		t.Fatalf("check.sh failed although only a node program is missing: %v\n%s", err, out)
	}
}

// TestEverythingNeededIsHere runs the real check on the real list: on a
// machine prepared by test/deps-debian.sh it passes.
func TestEverythingNeededIsHere(t *testing.T) {
	if out, err := runCheck(t, "programs.txt"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

func runCheck(t *testing.T, list string) (string, error) {
	t.Helper()
	out, err := exec.Command("bash", "check.sh", list).CombinedOutput()
	return string(out), err
}
