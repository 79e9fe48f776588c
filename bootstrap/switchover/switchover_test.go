package switchover

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

const (
	pcmkData = "../../internal/pcmk/testdata/"
	drbdData = "../../internal/drbdstate/testdata/drbd84/"
)

func read(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// cluster is a fake cluster around the real Pacemaker tools: they work on
// an offline copy of a captured CIB (CIB_file), and when act is set the
// cluster carries out a move the way the scheduler plans it (crm_simulate
// --simulate on the file) before the next crm_mon. stonith_admin and
// drbdsetup answer from captured outputs.
type cluster struct {
	t    *testing.T
	file string // the "live" CIB
	act  bool
	// history is stonith_admin's answer; drbd is drbdsetup's, "" for a
	// resource that is down.
	history, drbd []byte
	// editMon changes crm_mon's output, for states the tools cannot set
	// in an offline CIB (a node offline, unclean, a fail count).
	editMon func(string) string
	// failMove makes a live crm_resource --move fail; onMove runs after
	// a live one succeeded.
	failMove bool
	onMove   func()

	mu      sync.Mutex
	calls   []runner.Cmd
	pending bool // a move written, not yet carried out
}

func newCluster(t *testing.T, cib string) *cluster {
	t.Helper()
	file := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(file, read(t, pcmkData+cib), 0o600); err != nil {
		t.Fatal(err)
	}
	return &cluster{t: t, file: file, history: read(t, pcmkData+"stonith_admin-history.xml"),
		drbd: read(t, drbdData+"primary-connected-uptodate.drbdsetup-events2.txt")}
}

func (c *cluster) tools() pcmk.Tools {
	return pcmk.Tools{Run: runner.Exec{}, Env: []string{"CIB_file=" + c.file}}
}

func onCopy(cmd runner.Cmd) bool {
	return slices.ContainsFunc(cmd.Env, func(e string) bool { return strings.HasPrefix(e, "CIB_file=") })
}

func (c *cluster) Run(ctx context.Context, cmd runner.Cmd) (runner.Result, error) {
	c.mu.Lock()
	c.calls = append(c.calls, cmd)
	c.mu.Unlock()
	name := filepath.Base(cmd.Path)
	switch name {
	case "stonith_admin":
		return runner.Result{Stdout: c.history}, nil
	case "drbdsetup":
		if c.drbd == nil {
			return runner.Result{}, &runner.ExitError{Cmd: cmd.String(), Code: 10, Stderr: "r0: No such resource"}
		}
		return runner.Result{Stdout: c.drbd}, nil
	}
	live := !onCopy(cmd)
	if live {
		cmd.Env = append(slices.Clone(cmd.Env), "CIB_file="+c.file)
	}
	moving := live && name == "crm_resource" && slices.Contains(cmd.Args, "--move")
	if moving && c.failMove {
		return runner.Result{}, &runner.ExitError{Cmd: cmd.String(), Code: 1, Stderr: "Error performing operation: Timer expired"}
	}
	if live && name == "crm_mon" && c.act && c.isPending() {
		c.carryOut(ctx)
	}
	res, err := runner.Exec{}.Run(ctx, cmd)
	if moving && err == nil {
		c.mu.Lock()
		c.pending = true
		c.mu.Unlock()
		if c.onMove != nil {
			c.onMove()
		}
	}
	if name == "crm_mon" && c.editMon != nil {
		res.Stdout = []byte(c.editMon(string(res.Stdout)))
	}
	return res, err
}

func (c *cluster) isPending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pending
}

// carryOut runs the scheduler's transition on the live CIB, every action
// succeeding.
func (c *cluster) carryOut(ctx context.Context) {
	out := c.file + ".next"
	if _, err := (runner.Exec{}).Run(ctx, runner.Cmd{Path: "/usr/sbin/crm_simulate", Args: []string{"--xml-file", c.file, "--simulate", "--save-output", out}}); err != nil {
		c.t.Errorf("the fake cluster's transition: %v", err)
		return
	}
	if err := os.Rename(out, c.file); err != nil {
		c.t.Error(err)
	}
	c.mu.Lock()
	c.pending = false
	c.mu.Unlock()
}

