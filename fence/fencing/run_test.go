package fencing

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

func TestParsing(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		// want maps an option name to its expected value.
		want     map[string]string
		warnings []string
	}{
		{
			name:  "stdin names, old spellings and dashes",
			stdin: "action=status\nport=vm1\nipaddr=host\nlogin=admin\npasswd_script=/bin/true\nstonith-status-sleep=2\n",
			want:  map[string]string{"action": "status", "plug": "vm1", "ip": "host", "username": "admin", "password_script": "/bin/true", "stonith_status_sleep": "2"},
		},
		{
			name:     "comments skipped, unknown warned, last value wins",
			stdin:    "# a comment\naction=off\nfoo=bar\naction=status\n\nplug=vm2\n",
			want:     map[string]string{"action": "status", "plug": "vm2"},
			warnings: []string{`WARNING: ignoring unknown option "foo"`},
		},
		{
			name:  "nodename is taken silently",
			stdin: "action=status\nnodename=node1\n",
			want:  map[string]string{"action": "status"},
		},
		{
			name:  "argv wins and stdin is not read",
			args:  []string{"-o", "status", "--plug=vm1", "-a", "h", "--username", "u", "--ssl-insecure"},
			stdin: "action=off\nplug=vm2\n",
			want:  map[string]string{"action": "status", "plug": "vm1", "ip": "h", "username": "u", "ssl_insecure": "1"},
		},
		{
			name:     "short options glued to values, old long names, underscores",
			args:     []string{"-ostatus", "-nvm3", "--ipaddr=x", "--power_timeout", "5", "--bogus"},
			want:     map[string]string{"action": "status", "plug": "vm3", "ip": "x", "power_timeout": "5"},
			warnings: []string{"WARNING: ignoring unknown option --bogus"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := testAgent(newFake(nil))
			var seen *Options
			a.Connect = func(ctx context.Context, o *Options) (Device, error) {
				seen = o
				return newFake(map[string]State{"vm1": On, "vm2": On, "vm3": On, "node1": On}), nil
			}
			res := runAgent(t, a, tt.args, tt.stdin, nil)
			if seen == nil {
				t.Fatalf("agent never connected: %v", res)
			}
			for name, want := range tt.want {
				if got := seen.String(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			var warns []string
			for _, l := range strings.Split(strings.TrimSpace(res.stderr), "\n") {
				if strings.HasPrefix(l, "WARNING") {
					warns = append(warns, l)
				}
			}
			if !slices.Equal(warns, tt.warnings) {
				t.Errorf("warnings %q, want %q", warns, tt.warnings)
			}
		})
	}
}

func TestActions(t *testing.T) {
	tests := []struct {
		name       string
		state      map[string]State
		setup      func(*fakeDevice)
		stdin      string
		env        map[string]string
		wantCode   int
		wantOut    string // substring of stdout
		wantErr    string // substring of stderr
		wantEvents []string
		wantSleeps []time.Duration
	}{
		{
			name: "status on", state: map[string]State{"vm1": On},
			stdin: "action=status\nplug=vm1\n", wantCode: 0, wantOut: "Status: ON\n",
		},
		{
			name: "status off", state: map[string]State{"vm1": Off},
			stdin: "action=status\nplug=vm1\n", wantCode: 2, wantOut: "Status: OFF\n",
		},
		{
			name: "status of a missing plug fails", state: map[string]State{},
			stdin: "action=status\nplug=vm9\n", wantCode: 1, wantErr: "Failed: status of vm9",
		},
		{
			name: "missing_as_off", state: map[string]State{},
			stdin: "action=status\nplug=vm9\nmissing_as_off=yes\n", wantCode: 2, wantOut: "Status: OFF",
		},
		{
			name: "plug from nodename", state: map[string]State{"node1": On},
			stdin: "action=status\nnodename=node1\n", wantCode: 0, wantOut: "Status: ON",
		},
		{
			name: "already off", state: map[string]State{"vm1": Off},
			stdin: "action=off\nplug=vm1\n", wantCode: 0, wantOut: "Success: Already OFF",
			wantEvents: []string{"connect", "status vm1"},
		},
		{
			name: "already on", state: map[string]State{"vm1": On},
			stdin: "action=on\nplug=vm1\n", wantCode: 0, wantOut: "Success: Already ON",
		},
		{
			name: "off polls until off", state: map[string]State{"vm1": On},
			setup: func(f *fakeDevice) { f.lag = 2 },
			stdin: "action=off\nplug=vm1\npower_wait=3\nstonith_status_sleep=2\n", wantCode: 0, wantOut: "Success: Powered OFF",
			wantEvents: []string{"connect", "status vm1", "set vm1 OFF", "sleep 3s", "status vm1", "sleep 2s", "status vm1", "sleep 2s", "status vm1"},
		},
		{
			name: "off that never happens times out", state: map[string]State{"vm1": On},
			setup: func(f *fakeDevice) { f.stuck = true },
			stdin: "action=off\nplug=vm1\npower_timeout=5\n", wantCode: 1,
			wantErr: "vm1 did not turn OFF within power_timeout 5s: still ON",
		},
		{
			name: "a transient plug that vanishes is off", state: map[string]State{"vm1": On},
			setup: func(f *fakeDevice) { f.vanish = true },
			stdin: "action=off\nplug=vm1\n", wantCode: 0, wantOut: "Success: Powered OFF",
		},
		{
			name: "delay before off, before connecting", state: map[string]State{"vm1": On},
			stdin: "action=off\nplug=vm1\ndelay=10\n", wantCode: 0,
			wantEvents: []string{"sleep 10s", "connect", "status vm1", "set vm1 OFF", "status vm1"},
		},
		{
			name: "no delay for status", state: map[string]State{"vm1": On},
			stdin: "action=status\nplug=vm1\ndelay=10\n", wantCode: 0,
			wantEvents: []string{"connect", "status vm1"},
		},
		{
			name: "reboot is off then on", state: map[string]State{"vm1": On},
			stdin: "action=reboot\nplug=vm1\n", wantCode: 0, wantOut: "Success: Rebooted",
			wantEvents: []string{"connect", "status vm1", "set vm1 OFF", "status vm1", "set vm1 ON", "status vm1"},
		},
		{
			name: "reboot exit code comes from the off half", state: map[string]State{"vm1": On},
			setup: func(f *fakeDevice) { f.failOn = 5 },
			stdin: "action=reboot\nplug=vm1\nretry_on=2\n", wantCode: 0, wantOut: "Success: Rebooted",
			wantErr: "WARNING: fenced, but not powered on again",
		},
		{
			name: "reboot fails when off fails", state: map[string]State{"vm1": On},
			setup: func(f *fakeDevice) { f.stuck = true },
			stdin: "action=reboot\nplug=vm1\npower_timeout=3\n", wantCode: 1, wantErr: "did not turn OFF",
		},
		{
			name: "on tries 1 + retry_on times", state: map[string]State{"vm1": Off},
			setup: func(f *fakeDevice) { f.failOn = 2 },
			stdin: "action=on\nplug=vm1\nretry_on=2\n", wantCode: 0, wantOut: "Success: Powered ON",
			wantEvents: []string{"connect", "status vm1", "set vm1 ON", "set vm1 ON", "set vm1 ON", "status vm1"},
		},
		{
			name: "on gives up after 1 + retry_on tries", state: map[string]State{"vm1": Off},
			setup: func(f *fakeDevice) { f.failOn = 2 },
			stdin: "action=on\nplug=vm1\nretry_on=1\n", wantCode: 1, wantErr: "Failed: power ON vm1: power on refused",
		},
		{
			name: "on with retry_on=0 tries once", state: map[string]State{"vm1": Off},
			setup: func(f *fakeDevice) { f.failOn = 1 },
			stdin: "action=on\nplug=vm1\nretry_on=0\n", wantCode: 1, wantErr: "power on refused",
		},
		{
			name: "the on half of reboot tries retry_on times", state: map[string]State{"vm1": On},
			setup: func(f *fakeDevice) { f.failOn = 1 },
			stdin: "action=reboot\nplug=vm1\nretry_on=2\n", wantCode: 0, wantOut: "Success: Rebooted",
			wantEvents: []string{"connect", "status vm1", "set vm1 OFF", "status vm1", "set vm1 ON", "set vm1 ON", "status vm1"},
		},
		{
			name: "reboot with retry_on=0 leaves the plug off", state: map[string]State{"vm1": On},
			stdin: "action=reboot\nplug=vm1\nretry_on=0\n", wantCode: 0, wantOut: "Success: Rebooted",
			wantErr:    "WARNING: fenced and left off: retry_on=0",
			wantEvents: []string{"connect", "status vm1", "set vm1 OFF", "status vm1"},
		},
		{
			name: "negative retry_on", stdin: "action=on\nplug=vm1\nretry_on=-1\n", wantCode: 1,
			wantErr: "option retry_on must not be negative",
		},
		{
			name: "several plugs: ON when any is ON", state: map[string]State{"vm1": Off, "vm2": On},
			stdin: "action=status\nplug=vm1,vm2\n", wantCode: 0, wantOut: "Status: ON",
		},
		{
			name: "several plugs: OFF when all are OFF", state: map[string]State{"vm1": Off, "vm2": Off},
			stdin: "action=status\nplug=vm1, vm2\n", wantCode: 2, wantOut: "Status: OFF",
		},
		{
			name: "several plugs: status fails when one cannot be read", state: map[string]State{"vm1": On},
			stdin: "action=status\nplug=vm1,vm9\n", wantCode: 1, wantErr: "Failed: status of vm9",
		},
		{
			name: "several plugs: off acts on each plug not yet off", state: map[string]State{"vm1": On, "vm2": Off, "vm3": On},
			stdin: "action=off\nplug=vm1:vm2:vm3\nplug_separator=:\n", wantCode: 0, wantOut: "Success: Powered OFF",
			wantEvents: []string{"connect", "status vm1", "status vm2", "status vm3", "set vm1 OFF", "set vm3 OFF", "status vm1", "status vm3"},
		},
		{
			name: "several plugs: the worst decides", state: map[string]State{"vm1": On, "vm2": On},
			setup: func(f *fakeDevice) { f.stuckPlug = "vm2" },
			stdin: "action=off\nplug=vm1,vm2\npower_timeout=2\n", wantCode: 1,
			wantErr: "Failed: vm2 did not turn OFF within power_timeout 2s: still ON\n",
		},
		{
			name: "several plugs: already OFF only when all are", state: map[string]State{"vm1": Off, "vm2": Off},
			stdin: "action=off\nplug=vm1,vm2\n", wantCode: 0, wantOut: "Success: Already OFF",
		},
		{
			name: "empty plug_separator keeps the plug whole", state: map[string]State{"vm,1": On},
			stdin: "action=status\nplug=vm,1\nplug_separator=\n", wantCode: 0, wantOut: "Status: ON",
		},
		{
			name: "ignored option: validate-all says so", state: map[string]State{},
			stdin: "action=validate-all\nsudo=1\n", wantCode: 0,
			wantErr: "WARNING: option sudo is accepted and ignored: nothing runs through a shell\n",
		},
		{
			name: "under Pacemaker power_timeout does not cut the loop", state: map[string]State{"vm1": On},
			setup: func(f *fakeDevice) { f.lag = 30 },
			env:   map[string]string{"PCMK_service": "pacemaker-fenced"},
			stdin: "action=off\nplug=vm1\npower_timeout=5\n", wantCode: 0, wantOut: "Success: Powered OFF",
		},
		{
			name: "disable_timeout=false under Pacemaker keeps power_timeout", state: map[string]State{"vm1": On},
			setup: func(f *fakeDevice) { f.lag = 30 },
			env:   map[string]string{"PCMK_service": "pacemaker-fenced"},
			stdin: "action=off\nplug=vm1\npower_timeout=5\ndisable_timeout=false\n", wantCode: 1, wantErr: "within power_timeout",
		},
		{
			name: "hung device fails within shell_timeout", state: map[string]State{"vm1": On},
			setup: func(f *fakeDevice) { f.hang = true },
			stdin: "action=status\nplug=vm1\nshell_timeout=0.2\n", wantCode: 1, wantErr: "device did not answer",
		},
		{
			name: "hung device under Pacemaker fails before fencer_timeout", state: map[string]State{"vm1": On},
			setup: func(f *fakeDevice) { f.hang = true },
			env:   map[string]string{"PCMK_service": "pacemaker-fenced"},
			stdin: "action=off\nplug=vm1\nfencer_timeout=0.5\n", wantCode: 1, wantErr: "device did not answer",
		},
		{
			name: "list", state: map[string]State{"vm1": On},
			stdin: "action=list\nseparator=;\n", wantCode: 0, wantOut: "vm1;uuid-1\nvm2;uuid-2\n",
		},
		{
			name: "list-status", state: map[string]State{"vm1": Off},
			stdin: "action=list-status\n", wantCode: 0, wantOut: "vm1,uuid-1,OFF\nvm2,uuid-2,UNKNOWN\n",
		},
		{
			name: "monitor", state: map[string]State{}, stdin: "action=monitor\n", wantCode: 0,
		},
		{
			name: "validate-all does not connect", state: map[string]State{},
			stdin: "action=validate-all\n", wantCode: 0, wantEvents: []string{},
		},
		{
			name: "unknown action", stdin: "action=explode\n", wantCode: 1, wantErr: `Failed: unknown action "explode"`,
		},
		{
			name: "bad values are all reported", stdin: "action=status\nplug=vm1\nverbose=maybe\nretry_on=x\n",
			wantCode: 1, wantErr: "option retry_on: \"x\" is not an integer",
		},
		{
			name: "plug required for power actions", stdin: "action=off\n", wantCode: 1,
			wantErr: "option plug (-n, --plug=[id]) is required",
		},
		{
			name: "a panic becomes a failure", state: map[string]State{"vm1": On},
			setup: func(f *fakeDevice) { f.panicky = true },
			stdin: "action=status\nplug=vm1\n", wantCode: 1, wantErr: "Failed: internal error: boom",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev := newFake(tt.state)
			if tt.setup != nil {
				tt.setup(dev)
			}
			res := runAgent(t, testAgent(dev), nil, tt.stdin, tt.env, func(e *Env) {
				e.Clock.(*fakeClock).events = dev.events
			})
			if res.code != tt.wantCode {
				t.Errorf("exit code %d, want %d (%v)", res.code, tt.wantCode, res)
			}
			if !strings.Contains(res.stdout, tt.wantOut) {
				t.Errorf("stdout %q does not contain %q", res.stdout, tt.wantOut)
			}
			if !strings.Contains(res.stderr, tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", res.stderr, tt.wantErr)
			}
			if tt.wantEvents != nil && !slices.Equal(*dev.events, tt.wantEvents) && !(len(tt.wantEvents) == 0 && len(*dev.events) == 0) {
				t.Errorf("events\n %q\nwant\n %q", *dev.events, tt.wantEvents)
			}
		})
	}
}

