package ocf

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func manPage(t *testing.T, a *Agent) string {
	t.Helper()
	var b bytes.Buffer
	if err := a.WriteManPage(&b); err != nil {
		t.Fatalf("WriteManPage: %v", err)
	}
	return b.String()
}

// trickyAgent has text that troff would take as requests or escapes if
// the generator did not escape it.
func trickyAgent() *Agent {
	a := testAgent()
	a.Version = `1.0-rc"1`
	a.Short = ".hidden short description"
	a.Long = ".TH looks like a request\n'br looks like one too\nC:\\dir\\file and \\fBnot bold\\fR\nhyphen-ated --long-option\n\n\nsecond paragraph"
	a.Params[0].Long = ".SH not a section\nback\\slash"
	a.Params[1].Default = `5"4`
	a.Params[2].Default = "-c x"
	a.Params[4].Deprecated = ".use path instead"
	return a
}

func TestManPageSource(t *testing.T) {
	src := manPage(t, testAgent())
	for _, want := range []string{
		".TH OCF_QVD_DUMMY 7 \"\" \"qvd-ha 1.2.3\" \"OCF resource agents\"\n",
		".SH NAME\nocf_qvd_dummy \\- Test agent\n",
		".B /usr/lib/ocf/resource.d/qvd/dummy\n",
		".BI ocf:qvd: dummy\n",
		".SH DESCRIPTION\nA test agent for the OCF runtime.\n.PP\nIt manages nothing.\n",
		".TP\n.BR path \" (string, required, unique)\"\nPath\n.IP\nPath of the thing.\n",
		".TP\n.BR port \" (integer, default \\(lq5432\\(rq)\"\nPort\n",
		".TP\n.BR password \" (string, secret: never logged)\"\n",
		".TP\n.BR old_opt \" (string, deprecated)\"\nOld option\n.IP\nAn old option.\n.IP\nDeprecated: use path instead\n",
		".TP\n.B start\nAdvertised default timeout 60s.\n",
		".TP\n.B monitor\nAdvertised default timeout 20s, interval 10s, role Promoted, OCF_CHECK_LEVEL 10.\n",
		".TP\n.B monitor\nAdvertised default timeout 20s, interval 11s, role Unpromoted.\n",
		".TP\n.B validate-all\nAdvertised default timeout 20s.\n",
		".TP\n.B meta-data\nAdvertised default timeout 5s.\n",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("man page lacks\n%s\nin\n%s", want, src)
		}
	}
}

func TestManPageEscaping(t *testing.T) {
	src := manPage(t, trickyAgent())
	for _, line := range strings.Split(src, "\n") {
		for _, req := range []string{".TH looks", "'br", ".SH not", ".hidden", ".use"} {
			if strings.HasPrefix(line, req) {
				t.Errorf("line %q would be a troff request", line)
			}
		}
	}
	for _, want := range []string{
		`\&.TH looks like a request`, `\&'br looks`, `C:\edir\efile and \efBnot bold\efR`,
		`hyphen\-ated \-\-long\-option`, `\&.SH not a section`, `back\eslash`,
		`default \(lq5\(dq4\(rq`, `"qvd-ha 1.0\-rc\(dq1"`, `\&.use path instead`,
	} {
		if !strings.Contains(src, want) {
			t.Errorf("man page source lacks %q", want)
		}
	}
}

func manAgents() map[string]*Agent {
	own := testAgent()
	own.Actions = append(own.Actions, Action{Name: "validate-all", Timeout: 30 * time.Second})
	bare := &Agent{Name: "bare", Version: "0", Short: "s", Long: "", Actions: []Action{{Name: "start", Timeout: time.Second}}}
	return map[string]*Agent{"test agent": testAgent(), "tricky text": trickyAgent(), "own validate-all": own, "bare": bare,
		"extra sections": compatAgent()}
}

// groff runs groff with warnings on and returns its output; any warning
// fails the test.
func groff(t *testing.T, src string, args ...string) string {
	t.Helper()
	cmd := exec.Command("groff", append([]string{"-ww", "-man"}, args...)...)
	cmd.Stdin = strings.NewReader(src)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Errorf("groff %s: %v\n%s\nsource:\n%s", strings.Join(args, " "), err, stderr.String(), src)
	}
	return stdout.String()
}

func TestManPageRendersWithoutWarnings(t *testing.T) {
	for name, a := range manAgents() {
		t.Run(name, func(t *testing.T) {
			src := manPage(t, a)
			groff(t, src, "-z")
			if out := groff(t, src, "-Tutf8"); !strings.Contains(out, "OCF_QVD_") {
				t.Errorf("rendered page has no title:\n%s", out)
			}

			// man -l, as an administrator would read the installed page.
			file := filepath.Join(t.TempDir(), "ocf_qvd_"+a.Name+".7")
			if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("man", "--warnings", "-l", file)
			cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80", "LANG=C.UTF-8")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil || stderr.Len() > 0 {
				t.Errorf("man -l: %v\n%s", err, stderr.String())
			}
			if !strings.Contains(stdout.String(), "ocf_qvd_"+a.Name) {
				t.Errorf("man -l shows no NAME:\n%s", stdout.String())
			}
		})
	}
}

// TestManPageRenderedText reads what troff prints: the escaped text must
// come out as written.
func TestManPageRenderedText(t *testing.T) {
	// No bold, underline or overstriking: plain text to compare.
	out := groff(t, manPage(t, trickyAgent()), "-Tutf8", "-P-cbou", "-rLL=200n")
	out = strings.NewReplacer("\u2212", "-", "\u2010", "-", "\u201c", `"`, "\u201d", `"`).Replace(out)
	// Filled text breaks lines anywhere.
	out = strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"ocf_qvd_dummy - .hidden short description",
		".TH looks like a request",
		"'br looks like one too",
		`C:\dir\file and \fBnot bold\fR`,
		"hyphen-ated --long-option",
		"second paragraph",
		".SH not a section",
		`back\slash`,
		`port (integer, default "5"4")`,
		`enabled (boolean, default "-c x")`,
		"Deprecated: .use path instead",
		`qvd-ha 1.0-rc"1`,
		"OCF_RESKEY_name",
		"ocf-exit-reason:",
		"HA_DEBUGLOG receives every message",
		"Messages go to stderr only when neither HA_LOGFACILITY nor HA_LOGFILE is set",
		"crm resource trace",
		"$OCF_RESKEY_trace_dir/type/instance.action.date",
		"OCF_TRACE_FILE",
		"shortened at a word boundary",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rendered page lacks %q:\n%s", want, out)
		}
	}
}

func TestGroffInstalled(t *testing.T) {
	// The man page tests need groff; Debian ships it in groff-base.
	out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "groff-base").CombinedOutput()
	if err != nil || string(out) != "install ok installed" {
		t.Errorf("groff-base is not installed: %v %s", err, out)
	}
}
