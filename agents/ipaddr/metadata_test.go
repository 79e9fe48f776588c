package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf/ocftest"
)

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
