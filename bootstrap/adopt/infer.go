package adopt

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
)

// Gap is a configuration key the CIB does not answer.
type Gap struct {
	Key string
	Why string
	// Blank: the key is left empty, so that the file does not load until
	// the admin sets it (a guess would be wrong without a word: an
	// address, a disk, a port). Otherwise the value is the runbook's (the
	// default) and only needs checking.
	Blank bool
}

// Inferred is the bootstrap configuration of a recognised cluster.
type Inferred struct {
	Layout string
	Config *config.Config
	Gaps   []Gap
}

// The heartbeat pgsql agent's defaults, which the runbook relies on: it sets
// none of pgdata, pgport, pgctl.
const (
	pgsqlDefaultPGData = "/var/lib/pgsql/data"
	pgsqlDefaultPGCtl  = "/usr/bin/pg_ctl"
	pgsqlDefaultPort   = "5432"
	// defaultOpTimeout is Pacemaker's timeout of an operation that sets
	// none and has no op_defaults timeout.
	defaultOpTimeout = 20 * time.Second
)

// Infer reads the bootstrap configuration out of a recognised CIB. It never
// copies a credential: the runbook's CIB holds pgsql's monitor_password and
// xenapi's passwd in clear, and this file is meant to hold none.
func (r *Recognised) Infer() *Inferred {
	c := config.Default()
	in := &Inferred{Layout: r.Layout.Name, Config: c}
	gap := func(key string, blank bool, format string, args ...any) {
		in.Gaps = append(in.Gaps, Gap{Key: key, Why: fmt.Sprintf(format, args...), Blank: blank})
	}
	res := r.cib.resources

	if name := r.cib.properties["cluster-name"]; name != "" {
		c.ClusterName = name
	} else {
		gap("cluster.name", false, "no cluster-name property in the CIB; must be corosync.conf's totem cluster_name")
	}
	gap("corosync.token", false, "not in the CIB; corosync.conf's totem token (the runbook's 5 s kept)")

	r.inferNodes(c, gap)

	ip := res[r.Layout.IP]
	c.DBIP = ip.params["ip"]
	if c.DBIP == "" {
		gap("db.ip", true, "%s has no ip parameter", ip.id)
	}
	switch n, ok := prefixLength(ip.params["cidr_netmask"]); {
	case ok:
		c.DBNetmask = n
	case ip.params["cidr_netmask"] == "":
		gap("db.netmask", false, "%s has no cidr_netmask (IPaddr2 takes the interface's route); the runbook's /24 kept", ip.id)
	default:
		gap("db.netmask", true, "%s's cidr_netmask %q is neither a prefix length nor a dotted mask", ip.id, ip.params["cidr_netmask"])
	}
	if nic := ip.params["nic"]; nic != "" {
		c.DBNIC = nic
	} else {
		gap("db.nic", false, "%s has no nic (IPaddr2 picks it by route); eth0 kept, check `ip route get %s`", ip.id, c.DBIP)
	}

	pg := res[r.Layout.PgSQL]
	if h := pg.params["pghost"]; h != "" {
		c.DBHostname = h
	} else {
		gap("db.hostname", false, "%s has no pghost; the runbook's qvddb kept (/etc/hosts' name of db.ip)", pg.id)
	}
	c.PGData = param(pg, "pgdata", pgsqlDefaultPGData)
	c.PGCtl = param(pg, "pgctl", pgsqlDefaultPGCtl)
	if n, err := strconv.Atoi(param(pg, "pgport", pgsqlDefaultPort)); err == nil {
		c.PGPort = n
	} else {
		gap("pgsql.port", true, "%s's pgport %q is not a number", pg.id, pg.params["pgport"])
	}
	if db := pg.params["pgdb"]; db != "" {
		c.DBName = db
	} else {
		gap("db.name", false, "%s has no pgdb; the runbook's qvddb kept (runbook 8.1)", pg.id)
	}
	if u := pg.params["monitor_user"]; u != "" {
		c.DBUser = u
	} else {
		gap("db.user", false, "%s has no monitor_user; the runbook's qvd kept (runbook 8.1)", pg.id)
	}
	if _, ok := pg.params["monitor_password"]; ok {
		gap("db.password_source", false, "%s carries monitor_password in the CIB: not copied here; prompt kept, or file:PATH / env:NAME", pg.id)
	}

	drbd := res[r.Layout.DRBD]
	c.Storage = config.StorageDRBD
	c.DRBDResource = drbd.params["drbd_resource"]
	if c.DRBDResource == "" {
		gap("drbd.resource", true, "%s has no drbd_resource", drbd.id)
	}
	fs := res[r.Layout.FS]
	dev := fs.params["device"]
	if strings.HasPrefix(dev, "/dev/drbd") && !strings.HasPrefix(dev, "/dev/drbd/") {
		c.DRBDDevice = dev
	} else {
		c.DRBDDevice = ""
		gap("drbd.device", true, "%s mounts %s, not a /dev/drbdN: the minor is the device line of /etc/drbd.d/%s.res", fs.id, dev, c.DRBDResource)
	}
	c.DRBDDisk = ""
	gap("drbd.disk", true, "not in the CIB: the disk line of /etc/drbd.d/%s.res", c.DRBDResource)
	c.DRBDPort = 0
	gap("drbd.port", true, "not in the CIB: the address lines' port of /etc/drbd.d/%s.res", c.DRBDResource)
	c.FSType = fs.params["fstype"]
	c.FSDirectory = fs.params["directory"]
	if c.FSType == "" {
		gap("fs.type", true, "%s has no fstype", fs.id)
	}
	if c.FSDirectory == "" {
		gap("fs.directory", true, "%s has no directory", fs.id)
	}

	r.inferPing(c, gap)
	if r.MailTo != "" && res[r.MailTo].params["email"] != "" {
		c.MailTo = res[r.MailTo].params["email"]
	} else {
		gap("mail.to", false, "no MailTo resource with an email in the CIB; the runbook's root kept")
	}
	r.inferFencing(c, gap)
	r.inferTimers(c, gap)
	return in
}

