package pcmk

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// offline returns Tools working on a private copy of a captured CIB, with
// the real Pacemaker tools.
func offline(t *testing.T, cib string) (Tools, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), cib)
	if err := os.WriteFile(file, fixture(t, cib), 0o600); err != nil {
		t.Fatal(err)
	}
	return Tools{Run: runner.Exec{}, Env: []string{"CIB_file=" + file}}, file
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// The command lines against the real tools, on offline CIBs.

func TestStatusAndLocate(t *testing.T) {
	ctx := testContext(t)
	tools, _ := offline(t, "cib-running.xml")
	s, err := tools.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Where("p_drbd_postgres"), []string{"Promoted qvddb1", "Unpromoted qvddb2"}; !slices.Equal(got, want) {
		t.Errorf("p_drbd_postgres is %q, want %q", got, want)
	}
	if got := s.Attribute("qvddb1", "pingd"); got != "2000" {
		t.Errorf("pingd is %q, want 2000 (--include=attributes)", got)
	}
	locs, err := tools.Locate(ctx, "ms_drbd_postgres")
	if want := []Location{{Node: "qvddb2"}, {Node: "qvddb1", Promoted: true}}; err != nil || !slices.Equal(locs, want) {
		t.Errorf("Locate: %+v, %v; want %+v", locs, err, want)
	}
	_, err = tools.Locate(ctx, "nosuch")
	var exit *runner.ExitError
	if !errors.As(err, &exit) || !strings.Contains(err.Error(), "Resource 'nosuch' not found") {
		t.Errorf("Locate of an unknown resource: %v; want crm_resource's exit and its reason", err)
	}
}

func TestStatusWithoutCIB(t *testing.T) {
	tools := Tools{Run: runner.Exec{}, Env: []string{"CIB_file=" + filepath.Join(t.TempDir(), "none.xml")}}
	if s, err := tools.Status(testContext(t)); err == nil {
		t.Errorf("no error, status %+v", s)
	}
}

func TestPromotionScore(t *testing.T) {
	ctx := testContext(t)
	tools, _ := offline(t, "cib-joined.xml")
	// As the executor starts an agent: crm_attribute -p takes the resource
	// from OCF_RESOURCE_INSTANCE and, on an offline CIB, the node from
	// on_node (else this machine's name, no node of the CIB).
	agent := tools
	agent.Env = append(slices.Clone(tools.Env), "OCF_RESOURCE_INSTANCE=p_drbd_postgres", "OCF_RESKEY_CRM_meta_on_node=qvddb1")

	read := func(node, wantScore string, wantSet bool) {
		t.Helper()
		score, set, err := tools.PromotionScore(ctx, "p_drbd_postgres", node)
		if err != nil || score != wantScore || set != wantSet {
			t.Errorf("score on %s: %q, %v, %v; want %q, %v", node, score, set, err, wantScore, wantSet)
		}
	}
	read("qvddb1", "", false)
	if err := agent.SetPromotionScore(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	read("qvddb1", "1000", true)
	read("qvddb2", "", false)
	if err := agent.DeletePromotionScore(ctx); err != nil {
		t.Fatal(err)
	}
	read("qvddb1", "", false)
	if _, _, err := tools.PromotionScore(ctx, "p_drbd_postgres", "qvddb3"); err == nil || !strings.Contains(err.Error(), "Could not map name=qvddb3") {
		t.Errorf("score on a node the CIB lacks: %v; want crm_attribute's complaint", err)
	}
}

func TestSetProperty(t *testing.T) {
	ctx := testContext(t)
	tools, _ := offline(t, "cib-running.xml")
	if err := tools.SetProperty(ctx, "maintenance-mode", "true"); err != nil {
		t.Fatal(err)
	}
	cib, err := tools.QueryCIB(ctx, "crm_config")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cib), `name="maintenance-mode" value="true"`) {
		t.Errorf("crm_config after SetProperty:\n%s", cib)
	}
}

func TestCIBSections(t *testing.T) {
	ctx := testContext(t)
	tools, _ := offline(t, "cib-failed.xml")
	whole, err := tools.QueryCIB(ctx, "")
	if err != nil || !strings.HasPrefix(string(whole), "<cib ") {
		t.Errorf("the whole CIB: %v\n%.200s", err, whole)
	}
	locs, err := tools.LocationConstraints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []LocationConstraint{
		{ID: "l_fence_qvddb1", Rsc: "p_fence_qvddb1", Node: "qvddb1", Score: "-INFINITY"},
		{ID: "l_fence_qvddb2", Rsc: "p_fence_qvddb2", Node: "qvddb2", Score: "-INFINITY"},
		{ID: "l_ms_drbd_postgres_on_ping", Rsc: "ms_drbd_postgres"},
		{ID: "l_prefer_qvddb1", Rsc: "ms_drbd_postgres"},
	}
	if !slices.Equal(locs, want) {
		t.Errorf("location constraints %+v\nwant %+v", locs, want)
	}
	ops, err := tools.OpResults(ctx, "p_postgres")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ops, func(o OpResult) bool { return o.RC == 1 && o.ExitReason == "Simulated action result" }) {
		t.Errorf("the failed monitor is not among %+v", ops)
	}
	none := Tools{Run: runner.Exec{}, Env: []string{"CIB_file=" + filepath.Join(t.TempDir(), "none.xml")}}
	if _, err := none.QueryCIB(ctx, ""); err == nil || !strings.Contains(err.Error(), "cibadmin exited with status 105") {
		t.Errorf("no CIB: %v; want cibadmin's exit status", err)
	}
}

