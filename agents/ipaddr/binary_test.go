package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/agents/ocf/ocftest"
)

// TestEmptyPath: the built agent needs no external program, so it works
// with no PATH at all and with an empty one.
func TestEmptyPath(t *testing.T) {
	n := newLAN(t).addNode(t, "192.0.2.1/24", "2001:db8::1/64")
	for _, ip := range []string{"192.0.2.100", "2001:db8::100"} {
		for _, path := range [][]string{nil, {"PATH="}} {
			params := map[string]string{"ip": ip, "arp_count": "1"}
			for _, s := range []step{{"start", ocf.Success, ""}, {"monitor", ocf.Success, ""}, {"stop", ocf.Success, ""}, {"monitor", ocf.NotRunning, ""}} {
				if rc, reason := n.runBin(t, s.action, params, path...); rc != s.rc {
					t.Fatalf("ip=%s, environment %v: %s returned %v (%s), want %v", ip, path, s.action, rc, reason, s.rc)
				}
			}
		}
	}
}

// TestOCFTester runs resource-agents' ocf-tester inside a namespace.
func TestOCFTester(t *testing.T) {
	n := newLAN(t).addNode(t, "192.0.2.1/24", "2001:db8::1/64")
	for _, opts := range [][]string{
		{"-o", "ip=192.0.2.100", "-o", "cidr_netmask=24"},
		{"-o", "ip=2001:db8::100", "-o", "cidr_netmask=64"},
	} {
		args := append([]string{"netns", "exec", n.name, "ocf-tester", "-n", "ip"}, opts...)
		out, err := exec.Command("ip", append(args, agentBin)...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "passed all tests") {
			t.Errorf("ocf-tester %v: %v\n%s", opts, err, out)
		}
	}
}

// TestMetadata validates the meta-data against both schemas resource-agents
// installs: the DTD ocf-tester uses and metadata.rng.
func TestMetadata(t *testing.T) {
	var md bytes.Buffer
	cmd := exec.Command(agentBin, "meta-data")
	cmd.Stdout = &md
	if err := cmd.Run(); err != nil {
		t.Fatalf("meta-data: %v", err)
	}
	ocftest.ValidateMetadata(t, md.Bytes())
	for _, p := range params {
		if !strings.Contains(md.String(), `<parameter name="`+p.Name+`"`) {
			t.Errorf("meta-data lacks parameter %s", p.Name)
		}
	}
}

// TestManPage: the installed man page renders without groff warnings and
// says where the agent differs from IPaddr2, and why each ignored parameter
// is ignored.
func TestManPage(t *testing.T) {
	src, err := exec.Command(agentBin, "manpage").Output()
	if err != nil {
		t.Fatalf("manpage: %v", err)
	}
	cmd := exec.Command("groff", "-ww", "-man", "-Tutf8", "-P-cbou", "-rLL=300n")
	cmd.Stdin = bytes.NewReader(src)
	var out, warnings bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &warnings
	if err := cmd.Run(); err != nil || warnings.Len() > 0 {
		t.Fatalf("groff: %v\n%s", err, warnings.String())
	}
	page := strings.Join(strings.Fields(out.String()), " ")
	wants := []string{
		"DIFFERENCES FROM IPADDR2",
		"start and validate-all return 5 (not installed)",
		"IPaddr2 answers 1",
		"the broadcast of its prefix (host bits set)",
		"No announcement is sent on a link without a 6-byte Ethernet address",
		"A clone with clone-max above 1",
	}
	for _, p := range params {
		if p.Ignored != "" {
			wants = append(wants, "Ignored: "+strings.Join(strings.Fields(p.Ignored), " "))
		}
	}
	for _, want := range wants {
		if !strings.Contains(page, want) {
			t.Errorf("the man page lacks %q", want)
		}
	}
}