func TestPasswordSources(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte(secret+"\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var ran []runner.Cmd
	fake := runner.Func(func(ctx context.Context, c runner.Cmd) (runner.Result, error) {
		ran = append(ran, c)
		if _, ok := ctx.Deadline(); !ok {
			t.Error("password_script run without a deadline")
		}
		return runner.Result{Stdout: []byte(secret + "\n")}, nil
	})
	for _, tt := range []struct {
		name  string
		stdin string
	}{
		{"stdin", "password=" + secret},
		{"old name on stdin", "passwd=" + secret},
		{"password_script", "password_script=/usr/local/bin/get-pw --vault x"},
		{"passwd_script", "passwd_script=/usr/local/bin/get-pw"},
		{"password_file", "password_file=" + file},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dev := newFake(map[string]State{"vm1": On})
			res := runAgent(t, testAgent(dev), nil, "action=status\nplug=vm1\nverbose=1\n"+tt.stdin+"\n", nil,
				func(e *Env) { e.Runner = fake })
			if res.code != 0 {
				t.Fatalf("%v", res)
			}
			if dev.password != secret {
				t.Errorf("agent got password %q, want %q", dev.password, secret)
			}
			if strings.Contains(res.stdout+res.stderr, secret) {
				t.Errorf("password appears in output: %v", res)
			}
			if !strings.Contains(res.stderr, "action status") {
				t.Errorf("verbose output missing: %q", res.stderr)
			}
		})
	}
	for _, c := range ran {
		if strings.Contains(c.String(), secret) {
			t.Errorf("password in a command line: %s", c)
		}
	}
	if len(ran) != 2 {
		t.Errorf("password_script ran %d times, want 2", len(ran))
	}
}