// prefixLength reads IPaddr2's cidr_netmask, which takes a prefix length
// ("24") or, as ifconfig did, a dotted mask ("255.255.255.0").
func prefixLength(v string) (int, bool) {
	if n, err := strconv.Atoi(v); err == nil {
		return n, true
	}
	ip := net.ParseIP(v).To4()
	if ip == nil {
		return 0, false
	}
	ones, bits := net.IPMask(ip).Size()
	return ones, bits == 32
}

func param(r *resource, name, def string) string {
	if v := r.params[name]; v != "" {
		return v
	}
	return def
}

type gapFunc func(key string, blank bool, format string, args ...any)

// inferNodes takes the node names from <nodes> (a cluster that ran has
// them), else from the fence devices' locations, and the fence targets
// from the devices' hostlist.
func (r *Recognised) inferNodes(c *config.Config, gap gapFunc) {
	names := r.cib.nodes
	if len(names) != 2 {
		names = nil
		for _, k := range r.cib.constraints {
			if k.kind == "rsc_location" && slices.Contains(r.Fences, k.attrs["rsc"]) && k.attrs["node"] != "" {
				names = append(names, k.attrs["node"])
			}
		}
	}
	for i := range c.Nodes {
		k := fmt.Sprintf("node%d.", i+1)
		n := &c.Nodes[i]
		if len(names) == 2 {
			n.Name = names[i]
			n.FenceTarget = r.fenceTarget(n.Name)
		} else {
			n.Name, n.FenceTarget = "", ""
			gap(k+"name", true, "the CIB names no two nodes (no <nodes>, no fence device locations)")
		}
		n.LANAddr, n.CrossAddr = "", ""
		gap(k+"lan_addr", true, "not in the CIB: corosync.conf's ring0/link 0 address of this node")
		gap(k+"cross_addr", true, "not in the CIB: corosync.conf's ring1/link 1 address, the DRBD address in /etc/drbd.d/*.res")
	}
	c.Preferred = c.Nodes[0].Name
	for _, k := range r.cib.constraints {
		id := k.attrs["id"]
		rsc := k.attrs["rsc"]
		if k.kind == "rsc_location" && !k.rule && k.attrs["node"] != "" && !strings.HasPrefix(k.attrs["score"], "-") &&
			(rsc == r.Layout.Group || rsc == r.Layout.IP || rsc == r.Layout.PgSQL) && !strings.HasPrefix(id, "cli-") {
			c.Preferred = k.attrs["node"]
			return
		}
	}
	gap("preferred_node", false, "the CIB prefers no node for %s; node1 chosen (no failback either way)", r.Layout.Group)
}

// fenceTarget is the hostlist entry of the device that fences node: the
// external plugins take "node" or "node:domain".
func (r *Recognised) fenceTarget(node string) string {
	for _, id := range r.Fences {
		for _, h := range strings.Fields(r.cib.resources[id].params["hostlist"]) {
			name, target, ok := strings.Cut(h, ":")
			if name != node {
				continue
			}
			if ok && target != "" {
				return target
			}
			return name
		}
	}
	return node
}

