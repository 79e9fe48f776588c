package ocf

import (
	"bytes"
	"context"
	"encoding/xml"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// What the generated meta-data parses back into: enough of OCF 1.1 to
// check the declarations came through.
type parsedMetadata struct {
	XMLName    xml.Name `xml:"resource-agent"`
	Name       string   `xml:"name,attr"`
	Version    string   `xml:"version,attr"`
	OCFVersion string   `xml:"version"`
	Long       struct {
		Lang string `xml:"lang,attr"`
		Text string `xml:",chardata"`
	} `xml:"longdesc"`
	Short struct {
		Lang string `xml:"lang,attr"`
		Text string `xml:",chardata"`
	} `xml:"shortdesc"`
	Params []struct {
		Name     string `xml:"name,attr"`
		Required string `xml:"required,attr"`
		Unique   string `xml:"unique,attr"`
		Long     struct {
			Lang string `xml:"lang,attr"`
			Text string `xml:",chardata"`
		} `xml:"longdesc"`
		Short struct {
			Lang string `xml:"lang,attr"`
			Text string `xml:",chardata"`
		} `xml:"shortdesc"`
		Content struct {
			Type    string  `xml:"type,attr"`
			Default *string `xml:"default,attr"`
		} `xml:"content"`
	} `xml:"parameters>parameter"`
	Actions []struct {
		Name     string `xml:"name,attr"`
		Timeout  string `xml:"timeout,attr"`
		Interval string `xml:"interval,attr"`
		Depth    string `xml:"depth,attr"`
		Role     string `xml:"role,attr"`
	} `xml:"actions>action"`
}

func metadata(t *testing.T, a *Agent) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := a.WriteMetadata(&b); err != nil {
		t.Fatalf("WriteMetadata: %v", err)
	}
	return b.Bytes()
}

func TestMetadataContent(t *testing.T) {
	out := metadata(t, testAgent())
	lines := strings.SplitN(string(out), "\n", 3)
	if lines[0] != `<?xml version="1.0"?>` {
		t.Errorf("first line %q, want the XML declaration", lines[0])
	}
	if lines[1] != `<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">` {
		t.Errorf("second line %q, want the DOCTYPE ocf-tester validates against", lines[1])
	}
	if !bytes.HasSuffix(out, []byte("</resource-agent>\n")) {
		t.Errorf("meta-data does not end with </resource-agent> and a newline")
	}

	var md parsedMetadata
	if err := xml.Unmarshal(out, &md); err != nil {
		t.Fatalf("meta-data does not parse: %v\n%s", err, out)
	}
	if md.Name != "dummy" || md.Version != "1.2.3" || md.OCFVersion != "1.1" {
		t.Errorf("name %q version %q OCF version %q, want dummy, 1.2.3, 1.1", md.Name, md.Version, md.OCFVersion)
	}
	if md.Short.Text != "Test agent" || md.Short.Lang != "en" {
		t.Errorf("shortdesc %+v", md.Short)
	}
	if md.Long.Text != "A test agent for the OCF runtime.\n\nIt manages nothing." || md.Long.Lang != "en" {
		t.Errorf("longdesc %+v", md.Long)
	}

	type wantParam struct{ name, required, unique, typ, def, short, long string }
	want := []wantParam{
		{"path", "1", "1", "string", "-", "Path", "Path of the thing."},
		{"port", "0", "0", "integer", "5432", "Port", "TCP port."},
		{"enabled", "0", "0", "boolean", "true", "Enabled", "Whether to do it."},
		{"password", "0", "0", "string", "-", "Password", "Secret password."},
		{"old_opt", "0", "0", "string", "-", "Old option", "An old option. Deprecated: use path instead"},
		{"mode", "0", "0", "string", "fast", "Mode", "fast or smart."},
	}
	if len(md.Params) != len(want) {
		t.Fatalf("%d parameters, want %d", len(md.Params), len(want))
	}
	for i, w := range want {
		p := md.Params[i]
		def := "-" // no default attribute
		if p.Content.Default != nil {
			def = *p.Content.Default
		}
		got := wantParam{p.Name, p.Required, p.Unique, p.Content.Type, def, p.Short.Text, p.Long.Text}
		if got != w {
			t.Errorf("parameter %d = %+v, want %+v", i, got, w)
		}
		if p.Long.Lang != "en" || p.Short.Lang != "en" {
			t.Errorf("parameter %s: descriptions without lang=en", p.Name)
		}
	}

	type wantAction struct{ name, timeout, interval, depth, role string }
	wantActions := []wantAction{
		{"start", "60s", "", "", ""},
		{"stop", "30s", "", "", ""},
		{"monitor", "20s", "10s", "10", "Promoted"},
		{"monitor", "20s", "11s", "", "Unpromoted"},
		{"promote", "90s", "", "", ""},
		{"demote", "90s", "", "", ""},
		{"notify", "90s", "", "", ""},
		{"validate-all", "20s", "", "", ""},
		{"meta-data", "5s", "", "", ""},
	}
	if len(md.Actions) != len(wantActions) {
		t.Fatalf("%d actions, want %d:\n%s", len(md.Actions), len(wantActions), out)
	}
	for i, w := range wantActions {
		a := md.Actions[i]
		if got := (wantAction{a.Name, a.Timeout, a.Interval, a.Depth, a.Role}); got != w {
			t.Errorf("action %d = %+v, want %+v", i, got, w)
		}
	}

	// What the installed validators reject, whatever the OCF 1.1 spec says.
	for _, bad := range []string{"reload-agent", "unique-group", "reloadable", "<deprecated", `type="select"`, `type="second"`} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("meta-data contains %q", bad)
		}
	}
}

