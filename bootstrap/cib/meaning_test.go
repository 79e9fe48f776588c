package cib

import (
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/internal/xmltree"
)

// The tests in this file assert what the generated CIB means to Pacemaker,
// with XPath-style queries over the XML it reads; golden files (crm/ and
// testdata/) only pin the spelling on top of this.

const res = "configuration/resources"

// one returns the single element path selects, or fails.
func one(t *testing.T, root *xmltree.Elem, path string) *xmltree.Elem {
	t.Helper()
	got := root.Find(path)
	if len(got) != 1 {
		t.Fatalf("%s: %d elements, want 1", path, len(got))
	}
	return got[0]
}

// none fails when path selects anything.
func none(t *testing.T, root *xmltree.Elem, path string) {
	t.Helper()
	if got := root.Find(path); len(got) != 0 {
		t.Errorf("%s: %d elements, want none", path, len(got))
	}
}

// nv returns the value of the nvpair name in the set under e, failing when
// it is missing.
func nv(t *testing.T, e *xmltree.Elem, set, name string) string {
	t.Helper()
	return one(t, e, set+"/nvpair[@name='"+name+"']").Attr("value")
}

func wantEq(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func TestPromotableDRBDClone(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			c, root := v.tree(t)
			none(t, root, "//master") // removed in Pacemaker 3.0
			if c.Storage == config.StorageShared {
				none(t, root, "//primitive[@type='drbd']")
				none(t, root, "//rsc_colocation[@with-rsc-role='Promoted']")
				none(t, root, "//rsc_order[@first-action='promote']")
				return
			}
			clone := one(t, root, res+"/clone[@id='"+IDDRBDClone+"']")
			for name, want := range map[string]string{
				"promotable": "true", "promoted-max": "1", "promoted-node-max": "1",
				"clone-max": "2", "clone-node-max": "1", "notify": "true",
			} {
				wantEq(t, "clone meta "+name, nv(t, clone, "meta_attributes", name), want)
			}
			p := one(t, clone, "primitive[@class='ocf'][@provider='qvd'][@type='drbd']")
			// linbit's parameter name: crm-fence-peer finds the clone by it.
			wantEq(t, "drbd_resource", nv(t, p, "instance_attributes", "drbd_resource"), c.DRBDResource)

			col := one(t, root, "configuration/constraints/rsc_colocation[@with-rsc='"+IDDRBDClone+"']")
			wantEq(t, "colocation", col.Attr("rsc")+" with "+col.Attr("with-rsc")+":"+col.Attr("with-rsc-role")+" "+col.Attr("score"),
				IDGroup+" with "+IDDRBDClone+":Promoted INFINITY")
			o := one(t, root, "configuration/constraints/rsc_order[@first='"+IDDRBDClone+"']")
			wantEq(t, "order", o.Attr("first-action")+" -> "+o.Attr("then")+":"+o.Attr("then-action")+" "+o.Attr("kind"),
				"promote -> "+IDGroup+":start Mandatory")
		})
	}
}

func TestGroupOrderAndAgents(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			c, root := v.tree(t)
			members := one(t, root, res+"/group[@id='"+IDGroup+"']").Find("primitive")
			var got []string
			for _, m := range members {
				got = append(got, m.Attr("class")+":"+m.Attr("provider")+":"+m.Attr("type"))
			}
			wantEq(t, "group members", strings.Join(got, " "), "ocf:heartbeat:Filesystem ocf:qvd:IPaddr ocf:qvd:pgsql")
			fs := members[0]
			device := c.DRBDDevice
			if c.Storage == config.StorageShared {
				device = c.SharedDevice
			}
			wantEq(t, "fs device", nv(t, fs, "instance_attributes", "device"), device)
			wantEq(t, "fs type", nv(t, fs, "instance_attributes", "fstype"), c.FSType)
			wantEq(t, "fs monitor OCF_CHECK_LEVEL", nv(t, fs, "operations/op[@name='monitor']/instance_attributes", "OCF_CHECK_LEVEL"), "20")
			ip := nvMap(members[1].Find("instance_attributes")[0])
			wantEq(t, "ip", ip["ip"]+"/"+ip["cidr_netmask"]+" on "+ip["nic"], c.DBIP+"/24 on "+c.DBNIC)
			pg := nvMap(members[2].Find("instance_attributes")[0])
			wantEq(t, "pgsql", pg["pgdata"]+" "+pg["pgport"]+" "+pg["pgdb"]+" "+pg["monitor_user"], c.PGData+" 5432 qvddb qvd")
		})
	}
}