// live lists the calls of tool (its base name) on the live CIB holding arg.
func (c *cluster) live(tool, arg string) []runner.Cmd {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []runner.Cmd
	for _, cmd := range c.calls {
		if filepath.Base(cmd.Path) == tool && slices.Contains(cmd.Args, arg) && !onCopy(cmd) {
			out = append(out, cmd)
		}
	}
	return out
}

// constraints are the CIB's move and ban constraints.
func (c *cluster) constraints() []string {
	c.t.Helper()
	locs, err := c.tools().LocationConstraints(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	var out []string
	for _, l := range locs {
		if strings.HasPrefix(l.ID, "cli-") {
			out = append(out, l.ID)
		}
	}
	return out
}

// probe writes unless a move has been written and not yet carried out.
type probe struct{ c *cluster }

func (p probe) Write(context.Context) error {
	if p.c.isPending() {
		return errors.New("connection refused")
	}
	return nil
}

func (probe) Close() {}

// refusing is a database the probe cannot log in to.
type refusing struct{}

func (refusing) Write(context.Context) error {
	return errors.New(`failed SASL auth: FATAL: password authentication failed for user "qvd"`)
}

func (refusing) Close() {}

func testSwitch(t *testing.T, c *cluster, out *bytes.Buffer) *Switch {
	t.Helper()
	cfg := config.Default()
	cfg.DRBDResource = "r0" // the captured resource's name
	sw := New(cfg, pcmk.Tools{Run: c}, c, func() (Probe, error) { return probe{c}, nil }, out)
	sw.PollEvery, sw.ProbeEvery, sw.ProbeTimeout = 20*time.Millisecond, 10*time.Millisecond, 100*time.Millisecond
	return sw
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// nodeAttr sets an attribute of a node's element in crm_mon's output.
func nodeAttr(node, attr, value string) func(string) string {
	elem := regexp.MustCompile(`<node name="` + node + `" id="` + node + `"[^>]*>`)
	val := regexp.MustCompile(` ` + attr + `="[^"]*"`)
	return func(s string) string {
		return elem.ReplaceAllStringFunc(s, func(e string) string { return val.ReplaceAllString(e, ` `+attr+`="`+value+`"`) })
	}
}

func crmAttribute(args ...string) func(*testing.T, pcmk.Tools) {
	return func(t *testing.T, tools pcmk.Tools) {
		t.Helper()
		if _, err := tools.Run.Run(testContext(t), runner.Cmd{Path: "/usr/sbin/crm_attribute", Args: args, Env: tools.Env}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRefusals(t *testing.T) {
	// stonith_admin-history.xml's form, the operation still pending.
	pending := []byte(`<pacemaker-result api-version="2.25" request="stonith_admin --history=* --output-as=xml">
  <list name="fencing history" count="1">
    <fence_event action="reboot" target="qvddb2" client="pacemaker-controld.1234" origin="qvddb1" status="pending"/>
  </list>
  <status code="0" message="OK"/>
</pacemaker-result>`)
	failed := func(s string) string {
		return strings.Replace(s, `<resource_history id="p_fence_qvddb1"`,
			`<resource_history id="p_postgres" orphan="false" migration-threshold="2" fail-count="1" last-failure="Sun Dec  6 22:30:00 2026"/>`+"\n"+`<resource_history id="p_fence_qvddb1"`, 1)
	}
	tests := []struct {
		name    string
		cib     string // default cib-running.xml: the database on qvddb1
		prepare func(*testing.T, pcmk.Tools)
		editMon func(string) string
		history []byte
		drbd    string // drbdsetup's output, a file of drbdData
		dryRun  bool
		want    []string // one per reason
	}{
		{name: "target offline", editMon: nodeAttr("qvddb2", "online", "false"), want: []string{"qvddb2 is offline: start its cluster stack"}},
		{name: "target unclean", editMon: nodeAttr("qvddb2", "unclean", "true"), want: []string{"qvddb2 is unclean"}},
		{name: "target in standby", prepare: crmAttribute("--node", "qvddb2", "--name", "standby", "--update", "on"),
			want: []string{"qvddb2 is in standby: bring it back with crm node online qvddb2"}},
		{name: "target in standby, dry run", prepare: crmAttribute("--node", "qvddb2", "--name", "standby", "--update", "on"),
			dryRun: true, want: []string{"qvddb2 is in standby"}},
		{name: "target in maintenance", prepare: crmAttribute("--node", "qvddb2", "--name", "maintenance", "--update", "true"),
			want: []string{"qvddb2 is in maintenance: end it with crm node ready qvddb2"}},
		{name: "ping score 0", prepare: crmAttribute("--node", "qvddb2", "--lifetime", "reboot", "--name", "pingd", "--update", "0"),
			want: []string{"qvddb2's ping score is 0: it cannot reach 192.0.2.1"}},
		{name: "ping score unset", prepare: crmAttribute("--node", "qvddb2", "--lifetime", "reboot", "--name", "pingd", "--delete"),
			want: []string{"qvddb2 has no ping score yet"}},
		{name: "DRBD not UpToDate on the target", prepare: crmAttribute("--node", "qvddb2", "--lifetime", "reboot", "--name", "master-p_drbd_postgres", "--update", "10"),
			want: []string{"DRBD on qvddb2 is not UpToDate (promotion score 10"}},
		{name: "DRBD peer disk not UpToDate as this node sees it", drbd: "sync-source.drbdsetup-events2.txt",
			want: []string{"DRBD r0 minor 0 on qvddb2: its disk as qvddb1 sees it is Inconsistent"}},
		{name: "fencing in progress", history: pending, want: []string{"a fencing of qvddb2 (reboot) is in progress"}},
		{name: "database failed on the target", editMon: failed,
			want: []string{"p_postgres failed on qvddb2 (fail count 1): find out why (qvd-ha status), then crm resource cleanup p_postgres"}},
		{name: "maintenance-mode", prepare: func(t *testing.T, tools pcmk.Tools) {
			if err := tools.SetProperty(testContext(t), "maintenance-mode", "true"); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"the cluster is in maintenance-mode"}},
		{name: "banned from the target", prepare: func(t *testing.T, tools pcmk.Tools) {
			if _, err := tools.Run.Run(testContext(t), runner.Cmd{Path: "/usr/sbin/crm_resource", Args: []string{"--ban", "--resource", "g_postgres", "--node", "qvddb2"}, Env: tools.Env}); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"constraint cli-ban-g_postgres-on-qvddb2 bans g_postgres from qvddb2: remove it with crm resource clear g_postgres"}},
		{name: "database stopped everywhere", cib: "cib-joined.xml", want: []string{"the database runs nowhere: there is nothing to switch over; find out why (qvd-ha status), then start it with crm resource start g_postgres"}},
		{name: "two reasons, two lines", editMon: func(s string) string {
			return nodeAttr("qvddb2", "standby", "true")(nodeAttr("qvddb2", "maintenance", "true")(s))
		},
			want: []string{"qvddb2 is in standby", "qvddb2 is in maintenance"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cib := tt.cib
			if cib == "" {
				cib = "cib-running.xml"
			}
			c := newCluster(t, cib)
			c.act = true
			c.editMon = tt.editMon
			if tt.history != nil {
				c.history = tt.history
			}
			if tt.drbd != "" {
				c.drbd = read(t, drbdData+tt.drbd)
			}
			if tt.prepare != nil {
				tt.prepare(t, c.tools())
			}
			before := read(t, c.file)
			var out bytes.Buffer
			sw := testSwitch(t, c, &out)
			probes := 0
			sw.NewProbe = func() (Probe, error) { probes++; return probe{c}, nil }
			err := sw.Run(testContext(t), Request{Here: "qvddb1", DryRun: tt.dryRun, Timeout: 5 * time.Second})
			var refused *Refused
			if !errors.As(err, &refused) {
				t.Fatalf("got %v, want a refusal\n%s", err, out.String())
			}
			if len(refused.Reasons) != len(tt.want) {
				t.Errorf("reasons %q, want %d", refused.Reasons, len(tt.want))
			}
			for i, w := range tt.want {
				if i < len(refused.Reasons) && !strings.Contains(refused.Reasons[i], w) {
					t.Errorf("reason %d is %q, want it to contain %q", i, refused.Reasons[i], w)
				}
			}
			if moves := c.live("crm_resource", "--move"); len(moves) > 0 || probes > 0 {
				t.Errorf("a refusal moved (%v) or opened the write probe (%d)", moves, probes)
			}
			if !bytes.Equal(read(t, c.file), before) {
				t.Error("a refusal changed the CIB")
			}
		})
	}
}

func TestNothingToDo(t *testing.T) {
	c := newCluster(t, "cib-running.xml")
	var out bytes.Buffer
	before := read(t, c.file)
	if err := testSwitch(t, c, &out).Run(testContext(t), Request{Here: "qvddb2", To: "qvddb1", Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	if want := "the database already runs on qvddb1: nothing to do\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
	if !bytes.Equal(read(t, c.file), before) || len(c.live("crm_resource", "--move")) > 0 {
		t.Error("nothing to do changed the CIB")
	}
}

func TestCannotRun(t *testing.T) {
	tests := []struct {
		name      string
		here, to  string
		noCluster bool
		// noWrites is a database that refuses the probe's writes before
		// the move.
		noWrites bool
		want     string
	}{
		{name: "unknown target", here: "qvddb1", to: "qvddb9", want: `unknown node "qvddb9": the cluster's nodes are qvddb1 and qvddb2`},
		{name: "unknown node here", here: "laptop", want: `this node, "laptop", is neither qvddb1 nor qvddb2`},
		{name: "no cluster", here: "qvddb1", noCluster: true, want: "no cluster to switch over (is the cluster stack running on this node? crm cluster start)"},
		{name: "no writes before the move", here: "qvddb1", noWrites: true, want: "the database does not take writes through 192.0.2.10 before the move, so its move could not be measured; nothing was changed: failed SASL auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, "cib-running.xml")
			if tt.noCluster {
				c.file = filepath.Join(t.TempDir(), "none.xml")
			}
			var out bytes.Buffer
			sw := testSwitch(t, c, &out)
			if tt.noWrites {
				sw.NewProbe = func() (Probe, error) { return refusing{}, nil }
			}
			err := sw.Run(testContext(t), Request{Here: tt.here, To: tt.to, Timeout: time.Second})
			var refused *Refused
			var failed *Failed
			if err == nil || errors.As(err, &refused) || errors.As(err, &failed) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error saying %q, neither refused nor failed", err, tt.want)
			}
			if len(c.live("crm_resource", "--move")) > 0 {
				t.Error("moved")
			}
		})
	}
}

// TestMoveClears: however the wait ends, the move constraint is removed
// (the fake sees --clear naming the target, after the --move) and the CIB
// has none left.
func TestMoveClears(t *testing.T) {
	tests := []struct {
		name     string
		act      bool // the cluster carries the move out
		failMove bool
		cancel   bool // Ctrl-C once the move is written
		timeout  time.Duration
		want     string // in the output (success) or the error
	}{
		{name: "moved", act: true, timeout: 10 * time.Second, want: "the database writes on qvddb2: write unavailability "},
		{name: "timeout", timeout: 2 * time.Second, want: "did not write on qvddb2 in time (last seen: the database is on qvddb1); the database is now on qvddb1"},
		{name: "interrupted", cancel: true, timeout: 10 * time.Second, want: "interrupted before the database wrote on qvddb2"},
		{name: "move fails", failMove: true, timeout: 10 * time.Second, want: "move g_postgres to qvddb2: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, "cib-running.xml")
			c.act, c.failMove = tt.act, tt.failMove
			ctx, cancel := context.WithCancel(testContext(t))
			defer cancel()
			if tt.cancel {
				c.onMove = cancel
			}
			var out bytes.Buffer
			err := testSwitch(t, c, &out).Run(ctx, Request{Here: "qvddb1", Timeout: tt.timeout})
			var failed *Failed
			switch {
			case tt.act && err != nil:
				t.Fatalf("%v\n%s", err, out.String())
			case tt.act && !strings.Contains(out.String(), tt.want):
				t.Errorf("output lacks %q:\n%s", tt.want, out.String())
			case !tt.act && !errors.As(err, &failed):
				t.Errorf("got %v, want a failure", err)
			case !tt.act && !strings.Contains(err.Error(), tt.want):
				t.Errorf("error %q lacks %q", err, tt.want)
			}
			moves, clears := c.live("crm_resource", "--move"), c.live("crm_resource", "--clear")
			if len(moves) != 1 || len(clears) != 1 || !slices.Contains(clears[0].Args, "qvddb2") {
				t.Fatalf("moves %v, clears %v; want one of each, the clear naming qvddb2", moves, clears)
			}
			want := fmt.Sprintf("PT%dS", (tt.timeout+time.Minute+time.Second-1)/time.Second)
			if lifetime := moves[0].Args[slices.Index(moves[0].Args, "--lifetime")+1]; lifetime != want {
				t.Errorf("--lifetime %s, want %s: the wait and a minute", lifetime, want)
			}
			if left := c.constraints(); len(left) > 0 {
				t.Errorf("constraints left: %v", left)
			}
			if tt.act {
				st, err := c.tools().Status(ctx)
				if err != nil || !groupOn(st, "qvddb2") {
					t.Errorf("the group is not on qvddb2 after the switch-over: %v", err)
				}
			}
		})
	}
}

func TestDryRun(t *testing.T) {
	c := newCluster(t, "cib-running.xml")
	before := read(t, c.file)
	var out bytes.Buffer
	sw := testSwitch(t, c, &out)
	sw.NewProbe = func() (Probe, error) { t.Error("a dry run opened the write probe"); return probe{c}, nil }
	if err := sw.Run(testContext(t), Request{Here: "qvddb2", DryRun: true, Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dry run: moving g_postgres from qvddb1 to qvddb2", "  Move p_postgres ( qvddb1 -> qvddb2 )",
		"  Promote p_drbd_postgres:1 ( Unpromoted -> Promoted qvddb2 )", "nothing was changed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if moves := c.live("crm_resource", "--move"); len(moves) > 0 {
		t.Errorf("a dry run moved on the live CIB: %v", moves)
	}
	if !bytes.Equal(read(t, c.file), before) {
		t.Error("a dry run changed the live CIB")
	}
}

func TestUnavailability(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	at := func(ms int, ok bool) sample { return sample{at: t0.Add(time.Duration(ms) * time.Millisecond), ok: ok} }
	tests := []struct {
		name    string
		samples []sample
		want    time.Duration
		failed  bool
	}{
		{"no failure", []sample{at(100, true), at(250, true)}, 0, false},
		{"one outage", []sample{at(100, true), at(250, true), at(400, false), at(550, false), at(700, true), at(850, false), at(1000, true)}, 450 * time.Millisecond, true},
		{"failing from the start", []sample{at(100, false), at(300, true)}, 300 * time.Millisecond, true},
		{"never wrote again", []sample{at(100, true), at(250, false)}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &timeline{start: t0, samples: tt.samples}
			d, failed := l.unavailability()
			if d != tt.want || failed != tt.failed {
				t.Errorf("%s, %v; want %s, %v", d, failed, tt.want, tt.failed)
			}
		})
	}
}