func (r *Recognised) inferPing(c *config.Config, gap gapFunc) {
	if r.Ping == "" {
		c.PingHosts = nil
		gap("ping.hosts", true, "no ping resource in the CIB: the router's address (runbook 10.4)")
		return
	}
	p := r.cib.resources[r.Ping]
	c.PingHosts = strings.Fields(p.params["host_list"])
	if len(c.PingHosts) == 0 {
		gap("ping.hosts", true, "%s's host_list is empty (as the runbook typed it): the router's address", p.id)
	}
	if n, err := strconv.Atoi(p.params["multiplier"]); err == nil {
		c.PingMultiplier = n
	} else {
		gap("ping.multiplier", false, "%s has no multiplier; the runbook's 100 kept", p.id)
	}
}

// inferFencing reads the fence devices' method and hypervisor; credentials
// only as references.
func (r *Recognised) inferFencing(c *config.Config, gap gapFunc) {
	if len(r.Fences) == 0 {
		gap("fencing", false, "no external/libvirt or external/xenapi device in the CIB; libvirt kept")
		gap("fencing.libvirt_uri", false, "no fence device in the CIB; the runbook's URI kept")
		return
	}
	d := r.cib.resources[r.Fences[0]]
	switch d.agent {
	case agentLibvirt:
		c.Fencing = config.FencingLibvirt
		c.LibvirtURI = d.params["hypervisor_uri"]
		if c.LibvirtURI == "" {
			gap("fencing.libvirt_uri", true, "%s has no hypervisor_uri", d.id)
		}
	case agentXenAPI:
		c.Fencing = config.FencingXenAPI
		c.XenAPIURL = d.params["session_url"]
		c.XenAPIUser = d.params["login"]
		if c.XenAPIURL == "" {
			gap("fencing.xenapi_url", true, "%s has no session_url", d.id)
		}
		if c.XenAPIUser == "" {
			gap("fencing.xenapi_user", true, "%s has no login", d.id)
		}
		c.FencePasswordSource = ""
		gap("fencing.password_source", true, "%s carries passwd in the CIB: not copied; script:PATH printing it, or cibsecret", d.id)
		gap("fencing.ssl_insecure", false, "external/xenapi does not say; false kept (the pool master's certificate is checked)")
	}
	for _, id := range r.Fences[1:] {
		o := r.cib.resources[id]
		for _, p := range []string{"hypervisor_uri", "session_url", "login"} {
			if o.params[p] != d.params[p] {
				gap("fencing", false, "%s and %s differ in %s; %s's taken", d.id, id, p, d.id)
			}
		}
	}
}