func TestSecretNotEchoedInErrors(t *testing.T) {
	const secret = "hunter2"
	dev := newFake(map[string]State{"vm1": On})
	a := testAgent(dev)
	a.Options = append(a.Options, Option{Name: "pin", Type: Integer, Secret: true, Shortdesc: "PIN"})
	for _, args := range [][]string{
		{"-o", "status", "-n", "vm1", "--pin", secret},
		{"-o", "status", secret},
	} {
		res := runAgent(t, a, args, "", nil)
		if res.code != 1 || strings.Contains(res.stdout+res.stderr, secret) {
			t.Errorf("args %q: want a failure that does not show the secret, got %v", args, res)
		}
	}
	res := runAgent(t, a, nil, "action=status\nplug=vm1\n"+secret+"\n", nil)
	if strings.Contains(res.stdout+res.stderr, secret) {
		t.Errorf("stray stdin line echoed: %v", res)
	}
}

func TestPasswordScriptFailure(t *testing.T) {
	dev := newFake(map[string]State{"vm1": On})
	res := runAgent(t, testAgent(dev), nil, "action=status\nplug=vm1\npassword_script=exit 3\n", nil,
		func(e *Env) { e.Runner = runner.Exec{} })
	if res.code != 1 || !strings.Contains(res.stderr, "Failed: password_script: /bin/sh exited with status 3") {
		t.Errorf("%v", res)
	}
}

