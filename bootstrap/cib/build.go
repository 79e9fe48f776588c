package cib

import (
	"strconv"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
)

// Resource and constraint names. They follow the runbook's (p_, g_, ms_, l_,
// o_) so that its maintenance commands keep working; ms_drbd_postgres is a
// promotable clone, not the removed <master>.
const (
	IDDRBD        = "p_drbd_postgres"
	IDDRBDClone   = "ms_drbd_postgres"
	IDFS          = "p_fs_postgres"
	IDIP          = "p_ip_postgres"
	IDPgSQL       = "p_postgres"
	IDGroup       = "g_postgres"
	IDPing        = "p_ping"
	IDPingClone   = "c_ping"
	IDMailTo      = "p_mailto"
	IDFencePrefix = "p_fence_"
)

// Scores of the placement policy.
//
// Failback: the runbook wants a database that stays where it is (10.2) and
// also a preferred node (15). Stickiness counts once per group member and
// once for the promoted DRBD instance, so the group alone holds its node with
// 3 x Stickiness, far above PreferScore: a rejoining preferred node never
// pulls the database back, while with both nodes equal at the first start
// the preference decides. The preference sits on the Promoted role of the
// DRBD clone (on the group with shared storage), which is what drags the
// group along; on the IP alone (runbook 15) it would fight the colocation.
const (
	Stickiness  = 100
	PreferScore = 50
	// Priority of the group: with priority-fencing-delay, the node running
	// the higher total priority is fenced last, so the node holding the
	// database wins a fence race.
	Priority = 10
)

// Build returns the CIB for c.
func Build(c *config.Config) *CIB {
	t := c.Timers
	b := &CIB{FeatureSet: FeatureSet, ValidateWith: Schema, Epoch: 1}
	cfg := &b.Configuration
	cfg.CRMConfig.PropertySets = []NVSet{nvset("cib-bootstrap-options",
		"stonith-enabled", "true",
		"cluster-recheck-interval", "10min",
		// Two-node fence race: see Priority. priority-fencing-delay rather
		// than pcmk_delay_base on one device, because the delay must follow
		// the database: a static delay would protect the node that held it
		// before the last failover and shoot the one that holds it now.
		"priority-fencing-delay", secs(c.FenceDelay()),
	)}
	cfg.RscDefaults = &Defaults{Meta: []NVSet{nvset("rsc-options",
		"resource-stickiness", strconv.Itoa(Stickiness),
		"migration-threshold", "2",
		"failure-timeout", duration(t.FailureTimeout),
	)}}
	res := &cfg.Resources
	cons := &cfg.Constraints

	for _, n := range c.Nodes {
		id := IDFencePrefix + n.Name
		res.Primitives = append(res.Primitives, fence(c, n, id))
		cons.Locations = append(cons.Locations, Location{
			ID: "l_fence_" + n.Name, Rsc: id, Node: n.Name, Score: "-INFINITY"})
	}

	ping := primitive(IDPing, "ocf", "pacemaker", "ping",
		[]string{"host_list", strings.Join(c.PingHosts, " "), "multiplier", strconv.Itoa(c.PingMultiplier)},
		ops(IDPing, t.Ping)...)
	res.Clones = append(res.Clones, Clone{ID: IDPingClone, Primitive: ping,
		Meta: nvset(IDPingClone+"-meta_attributes", "interleave", "true").ptr()})

	res.Primitives = append(res.Primitives, primitive(IDMailTo, "ocf", "heartbeat", "MailTo",
		[]string{"email", c.MailTo}, ops(IDMailTo, t.MailTo)...))

	device := c.SharedDevice
	if c.Storage == config.StorageDRBD {
		device = c.DRBDDevice
	}
	fsOps := ops(IDFS, t.FS)
	fsOps[2].Instance = nvset(fsOps[2].ID+"-instance_attributes", "OCF_CHECK_LEVEL", "20").ptr()
	group := Group{ID: IDGroup, Meta: nvset(IDGroup+"-meta_attributes", "priority", strconv.Itoa(Priority)).ptr(),
		Primitives: []Primitive{
			primitive(IDFS, "ocf", "heartbeat", "Filesystem",
				[]string{"device", device, "directory", c.FSDirectory, "fstype", c.FSType}, fsOps...),
			primitive(IDIP, "ocf", "qvd", "IPaddr",
				[]string{"ip", c.DBIP, "cidr_netmask", strconv.Itoa(c.DBNetmask), "nic", c.DBNIC}, ops(IDIP, t.IP)...),
			// No pghost and no monitor_password: the monitor uses the local
			// socket with peer authentication (pg_ident map root -> db.user).
			primitive(IDPgSQL, "ocf", "qvd", "pgsql",
				[]string{"pgdata", c.PGData, "pgctl", c.PGCtl, "pgport", strconv.Itoa(c.PGPort), "pgdb", c.DBName, "monitor_user", c.DBUser},
				ops(IDPgSQL, t.PgSQL)...),
		}}
	res.Groups = append(res.Groups, group)

	// Where the database may be promoted / run: the DRBD Promoted role, or
	// the group itself with shared storage.
	target, role := IDGroup, ""
	if c.Storage == config.StorageDRBD {
		target, role = IDDRBDClone, "Promoted"
		drbd := primitive(IDDRBD, "ocf", "qvd", "drbd", []string{"drbd_resource", c.DRBDResource},
			op(IDDRBD, "start", 0, t.DRBDStart, ""),
			op(IDDRBD, "stop", 0, t.DRBDStop, ""),
			op(IDDRBD, "promote", 0, t.DRBDPromote, ""),
			op(IDDRBD, "demote", 0, t.DRBDDemote, ""),
			op(IDDRBD, "notify", 0, t.DRBDNotify, ""),
			op(IDDRBD, "monitor", t.DRBDMonitorPromoted, t.DRBDMonitorTimeout, "Promoted"),
			op(IDDRBD, "monitor", t.DRBDMonitorUnpromoted, t.DRBDMonitorTimeout, "Unpromoted"),
		)
		res.Clones = append(res.Clones, Clone{ID: IDDRBDClone, Primitive: drbd,
			Meta: nvset(IDDRBDClone+"-meta_attributes",
				"promotable", "true",
				"promoted-max", "1",
				"promoted-node-max", "1",
				"clone-max", "2",
				"clone-node-max", "1",
				// The agent needs notifications; crm-fence-peer finds the
				// clone through the primitive's drbd_resource.
				"notify", "true",
			).ptr()})
		cons.Colocations = append(cons.Colocations, Colocation{ID: "col_postgres_on_drbd",
			Score: "INFINITY", Rsc: IDGroup, WithRsc: IDDRBDClone, WithRscRole: "Promoted"})
		cons.Orders = append(cons.Orders, Order{ID: "o_drbd_before_postgres", Kind: "Mandatory",
			First: IDDRBDClone, FirstAction: "promote", Then: IDGroup, ThenAction: "start"})
	}
	pingRule := "l_" + target + "_on_ping"
	prefer := "l_prefer_" + c.Preferred
	cons.Locations = append(cons.Locations,
		Location{ID: pingRule, Rsc: target, Rules: []Rule{{
			ID: pingRule + "-rule", Score: "-INFINITY", Role: role, BooleanOp: "or",
			Expressions: []Expression{
				{ID: pingRule + "-rule-expression", Attribute: "pingd", Operation: "not_defined"},
				{ID: pingRule + "-rule-expression-0", Attribute: "pingd", Operation: "lte", Value: "0", Type: "number"},
			}}}},
		Location{ID: prefer, Rsc: target, Rules: []Rule{{
			ID: prefer + "-rule", Score: strconv.Itoa(PreferScore), Role: role,
			Expressions: []Expression{{ID: prefer + "-rule-expression", Attribute: "#uname", Operation: "eq", Value: c.Preferred}},
		}}},
	)
	// MailTo mails from the node that runs the database, so its start and
	// stop report takeovers; a mail failure never fails the group.
	cons.Colocations = append(cons.Colocations, Colocation{ID: "col_mailto_with_postgres",
		Score: "INFINITY", Rsc: IDMailTo, WithRsc: IDGroup})
	cons.Orders = append(cons.Orders, Order{ID: "o_postgres_before_mailto", Kind: "Optional",
		First: IDGroup, Then: IDMailTo})
	return b
}