func TestReplaceConfiguration(t *testing.T) {
	ctx := testContext(t)
	tools, _ := offline(t, "cib-running.xml")
	conf, err := tools.QueryCIB(ctx, "configuration")
	if err != nil {
		t.Fatal(err)
	}
	const before, after = `name="resource-stickiness" value="100"`, `name="resource-stickiness" value="200"`
	changed := strings.Replace(string(conf), before, after, 1)
	if changed == string(conf) {
		t.Fatalf("the captured CIB has no %s:\n%s", before, conf)
	}
	file := filepath.Join(t.TempDir(), "configuration.xml")
	if err := os.WriteFile(file, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := tools.ReplaceConfiguration(ctx, file); err != nil {
		t.Fatal(err)
	}
	defaults, err := tools.QueryCIB(ctx, "rsc_defaults")
	if err != nil || !strings.Contains(string(defaults), after) {
		t.Errorf("rsc_defaults after the replace (%v):\n%s", err, defaults)
	}
	if err := tools.ReplaceConfiguration(ctx, filepath.Join(t.TempDir(), "none.xml")); err == nil {
		t.Error("a missing file was loaded without an error")
	}
}

func TestSimulate(t *testing.T) {
	tools := Tools{Run: runner.Exec{}}
	dir := t.TempDir()
	file := filepath.Join(dir, "cib.xml")
	if err := os.WriteFile(file, fixture(t, "cib-joined.xml"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The fixture's command line, with its node attributes set the same way.
	for _, node := range []string{"qvddb1", "qvddb2"} {
		for _, attr := range [][2]string{{"pingd", "2000"}, {"master-p_drbd_postgres", "10000"}} {
			if _, err := (runner.Exec{}).Run(testContext(t), runner.Cmd{Path: CrmAttribute, Env: []string{"CIB_file=" + file},
				Args: []string{"-N", node, "-l", "reboot", "-n", attr[0], "-v", attr[1]}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := tools.Simulate(testContext(t), file, "--save-output", filepath.Join(dir, "after.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := transitionSummary(string(fixture(t, "crm_simulate-start.txt"))); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := os.Stat(filepath.Join(dir, "after.xml")); err != nil {
		t.Errorf("the extra arguments were not passed: %v", err)
	}
	if _, err := tools.Simulate(testContext(t), filepath.Join(dir, "none.xml")); err == nil {
		t.Error("a missing CIB simulated without an error")
	}
	// An answer without its summary is no "nothing changes".
	mute := Tools{Run: runner.Func(func(context.Context, runner.Cmd) (runner.Result, error) {
		return runner.Result{Stdout: []byte("Current cluster status:\n")}, nil
	})}
	if got, err := mute.Simulate(testContext(t), file); err == nil {
		t.Errorf("output without a transition summary: %q, want an error", got)
	}
}

func TestVerify(t *testing.T) {
	tools := Tools{Run: runner.Exec{}}
	v, err := tools.Verify(testContext(t), filepath.Join("testdata", "cib-running.xml"))
	if err != nil || v.Invalid || v.Report != "" {
		t.Errorf("the captured CIB: %+v, %v; want clean", v, err)
	}
	// An empty CIB has no fencing device while stonith-enabled defaults to true.
	empty, err := (runner.Exec{}).Run(testContext(t), runner.Cmd{Path: Cibadmin, Args: []string{"--empty"}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "empty.xml")
	if err := os.WriteFile(file, empty.Stdout, 0o600); err != nil {
		t.Fatal(err)
	}
	v, err = tools.Verify(testContext(t), file)
	if err != nil || !v.Invalid || !strings.Contains(v.Report, "no STONITH resources have been defined") {
		t.Errorf("an empty CIB: %+v, %v; want invalid, with the reason", v, err)
	}
	v, err = Tools{Run: runner.Func(func(context.Context, runner.Cmd) (runner.Result, error) {
		return runner.Result{ExitCode: -1}, context.DeadlineExceeded
	})}.Verify(testContext(t), file)
	if !errors.Is(err, context.DeadlineExceeded) || v.Invalid {
		t.Errorf("a crm_verify that did not finish: %+v, %v; want the deadline's error", v, err)
	}
}

// Without a fencer stonith_admin writes its complaint into the XML only.
func TestFenceHistoryWithoutFencer(t *testing.T) {
	var ran string
	tools := Tools{Run: runner.Func(func(_ context.Context, c runner.Cmd) (runner.Result, error) {
		ran = c.String()
		return runner.Result{Stdout: fixture(t, "stonith_admin-history-no-fencer.xml"), ExitCode: 102},
			&runner.ExitError{Cmd: c.Path, Code: 102}
	})}
	_, err := tools.FenceHistory(testContext(t), "*")
	if want := "/usr/sbin/stonith_admin --history=* --output-as=xml"; ran != want {
		t.Errorf("ran %q, want %q", ran, want)
	}
	var exit *runner.ExitError
	if !errors.As(err, &exit) || !strings.Contains(err.Error(), "Could not connect to fencer: Transport endpoint is not connected") {
		t.Errorf("error %v: want the exit status and stonith_admin's reason", err)
	}
}