func TestHelp(t *testing.T) {
	res := runAgent(t, testAgent(newFake(nil)), []string{"-h"}, "", nil)
	if res.code != 0 || !strings.Contains(res.stdout, "-n, --plug=[id]") {
		t.Errorf("%v", res)
	}
}

func TestMetadataValidates(t *testing.T) {
	xmllint := lookPath(t, "xmllint")
	for _, action := range []string{"metadata", "meta-data"} {
		res := runAgent(t, testAgent(newFake(nil)), []string{"-o", action}, "", nil)
		if res.code != 0 {
			t.Fatalf("%v", res)
		}
		for _, want := range []string{
			`<parameter name="port" unique="0" required="1" deprecated="1">`,
			`<parameter name="plug" unique="0" required="1" obsoletes="port">`,
			`<getopt mixed="-n, --plug=[id]" />`,
			`<parameter name="passwd_script" unique="0" required="0" deprecated="1">`,
			`<content type="second" default="20" />`,
			`<content type="boolean" />`,
			`<action name="on" automatic="0" />`,
			`<action name="validate-all" />`,
			`<getopt mixed="-q, --quiet" />`,
			`<getopt mixed="--verbose-level=[level]" />`,
			`<getopt mixed="-V, --version" />`,
			`<parameter name="plug_separator" unique="0" required="0">`,
			`<shortdesc lang="en">Use sudo (accepted and ignored: nothing runs through a shell)</shortdesc>`,
		} {
			if !strings.Contains(res.stdout, want) {
				t.Errorf("meta-data lacks %s", want)
			}
		}
		xmlValid(t, xmllint, res.stdout)
	}
}