// inferTimers reads the op timers. Two are not copied when shorter than the
// bootstrap's: timer.fs.stop and timer.pgsql.start, whose runbook values
// (30 s) keys.go explains are unsafe; adopting must not carry them over.
func (r *Recognised) inferTimers(c *config.Config, gap gapFunc) {
	t := &c.Timers
	res := r.cib.resources
	timeout := func(o op) (time.Duration, bool) {
		v := o.timeout
		if v == "" {
			v = r.cib.opDefaults["timeout"]
		}
		if v == "" {
			return defaultOpTimeout, true
		}
		d, err := pcmk.ParseInterval(v)
		return d, err == nil && d > 0
	}
	interval := func(o op) (time.Duration, bool) {
		d, err := pcmk.ParseInterval(o.interval)
		return d, err == nil && d > 0
	}
	set := func(key string, dst *time.Duration, rsc *resource, o op, found bool, read func(op) (time.Duration, bool)) {
		if !found {
			// timer.X.monitor_timeout is the monitor's, timer.drbd.promote the promote's.
			name, _, _ := strings.Cut(key[strings.LastIndex(key, ".")+1:], "_")
			gap(key, false, "%s has no %s operation; the runbook's %d kept", rsc.id, name, *dst/time.Second)
			return
		}
		d, ok := read(o)
		if !ok {
			gap(key, false, "%s's %s is not a positive interval; the runbook's %d kept", rsc.id, o.name, *dst/time.Second)
			return
		}
		*dst = d.Round(time.Second)
	}
	ops := func(prefix string, dst *config.Ops, rsc *resource) {
		o, ok := rsc.findOp("start")
		set(prefix+"start", &dst.Start, rsc, o, ok, timeout)
		o, ok = rsc.findOp("stop")
		set(prefix+"stop", &dst.Stop, rsc, o, ok, timeout)
		o, ok = rsc.findOp("monitor")
		set(prefix+"monitor_interval", &dst.Monitor, rsc, o, ok, interval)
		set(prefix+"monitor_timeout", &dst.MonitorTimeout, rsc, o, ok, timeout)
	}

	drbd := res[r.Layout.DRBD]
	for _, x := range []struct {
		name string
		dst  *time.Duration
	}{{"start", &t.DRBDStart}, {"stop", &t.DRBDStop}, {"promote", &t.DRBDPromote}, {"demote", &t.DRBDDemote}, {"notify", &t.DRBDNotify}} {
		o, ok := drbd.findOp(x.name)
		set("timer.drbd."+x.name, x.dst, drbd, o, ok, timeout)
	}
	o, ok := drbd.findOp("monitor", "Master", "Promoted")
	set("timer.drbd.monitor_promoted_interval", &t.DRBDMonitorPromoted, drbd, o, ok, interval)
	if ok {
		set("timer.drbd.monitor_timeout", &t.DRBDMonitorTimeout, drbd, o, ok, timeout)
	}
	o, ok2 := drbd.findOp("monitor", "Slave", "Unpromoted", "")
	set("timer.drbd.monitor_unpromoted_interval", &t.DRBDMonitorUnpromoted, drbd, o, ok2, interval)
	if !ok {
		set("timer.drbd.monitor_timeout", &t.DRBDMonitorTimeout, drbd, o, ok2, timeout)
	}

	safeFSStop, safePgStart := t.FS.Stop, t.PgSQL.Start
	ops("timer.fs.", &t.FS, res[r.Layout.FS])
	ops("timer.ip.", &t.IP, res[r.Layout.IP])
	ops("timer.pgsql.", &t.PgSQL, res[r.Layout.PgSQL])
	if t.FS.Stop < safeFSStop {
		gap("timer.fs.stop", false, "%s stops within %d s; %d kept: a failed stop means fencing (see the key's comment)", r.Layout.FS, t.FS.Stop/time.Second, safeFSStop/time.Second)
		t.FS.Stop = safeFSStop
	}
	if t.PgSQL.Start < safePgStart {
		gap("timer.pgsql.start", false, "%s starts within %d s; %d kept: crash recovery after a failover may take longer, and a failed start bans the node", r.Layout.PgSQL, t.PgSQL.Start/time.Second, safePgStart/time.Second)
		t.PgSQL.Start = safePgStart
	}
	if r.Ping != "" {
		ops("timer.ping.", &t.Ping, res[r.Ping])
	}
	if r.MailTo != "" {
		ops("timer.mailto.", &t.MailTo, res[r.MailTo])
	}
	if len(r.Fences) > 0 {
		f := res[r.Fences[0]]
		o, ok := f.findOp("monitor")
		set("timer.fence.monitor_interval", &t.FenceMonitor, f, o, ok, interval)
		set("timer.fence.monitor_timeout", &t.FenceMonitorTimeout, f, o, ok, timeout)
	}
	if v := r.cib.properties["priority-fencing-delay"]; v != "" {
		if d, err := pcmk.ParseInterval(v); err == nil && d >= 5*time.Second {
			t.PriorityFencingDelay = d.Round(time.Second)
		}
	}
	if v := r.cib.rscDefaults["failure-timeout"]; v != "" {
		d, err := pcmk.ParseInterval(v)
		if err == nil && d > 0 {
			t.FailureTimeout = d.Round(time.Second)
		} else {
			gap("timer.failure_timeout", false, "rsc_defaults failure-timeout %q is not a positive interval; 180 kept", v)
		}
	} else {
		gap("timer.failure_timeout", false, "no rsc_defaults failure-timeout (failures never expire there); the runbook's 180 kept")
	}
}

// Render is the configuration file: what could not be inferred first, as
// comments, then the documented configuration with the blank keys empty.
func (in *Inferred) Render() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Inferred by qvd-ha-bootstrap adopt from a CIB of the runbook's section %s layout.\n", in.Layout)
	blank := map[string]bool{}
	var must, check []Gap
	for _, g := range in.Gaps {
		if g.Blank {
			blank[g.Key] = true
			must = append(must, g)
		} else {
			check = append(check, g)
		}
	}
	if len(must) > 0 {
		b.WriteString("#\n# Not in the CIB: set these (left empty; the file does not load until they are set):\n")
		for _, g := range must {
			fmt.Fprintf(&b, "#   %s: %s\n", g.Key, g.Why)
		}
	}
	if len(check) > 0 {
		b.WriteString("#\n# Not in the CIB, or not taken from it: check the value below:\n")
		for _, g := range check {
			fmt.Fprintf(&b, "#   %s: %s\n", g.Key, g.Why)
		}
	}
	b.WriteString("\n")
	for _, line := range strings.SplitAfter(in.Config.Render(), "\n") {
		if k, _, ok := strings.Cut(line, " = "); ok && blank[k] {
			line = k + " =\n"
		}
		b.WriteString(line)
	}
	return b.String()
}