// fence returns the device that fences node n, and only n: pcmk_host_map
// names its domain or VM, which may differ from the node name.
func fence(c *config.Config, n config.Node, id string) Primitive {
	params := []string{"pcmk_host_map", n.Name + ":" + n.FenceTarget}
	agent := "fence_qvd_libvirt"
	switch c.Fencing {
	case config.FencingLibvirt:
		params = append(params, "hypervisor_uri", c.LibvirtURI)
		if c.LibvirtIdentityFile != "" {
			params = append(params, "identity_file", c.LibvirtIdentityFile)
		}
	case config.FencingXenAPI:
		agent = "fence_qvd_xenapi"
		params = append(params, "session_url", c.XenAPIURL, "username", c.XenAPIUser)
		// cibsecret: no password parameter at all; `cibsecret set` adds
		// its lrm:// reference and keeps the value on the nodes' disks.
		if script, ok := strings.CutPrefix(c.FencePasswordSource, "script:"); ok {
			params = append(params, "password_script", script)
		}
		if c.XenAPISSLInsecure {
			params = append(params, "ssl_insecure", "1")
		}
	}
	return primitive(id, "stonith", "", agent, params,
		op(id, "monitor", c.Timers.FenceMonitor, c.Timers.FenceMonitorTimeout, ""))
}

func primitive(id, class, provider, typ string, params []string, ops ...Op) Primitive {
	return Primitive{ID: id, Class: class, Provider: provider, Type: typ,
		Instance: nvset(id+"-instance_attributes", params...).ptr(), Operations: ops}
}

// ops returns start, stop and monitor, in that order.
func ops(id string, t config.Ops) []Op {
	return []Op{
		op(id, "start", 0, t.Start, ""),
		op(id, "stop", 0, t.Stop, ""),
		op(id, "monitor", t.Monitor, t.MonitorTimeout, ""),
	}
}

func op(rsc, name string, interval, timeout time.Duration, role string) Op {
	return Op{ID: rsc + "-" + name + "-" + secs(interval), Name: name,
		Interval: secs(interval), Timeout: secs(timeout), Role: role}
}

// nvset builds a set from name, value pairs; ids follow crmsh's scheme.
func nvset(id string, pairs ...string) NVSet {
	s := NVSet{ID: id}
	for i := 0; i+1 < len(pairs); i += 2 {
		s.NVPairs = append(s.NVPairs, NVPair{ID: id + "-" + pairs[i], Name: pairs[i], Value: pairs[i+1]})
	}
	return s
}

func (s NVSet) ptr() *NVSet { return &s }

func secs(d time.Duration) string { return strconv.Itoa(int(d/time.Second)) + "s" }

// duration writes whole minutes as minutes: "3min" reads as the runbook does.
func duration(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return strconv.Itoa(int(d/time.Minute)) + "min"
	}
	return secs(d)
}