// xmlValid checks meta-data against fence-agents' own schema.
func xmlValid(t *testing.T, xmllint, doc string) {
	t.Helper()
	cmd := exec.Command(xmllint, "--noout", "--relaxng", "/usr/share/cluster/relaxng/metadata.rng", "-")
	cmd.Stdin = strings.NewReader(doc)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("meta-data does not validate: %v\n%s", err, out)
	}
}

func TestManPageRenders(t *testing.T) {
	groff := lookPath(t, "groff")
	a := testAgent(newFake(nil))
	a.ManSections = []ManSection{{Title: "Set-up", Body: "Do this.\n\n  $ run --this\n  .odd line"}}
	res := runAgent(t, a, []string{"-o", "manpage"}, "", nil)
	if res.code != 0 {
		t.Fatalf("%v", res)
	}
	cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z")
	cmd.Stdin = strings.NewReader(res.stdout)
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("groff: %v\n%s", err, out)
	}
	for _, want := range []string{".TH FENCE_TEST 8", `\-n, \-\-plug=[id]`, "formerly port", ".SH SET\\-UP", `\&.odd line`, `\ebackslash`} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("man page lacks %q", want)
		}
	}
}

func lookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is needed (Debian package libxml2-utils / groff-base): %v", name, err)
	}
	return p
}

func TestDebugFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "debug.log")
	dev := newFake(map[string]State{"vm1": On})
	res := runAgent(t, testAgent(dev), nil, "action=status\nplug=vm1\npassword=topsecret\ndebug_file="+file+"\n", nil)
	if res.code != 0 || res.stderr != "" {
		t.Fatalf("%v", res)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "fence_test: action status: action=status plug=vm1 password=<hidden>") || strings.Contains(string(b), "topsecret") {
		t.Errorf("debug file: %q", b)
	}
}

