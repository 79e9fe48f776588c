//go:build root

package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/test/crmtest"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/test/pgtest"
)

// upstream is the twin an existing configuration switches from.
const upstream = "/usr/lib/ocf/resource.d/heartbeat/pgsql"

// upstreamValue is a value for an upstream parameter: this test server's
// where ours needs a real one, else upstream's default, else one of the
// type.
func upstreamValue(p crmtest.Param, base config) string {
	if v := base[p.Name]; v != "" {
		return v
	}
	if p.Default != "" {
		return p.Default
	}
	switch p.Type {
	case "integer":
		return "1"
	case "boolean":
		return "true"
	}
	return "x"
}

func declared(name string) (ocf.Param, bool) {
	for _, p := range params {
		if p.Name == name {
			return p, true
		}
	}
	return ocf.Param{}, false
}

// TestUpstreamParameters sets each parameter of the installed
// ocf:heartbeat:pgsql on validate-all, then all of them at once: each is
// declared, and is either implemented or logged as ignored; none is
// accepted silently.
func TestUpstreamParameters(t *testing.T) {
	s := pgtest.New(t)
	base := configFor(s)
	ups := crmtest.UpstreamParams(t, upstream, "meta-data")
	ignored := regexp.MustCompile(`INFO: parameter (\w+) is ignored`)
	// Upstream defaults that ours refuses on purpose, set alone. (All at
	// once, pgdb is this server's database.)
	refused := map[string]string{"pgdb": "pgdb=template1 is a template"}
	check := func(t *testing.T, r result, set []string) {
		t.Helper()
		expect(t, r, 0, "")
		logged := map[string]bool{}
		for _, m := range ignored.FindAllStringSubmatch(r.stderr, -1) {
			if logged[m[1]] {
				t.Errorf("parameter %s logged as ignored twice", m[1])
			}
			logged[m[1]] = true
		}
		for _, name := range set {
			if d, _ := declared(name); (d.Ignored != "") != logged[name] {
				t.Errorf("parameter %s: ignored %v, logged as ignored %v\n%s", name, d.Ignored != "", logged[name], r.stderr)
			}
		}
	}
	all := base.with()
	var names []string
	for _, up := range ups {
		names = append(names, up.Name)
		all[up.Name] = upstreamValue(up, base)
		t.Run(up.Name, func(t *testing.T) {
			d, ok := declared(up.Name)
			if !ok {
				t.Fatalf("ocf:heartbeat:pgsql's %s is not declared: crmsh would refuse the primitive", up.Name)
			}
			if d.Type.String() != up.Type {
				t.Errorf("type %s, upstream %s", d.Type, up.Type)
			}
			if reason, ok := refused[up.Name]; ok {
				expect(t, run(t, "validate-all", base.with(up.Name, up.Default)), 6, reason)
				return
			}
			check(t, run(t, "validate-all", base.with(up.Name, upstreamValue(up, base))), []string{up.Name})
		})
	}
	t.Run("all at once", func(t *testing.T) {
		check(t, run(t, "validate-all", all), names)
	})
}

func TestReplicationRefused(t *testing.T) {
	s := pgtest.New(t)
	const reason = "streaming replication is not supported: use DRBD, or ocf:heartbeat:pgsql/PAF"
	cases := []struct {
		mode   string
		rc     int
		reason string
	}{
		{"", 0, ""},
		{"none", 0, ""},
		{"async", 6, reason},
		{"sync", 6, reason},
		{"slave", 6, reason},
	}
	for _, c := range cases {
		for _, action := range []string{"validate-all", "start"} {
			t.Run(action+" rep_mode="+c.mode, func(t *testing.T) {
				p := configFor(s).with("rep_mode", c.mode, "master_ip", "192.0.2.10", "node_list", "qvddb1 qvddb2")
				expect(t, run(t, action, p), c.rc, c.reason)
				run(t, "stop", p)
				if c.rc != 0 && len(s.Processes()) > 0 {
					t.Fatal("a refused start left the server running")
				}
			})
		}
	}
}

// TestCrmshLoadsHeartbeatPrimitive loads, with crmsh into an offline CIB,
// a primitive that sets every parameter of ocf:heartbeat:pgsql with the
// provider changed to qvd. crmsh reads the INSTALLED agent's meta-data, so
// the test first checks that it is this build.
func TestCrmshLoadsHeartbeatPrimitive(t *testing.T) {
	const installed = "/usr/lib/ocf/resource.d/qvd/pgsql"
	ours := run(t, "meta-data", nil).stdout
	crmtest.RequireInstalled(t, installed, []byte(ours))
	var line strings.Builder
	line.WriteString("primitive p_postgres ocf:qvd:pgsql params")
	for _, up := range crmtest.UpstreamParams(t, upstream, "meta-data") {
		fmt.Fprintf(&line, " %s=\"%s\"", up.Name, upstreamValue(up, nil))
	}
	line.WriteString(" op start timeout=60 interval=0 op stop timeout=30 interval=0 op monitor interval=10 timeout=10\n")
	cib := crmtest.OfflineCIB(t)
	out, err := crmtest.Load(t, cib, line.String())
	if err != nil || strings.Contains(out, "ERROR") || strings.Contains(out, "p_postgres") {
		t.Fatalf("crm configure load: %v\n%s", err, out)
	}
	shown, err := crmtest.Crm(cib, "configure", "show", "p_postgres")
	if err != nil || !strings.Contains(shown, "ocf:qvd:pgsql") || !strings.Contains(shown, "check_wal_receiver") {
		t.Fatalf("crm configure show p_postgres: %v\n%s", err, shown)
	}
}