func TestMetadataOwnValidateAll(t *testing.T) {
	a := testAgent()
	a.Actions = append(a.Actions, Action{Name: "validate-all", Timeout: 7 * time.Second,
		Func: func(context.Context, *Request) error { return nil }})
	var md parsedMetadata
	if err := xml.Unmarshal(metadata(t, a), &md); err != nil {
		t.Fatal(err)
	}
	var timeouts []string
	for _, act := range md.Actions {
		if act.Name == "validate-all" {
			timeouts = append(timeouts, act.Timeout)
		}
	}
	if len(timeouts) != 1 || timeouts[0] != "7s" {
		t.Errorf("validate-all advertised with timeouts %q, want exactly one of 7s", timeouts)
	}
}

func TestMetadataRoundsTimeouts(t *testing.T) {
	for d, want := range map[time.Duration]string{
		1500 * time.Millisecond: "2s",
		1499 * time.Millisecond: "1s",
		2 * time.Minute:         "120s",
		0:                       "0s",
	} {
		if got := seconds(d); got != want {
			t.Errorf("seconds(%s) = %q, want %q", d, got, want)
		}
	}
}

// metadataAgents are agents whose meta-data must pass both validators.
func metadataAgents() map[string]*Agent {
	special := testAgent()
	special.Short = `Quotes "double" & 'single' <tags>`
	special.Long = "Ünïcode, ampersands & <angle brackets>,\n\"quotes\" and ]]> too."
	special.Params[0].Long = "a < b && c > d"
	special.Params[1].Default = `5"4`

	own := testAgent()
	own.Actions = append(own.Actions, Action{Name: "validate-all", Timeout: 30 * time.Second,
		Func: func(context.Context, *Request) error { return nil }})

	minimal := &Agent{Name: "min", Version: "0", Short: "s", Long: "l",
		Params:  []Param{{Name: "p", Short: "p", Long: "p"}},
		Actions: []Action{{Name: "start", Timeout: time.Second}, {Name: "stop", Timeout: time.Second}, {Name: "monitor", Timeout: time.Second}}}

	return map[string]*Agent{"test agent": testAgent(), "special characters": special, "own validate-all": own, "minimal": minimal,
		"ignored and reloadable parameters": compatAgent()}
}

func TestMetadataValidatesWithDTD(t *testing.T) {
	for name, a := range metadataAgents() {
		t.Run(name, func(t *testing.T) {
			// ocf-tester pipes meta-data into xmllint from the directory
			// holding ra-api-1.dtd, so the relative DOCTYPE resolves.
			xmllint(t, "/usr/share/resource-agents", metadata(t, a), "--noout", "--valid", "-")
		})
	}
}

func TestMetadataValidatesWithRelaxNG(t *testing.T) {
	for name, a := range metadataAgents() {
		t.Run(name, func(t *testing.T) {
			// From the DTD's directory too, or xmllint warns that it
			// cannot load the DOCTYPE's DTD.
			xmllint(t, "/usr/share/resource-agents", metadata(t, a), "--noout", "--relaxng", "/usr/share/resource-agents/metadata.rng", "-")
		})
	}
}

// TestXMLLintCatchesInvalidMetadata shows the validation helper would fail
// on what the validators reject, so the two tests above are not vacuous.
func TestXMLLintCatchesInvalidMetadata(t *testing.T) {
	good := metadata(t, testAgent())
	tests := []struct {
		name string
		dir  string
		args []string
		doc  []byte
	}{
		{"DTD: reload-agent", "/usr/share/resource-agents", []string{"--noout", "--valid", "-"},
			bytes.Replace(good, []byte(`name="stop"`), []byte(`name="reload-agent"`), 1)},
		{"DTD: not found from another directory", "/", []string{"--noout", "--valid", "-"}, good},
		{"RNG: parameter without shortdesc", "/", []string{"--noout", "--relaxng", "/usr/share/resource-agents/metadata.rng", "-"},
			bytes.Replace(good, []byte(`<shortdesc lang="en">Port</shortdesc>`), nil, 1)},
		{"RNG: role Master", "/", []string{"--noout", "--relaxng", "/usr/share/resource-agents/metadata.rng", "-"},
			bytes.Replace(good, []byte(`role="Promoted"`), []byte(`role="Master"`), 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if bytes.Equal(tt.doc, good) && tt.dir != "/" {
				t.Fatal("the test document was not changed")
			}
			out, err := runXMLLint(tt.dir, tt.doc, tt.args...)
			if err == nil {
				t.Errorf("xmllint %s accepted it:\n%s", tt.args, out)
			}
		})
	}
}

func runXMLLint(dir string, doc []byte, args ...string) (string, error) {
	cmd := exec.Command("xmllint", args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(doc)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func xmllint(t *testing.T, dir string, doc []byte, args ...string) {
	t.Helper()
	out, err := runXMLLint(dir, doc, args...)
	// xmllint says "- validates" for RelaxNG and nothing for the DTD;
	// anything else (a DTD it could not load, say) is a failure too.
	out = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "- validates"))
	if err != nil || out != "" {
		t.Errorf("xmllint %s: %v\n%s\nmeta-data:\n%s", strings.Join(args, " "), err, out, doc)
	}
}