func TestVerboseLevels(t *testing.T) {
	const action, poll = "fence_test: action status", "fence_test: status vm1: ON"
	tests := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		want     []string // lines in stderr
		wantNot  []string
	}{
		{name: "silent by default", stdin: "action=status\nplug=vm1\n", wantNot: []string{action, poll}},
		{name: "verbose=1 on stdin is level 1", stdin: "action=status\nplug=vm1\nverbose=1\n", want: []string{action}, wantNot: []string{poll}},
		{name: "-v is level 1", args: []string{"-o", "status", "-n", "vm1", "-v"}, want: []string{action}, wantNot: []string{poll}},
		{name: "-vv is level 2", args: []string{"-vvostatus", "-n", "vm1"}, want: []string{action, poll}},
		{name: "-v -v --verbose is level 3", args: []string{"-v", "-v", "--verbose", "-o", "status", "-n", "vm1"}, want: []string{action, poll}},
		{name: "verbose_level=2", stdin: "action=status\nplug=vm1\nverbose_level=2\n", want: []string{action, poll}},
		{
			name: "verbose_level=0 overrides verbose", stdin: "action=status\nplug=vm1\nverbose=1\nverbose_level=0\n",
			want: []string{"WARNING: ignoring verbose because verbose_level=0"}, wantNot: []string{action},
		},
		{name: "negative verbose_level", stdin: "action=status\nplug=vm1\nverbose_level=-1\n", wantCode: 1, want: []string{"Failed: option verbose_level must not be negative"}},
		{name: "quiet silences verbose output", args: []string{"-qv", "-o", "status", "-n", "vm1"}, wantNot: []string{action}},
		{name: "quiet silences warnings and failures", stdin: "action=status\nplug=vm9\nquiet=1\nbogus=1\n", wantCode: 1, wantNot: []string{"WARNING", "Failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runAgent(t, testAgent(newFake(map[string]State{"vm1": On})), tt.args, tt.stdin, nil)
			if res.code != tt.wantCode {
				t.Errorf("exit code %d, want %d (%v)", res.code, tt.wantCode, res)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr lacks %q: %q", w, res.stderr)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(res.stderr, w) {
					t.Errorf("stderr has %q: %q", w, res.stderr)
				}
			}
		})
	}
}

// TestQuietLogsElsewhere: with quiet the reason of a failure goes to the
// system log and to debug_file, not to stderr, and verbose output only to
// debug_file.
func TestQuietLogsElsewhere(t *testing.T) {
	file := filepath.Join(t.TempDir(), "debug.log")
	var logged strings.Builder
	res := runAgent(t, testAgent(newFake(map[string]State{})), []string{"-q", "-v", "-o", "status", "-n", "vm9", "-D", file}, "", nil,
		func(e *Env) { e.Syslog = func() (io.Writer, error) { return &logged, nil } })
	if res.code != 1 || res.stderr != "" {
		t.Fatalf("want exit 1 and nothing on stderr: %v", res)
	}
	if logged.String() != "Failed: status of vm9: \"vm9\": no such plug\n" {
		t.Errorf("syslog got %q", logged.String())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fence_test: Failed: status of vm9", "fence_test: action status"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("debug file lacks %q: %q", want, b)
		}
	}

	// Without a system log, quiet still exits with the right code.
	res = runAgent(t, testAgent(newFake(map[string]State{})), []string{"-q", "-o", "status", "-n", "vm9"}, "", nil,
		func(e *Env) { e.Syslog = func() (io.Writer, error) { return nil, errors.New("no /dev/log") } })
	if res.code != 1 || res.stderr != "" {
		t.Errorf("want exit 1 and nothing on stderr: %v", res)
	}
}

func TestVersion(t *testing.T) {
	for _, tt := range []struct {
		args  []string
		stdin string
	}{
		{args: []string{"-V"}},
		{args: []string{"--version"}},
		{args: []string{"-o", "off", "-n", "vm1", "--version"}},
		{stdin: "version=1\n"},
	} {
		dev := newFake(map[string]State{"vm1": On})
		res := runAgent(t, testAgent(dev), tt.args, tt.stdin, nil)
		if res.code != 0 || res.stdout != "1.2.3\n" || len(*dev.events) != 0 {
			t.Errorf("%q %q: %v, device events %q", tt.args, tt.stdin, res, *dev.events)
		}
	}
}