func nvMap(set *xmltree.Elem) map[string]string {
	m := map[string]string{}
	for _, p := range set.Find("nvpair") {
		m[p.Attr("name")] = p.Attr("value")
	}
	return m
}

func TestTimers(t *testing.T) {
	// Runbook 10.5, except fs stop (Filesystem's advice) and pgsql start
	// (crash recovery under start-failure-is-fatal).
	want := []struct{ rsc, op, role, interval, timeout string }{
		{IDDRBD, "start", "", "0s", "240s"},
		{IDDRBD, "stop", "", "0s", "100s"},
		{IDDRBD, "promote", "", "0s", "60s"},
		{IDDRBD, "demote", "", "0s", "30s"},
		{IDDRBD, "notify", "", "0s", "30s"},
		{IDDRBD, "monitor", "Promoted", "10s", "20s"},
		{IDDRBD, "monitor", "Unpromoted", "20s", "20s"},
		{IDFS, "start", "", "0s", "60s"},
		{IDFS, "stop", "", "0s", "60s"},
		{IDFS, "monitor", "", "20s", "40s"},
		{IDIP, "start", "", "0s", "10s"},
		{IDIP, "stop", "", "0s", "10s"},
		{IDIP, "monitor", "", "10s", "20s"},
		{IDPgSQL, "start", "", "0s", "120s"},
		{IDPgSQL, "stop", "", "0s", "30s"},
		{IDPgSQL, "monitor", "", "10s", "10s"},
		{IDPing, "monitor", "", "10s", "60s"},
		{IDMailTo, "monitor", "", "10s", "10s"},
		{"p_fence_qvddb1", "monitor", "", "60s", "20s"},
	}
	_, root := variants[0].tree(t)
	for _, w := range want {
		path := "//primitive[@id='" + w.rsc + "']/operations/op[@name='" + w.op + "']"
		if w.role != "" {
			path += "[@role='" + w.role + "']"
		}
		op := one(t, root, path)
		wantEq(t, path+" interval", op.Attr("interval"), w.interval)
		wantEq(t, path+" timeout", op.Attr("timeout"), w.timeout)
	}
	// Overrides reach the CIB.
	c, err := config.Load(nil, "override", []string{"timer.pgsql.start=300", "timer.drbd.promote=90"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := Build(c).XML()
	if err != nil {
		t.Fatal(err)
	}
	root, err = xmltree.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	wantEq(t, "overridden pgsql start", one(t, root, "//primitive[@id='"+IDPgSQL+"']/operations/op[@name='start']").Attr("timeout"), "300s")
	wantEq(t, "overridden drbd promote", one(t, root, "//primitive[@id='"+IDDRBD+"']/operations/op[@name='promote']").Attr("timeout"), "90s")
}

func TestNoLegacyRoleNames(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			_, root := v.tree(t)
			for _, path := range []string{"//op", "//rule", "//rsc_colocation", "//rsc_location"} {
				for _, e := range root.Find(path) {
					for _, a := range []string{"role", "with-rsc-role", "rsc-role"} {
						if r := e.Attr(a); r == "Master" || r == "Slave" {
							t.Errorf("%s %s=%s: Pacemaker 2.1 names roles Promoted/Unpromoted", e.Attr("id"), a, r)
						}
					}
				}
			}
		})
	}
}

