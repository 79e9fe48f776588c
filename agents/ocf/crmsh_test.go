//go:build root

package ocf

import (
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/test/crmtest"
)

// installTestAgent installs, for crmsh and crm_resource to find, an agent
// that prints a's meta-data, under a provider of its own, and returns the
// provider. crmsh reads meta-data through crm_resource, which looks only in
// /usr/lib/ocf/resource.d.
func installTestAgent(t *testing.T, a *Agent) string {
	t.Helper()
	provider := fmt.Sprintf("qvdtest%d", os.Getpid())
	dir := filepath.Join("/usr/lib/ocf/resource.d", provider)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatalf("installing the test agent: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	md := string(metadata(t, a))
	script := "#!/bin/sh\ncase $1 in meta-data) cat <<'EOF'\n" + md + "EOF\n;; *) exit 3;; esac\n"
	if err := os.WriteFile(filepath.Join(dir, a.Name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return provider
}

// crm runs crmsh on an offline CIB file and fails the test if crmsh
// does.
func crm(t *testing.T, cib string, args ...string) string {
	t.Helper()
	text, err := crmtest.Crm(cib, args...)
	if err != nil || strings.Contains(text, "ERROR") {
		t.Fatalf("crm %s: %v\n%s", strings.Join(args, " "), err, text)
	}
	return text
}

// cibOp is an operation of the CIB with its instance attributes.
type cibOp struct {
	Name     string `xml:"name,attr"`
	Interval string `xml:"interval,attr"`
	Attrs    []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	} `xml:"instance_attributes>nvpair"`
}

func cibOps(t *testing.T, cib, rsc string) []cibOp {
	t.Helper()
	b, err := os.ReadFile(cib)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Primitives []struct {
			ID  string  `xml:"id,attr"`
			Ops []cibOp `xml:"operations>op"`
		} `xml:"configuration>resources>primitive"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", cib, err)
	}
	for _, p := range doc.Primitives {
		if p.ID == rsc {
			return p.Ops
		}
	}
	t.Fatalf("%s has no primitive %s", cib, rsc)
	return nil
}

// TestCrmResourceTrace: crmsh 4.4's `crm resource trace` on an agent of
// ours, in an offline CIB. crmsh accepts it without the agent declaring
// trace_ra or trace_dir (it checks a primitive's parameters, not an
// operation's), writes them as instance attributes of the operation, and
// names as the default trace directory the one the runtime writes to. An
// action run with those attributes as Pacemaker passes them
// (OCF_RESKEY_<name>) writes its trace there.
func TestCrmResourceTrace(t *testing.T) {
	provider := installTestAgent(t, testAgent())
	empty, err := exec.Command("/usr/sbin/cibadmin", "--empty").Output()
	if err != nil {
		t.Fatalf("cibadmin --empty: %v", err)
	}
	cib := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(cib, []byte(strings.Replace(string(empty), "<cib ", `<cib have-quorum="1" `, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	crm(t, cib, "configure", "property", "stonith-enabled=false")
	crm(t, cib, "configure", "primitive", "r", "ocf:"+provider+":dummy", "params", "path=/srv/data",
		"op", "start", "timeout=60s", "interval=0", "op", "monitor", "interval=10s", "timeout=20s")

	// The whole resource: crmsh names the default directory.
	out := crm(t, cib, "resource", "trace", "r")
	defaultDir, _ := traceDest(envFunc(), "dummy", "r", "start", false, time.Now())
	if want := "is written to " + filepath.Dir(defaultDir); !strings.Contains(out, want) {
		t.Errorf("crm resource trace r says\n%s\nwant %q, where the runtime writes", out, want)
	}
	// One operation, into a directory of the administrator's choice.
	dir := t.TempDir()
	crm(t, cib, "resource", "trace", "r", "monitor", "10", dir)
	crm(t, cib, "configure", "verify")

	traced := map[string][]string{}
	for _, op := range cibOps(t, cib, "r") {
		key := op.Name + "/" + op.Interval
		for _, a := range op.Attrs {
			traced[key] = append(traced[key], "OCF_RESKEY_"+a.Name+"="+a.Value)
		}
	}
	for _, key := range []string{"start/0", "stop/0", "monitor/10s"} {
		if !strings.Contains(strings.Join(traced[key], " "), "OCF_RESKEY_trace_ra=1") {
			t.Errorf("op %s: attributes %q, want trace_ra=1", key, traced[key])
		}
	}

	// crmsh does check a primitive's parameters: trace_ra there is refused,
	// so its acceptance on an operation is not for want of checking.
	if out, err := crmtest.Crm(cib, "configure", "primitive", "r2", "ocf:"+provider+":dummy", "params", "path=/srv/other", "trace_ra=1"); err == nil ||
		!strings.Contains(out, `parameter "trace_ra" is not known`) {
		t.Errorf("crmsh took trace_ra as a primitive's parameter (err %v):\n%s", err, out)
	}

	// The traced monitor, as Pacemaker runs it.
	ok := withFunc(testAgent(), "monitor", func(context.Context, *Request) error { return nil })
	env := append([]string{"OCF_RESOURCE_INSTANCE=r", "OCF_RESOURCE_TYPE=dummy", "OCF_RESKEY_path=/srv/data",
		"OCF_RESKEY_CRM_meta_interval=10000"}, traced["monitor/10s"]...)
	if r := dispatch(t, ok, env, nil, "monitor"); r.rc != Success {
		t.Fatalf("monitor: rc %s\n%s", r.rc, r.stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "dummy", "r.monitor.*"))
	if len(files) != 1 {
		t.Fatalf("trace files %q under %s, want one r.monitor.<date>", files, dir)
	}
	if trace := readFile(t, files[0]); !strings.Contains(trace, "DEBUG: monitor finished with OCF_SUCCESS (rc 0)") {
		t.Errorf("trace has no result:\n%s", trace)
	}
}
