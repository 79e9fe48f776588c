//go:build root

package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/bootstrap/internal/xmltree"
)

var (
	crmComplaint = regexp.MustCompile(`(ERROR|WARNING): `)
	ansi         = regexp.MustCompile(`\x1b\[[0-9;]*m`)
)

// TestCRMLoad: the shipped crm/qvd-ha.crm loads with crmsh into an empty
// CIB, and crmsh's XML of it is crm/qvd-ha.xml in substance (ids aside).
//
// crmsh checks every parameter and timeout against the installed agents'
// meta-data (make test runs make install first), and any complaint fails:
// an agent missing, meta-data crmsh cannot parse, a parameter the agent
// does not declare, a timeout below the agent's advice.
func TestCRMLoad(t *testing.T) {
	shipped, err := os.ReadFile("../crm/qvd-ha.xml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := xmltree.Parse(shipped)
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"CIB_file=" + emptyCIB(t)}
	out := exec(t, env, "/usr/sbin/crm", "configure", "load", "update", "../crm/qvd-ha.crm")
	for _, line := range strings.Split(ansi.ReplaceAllString(out, ""), "\n") {
		if line = strings.TrimSpace(line); crmComplaint.MatchString(line) {
			t.Errorf("crm configure load (are the agents installed? make install): %s", line)
		}
	}

	shown := exec(t, env, "/usr/sbin/crm", "configure", "show", "xml")
	got, err := xmltree.Parse([]byte(shown[strings.Index(shown, "<?xml"):]))
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{"crm_config", "resources", "constraints", "rsc_defaults"} {
		g := got.Find("configuration/" + section)
		w := want.Find("configuration/" + section)
		if len(g) != 1 || len(w) != 1 {
			t.Errorf("%s: %d sections loaded, %d shipped", section, len(g), len(w))
			continue
		}
		if gc, wc := g[0].Canonical("id"), w[0].Canonical("id"); gc != wc {
			t.Errorf("%s as crmsh loaded it:\n%s\nshipped crm/qvd-ha.xml:\n%s", section, gc, wc)
		}
	}
}