func TestFencing(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			c, root := v.tree(t)
			devices := root.Find(res + "/primitive[@class='stonith']")
			if len(devices) != 2 {
				t.Fatalf("%d fence devices, want one per node", len(devices))
			}
			agent := "fence_qvd_" + c.Fencing
			for _, n := range c.Nodes {
				d := one(t, root, res+"/primitive[@class='stonith'][@id='p_fence_"+n.Name+"']")
				wantEq(t, "agent", d.Attr("type"), agent)
				params := nvMap(one(t, d, "instance_attributes"))
				// The device fences its node only, by domain/VM name.
				wantEq(t, "pcmk_host_map", params["pcmk_host_map"], n.Name+":"+n.FenceTarget)
				l := one(t, root, "configuration/constraints/rsc_location[@rsc='p_fence_"+n.Name+"']")
				wantEq(t, "fence device location", l.Attr("node")+" "+l.Attr("score"), n.Name+" -INFINITY")
				switch c.Fencing {
				case config.FencingLibvirt:
					wantEq(t, "hypervisor_uri", params["hypervisor_uri"], c.LibvirtURI)
				case config.FencingXenAPI:
					wantEq(t, "session_url", params["session_url"], c.XenAPIURL)
					wantEq(t, "username", params["username"], c.XenAPIUser)
					if c.FencePasswordSource == config.CIBSecret {
						wantEq(t, "password_script", params["password_script"], "")
					} else {
						wantEq(t, "password_script", "script:"+params["password_script"], c.FencePasswordSource)
					}
				}
			}
		})
	}
}

// TestNoSecrets: CIB values leak through crm configure show, cluster
// reports and CIB backups.
func TestNoSecrets(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			_, root := v.tree(t)
			for _, p := range root.Find("//nvpair") {
				name := strings.ToLower(p.Attr("name"))
				if (strings.Contains(name, "passw") || strings.Contains(name, "secret")) && name != "password_script" {
					t.Errorf("nvpair %s=%q holds a secret", p.Attr("name"), p.Attr("value"))
				}
			}
		})
	}
}

func TestPlacementAndCluster(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			c, root := v.tree(t)
			target, role := IDGroup, ""
			if c.Storage == config.StorageDRBD {
				target, role = IDDRBDClone, "Promoted"
			}
			// The database runs only where the router answers.
			r := one(t, root, "configuration/constraints/rsc_location[@rsc='"+target+"']/rule[@score='-INFINITY']")
			wantEq(t, "ping rule role", r.Attr("role"), role)
			wantEq(t, "ping rule op", r.Attr("boolean-op"), "or")
			one(t, r, "expression[@attribute='pingd'][@operation='not_defined']")
			one(t, r, "expression[@attribute='pingd'][@operation='lte'][@value='0'][@type='number']")
			ping := one(t, root, res+"/clone[@id='"+IDPingClone+"']")
			wantEq(t, "ping interleave", nv(t, ping, "meta_attributes", "interleave"), "true")
			wantEq(t, "ping host_list", nv(t, ping, "primitive[@type='ping']/instance_attributes", "host_list"), strings.Join(c.PingHosts, " "))

			// Failback: the preference is far below what holds the
			// database where it is (proved in the scheduler tests).
			pref := one(t, root, "configuration/constraints/rsc_location[@rsc='"+target+"']/rule[@score='50']")
			wantEq(t, "preference role", pref.Attr("role"), role)
			one(t, pref, "expression[@attribute='#uname'][@operation='eq'][@value='"+c.Preferred+"']")
			none(t, root, "configuration/constraints/rsc_location[@rsc='"+IDIP+"']")

			mail := one(t, root, res+"/primitive[@type='MailTo']")
			wantEq(t, "MailTo email", nv(t, mail, "instance_attributes", "email"), c.MailTo)
			one(t, root, "configuration/constraints/rsc_colocation[@rsc='"+IDMailTo+"'][@with-rsc='"+IDGroup+"']")

			props := one(t, root, "configuration/crm_config/cluster_property_set")
			wantEq(t, "stonith-enabled", nv(t, props, ".", "stonith-enabled"), "true")
			wantEq(t, "cluster-recheck-interval", nv(t, props, ".", "cluster-recheck-interval"), "10min")
			wantEq(t, "priority-fencing-delay", nv(t, props, ".", "priority-fencing-delay"),
				map[string]string{config.FencingLibvirt: "5s", config.FencingXenAPI: "10s"}[c.Fencing])
			// The fence race winner is the node with the higher priority.
			wantEq(t, "group priority", nv(t, root, res+"/group/meta_attributes", "priority"), "10")
			defs := one(t, root, "configuration/rsc_defaults/meta_attributes")
			wantEq(t, "migration-threshold", nv(t, defs, ".", "migration-threshold"), "2")
			wantEq(t, "failure-timeout", nv(t, defs, ".", "failure-timeout"), "3min")
			wantEq(t, "resource-stickiness", nv(t, defs, ".", "resource-stickiness"), "100")
		})
	}
}
