package ocf

import (
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const psqlIgnored = "this agent talks to the server itself and runs no psql."

// compatAgent is testAgent with what an agent adds to load a configuration
// written for its upstream twin: an ignored parameter, a reloadable one
// and a man page section on the differences.
func compatAgent() *Agent {
	a := testAgent()
	a.Params = append(a.Params,
		Param{Name: "psql", Default: "/usr/bin/psql", Ignored: psqlIgnored, Short: "psql path", Long: "Path of psql."},
		Param{Name: "wfc", Type: Integer, Default: "5", Reloadable: true, Short: "Seconds to wait", Long: "Seconds to wait for the peer."},
	)
	a.ManSections = []ManSection{{
		Title: "Differences from ocf:heartbeat:dummy",
		Body:  "The first difference.\n\n.A second paragraph that starts with a dot\nand goes on -- with dashes.",
	}}
	return a
}

// TestIgnoredLogged: an ignored parameter that is set is logged once, at
// start and validate-all, where an administrator looks; never on monitor
// (every few seconds) or the other actions, and not when it is not set.
func TestIgnoredLogged(t *testing.T) {
	const line = "dummy(res:1)[4242]: INFO: parameter psql is ignored: " + psqlIgnored + "\n"
	ok := func(context.Context, *Request) error { return nil }
	ownValidate := compatAgent()
	ownValidate.Actions = append(ownValidate.Actions, Action{Name: "validate-all", Func: ok, Timeout: time.Second})
	tests := []struct {
		name   string
		agent  *Agent
		action string
		env    []string
		want   int
	}{
		{"start", compatAgent(), "start", validEnv("OCF_RESKEY_psql=/usr/bin/psql"), 1},
		{"validate-all, the runtime's", compatAgent(), "validate-all", validEnv("OCF_RESKEY_psql=/usr/bin/psql"), 1},
		{"validate-all, the agent's", ownValidate, "validate-all", validEnv("OCF_RESKEY_psql=/usr/bin/psql"), 1},
		{"start, not set", compatAgent(), "start", validEnv(), 0},
		{"monitor", compatAgent(), "monitor", validEnv("OCF_RESKEY_psql=/usr/bin/psql", "OCF_RESKEY_CRM_meta_interval=10000"), 0},
		{"probe", compatAgent(), "monitor", validEnv("OCF_RESKEY_psql=/usr/bin/psql"), 0},
		{"stop", compatAgent(), "stop", validEnv("OCF_RESKEY_psql=/usr/bin/psql"), 0},
		{"promote", compatAgent(), "promote", validEnv("OCF_RESKEY_psql=/usr/bin/psql"), 0},
		{"notify", compatAgent(), "notify", validEnv("OCF_RESKEY_psql=/usr/bin/psql"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.agent
			for _, name := range []string{"start", "stop", "monitor", "promote"} {
				a = withFunc(a, name, ok)
			}
			r := dispatch(t, a, tt.env, nil, tt.action)
			if r.rc != Success {
				t.Errorf("rc %s, want success; stderr:\n%s", r.rc, r.stderr)
			}
			if n := strings.Count(r.stderr, line); n != tt.want {
				t.Errorf("logged %d times, want %d:\n%s", n, tt.want, r.stderr)
			}
		})
	}
}

// TestIgnoredAndReloadableDescribed: the validators have no element for
// either, so the long description and the man page say it.
func TestIgnoredAndReloadableDescribed(t *testing.T) {
	out := metadata(t, compatAgent())
	var md parsedMetadata
	if err := xml.Unmarshal(out, &md); err != nil {
		t.Fatal(err)
	}
	long := map[string]string{}
	for _, p := range md.Params {
		long[p.Name] = p.Long.Text
	}
	if want := "Path of psql. Ignored: " + psqlIgnored; long["psql"] != want {
		t.Errorf("psql longdesc %q, want %q", long["psql"], want)
	}
	if want := "Seconds to wait for the peer. Reloadable: a change takes effect without a restart."; long["wfc"] != want {
		t.Errorf("wfc longdesc %q, want %q", long["wfc"], want)
	}
	// TestMetadataValidatesWithDTD and ...WithRelaxNG validate compatAgent.
	for _, bad := range []string{"reloadable=", "<deprecated"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("meta-data contains %q, which the validators reject", bad)
		}
	}

	src := manPage(t, compatAgent())
	for _, want := range []string{
		".TP\n.BR psql \" (string, default \\(lq/usr/bin/psql\\(rq, accepted and ignored)\"\npsql path\n.IP\nPath of psql.\n.IP\nIgnored: " + psqlIgnored + "\n",
		".TP\n.BR wfc \" (integer, default \\(lq5\\(rq, reloadable)\"\nSeconds to wait\n",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("man page lacks\n%s\nin\n%s", want, src)
		}
	}
}

// TestManSections: an agent's own sections come after PARAMETERS and
// before ACTIONS, escaped like the rest, and man -l renders them.
func TestManSections(t *testing.T) {
	src := manPage(t, compatAgent())
	const section = ".SH \"DIFFERENCES FROM OCF:HEARTBEAT:DUMMY\"\nThe first difference.\n.PP\n\\&.A second paragraph that starts with a dot\nand goes on \\-\\- with dashes.\n"
	at := strings.Index(src, section)
	if at < 0 {
		t.Fatalf("man page lacks\n%s\nin\n%s", section, src)
	}
	if params, actions := strings.Index(src, ".SH PARAMETERS\n"), strings.Index(src, ".SH ACTIONS\n"); !(params < at && at < actions) {
		t.Errorf("section at %d, want between PARAMETERS (%d) and ACTIONS (%d)", at, params, actions)
	}

	file := filepath.Join(t.TempDir(), "ocf_qvd_dummy.7")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("man", "--warnings", "-l", file)
	cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=200", "LANG=C.UTF-8")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("man -l: %v", err)
	}
	text := strings.Join(strings.Fields(strings.NewReplacer("\u2010", "-", "\u2212", "-").Replace(string(out))), " ")
	for _, want := range []string{
		"DIFFERENCES FROM OCF:HEARTBEAT:DUMMY The first difference. .A second paragraph that starts with a dot and goes on -- with dashes. ACTIONS",
		"psql (string, default \u201c/usr/bin/psql\u201d, accepted and ignored) psql path Path of psql. Ignored: " + psqlIgnored,
		"wfc (integer, default \u201c5\u201d, reloadable)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("man -l output lacks %q:\n%s", want, out)
		}
	}
}
