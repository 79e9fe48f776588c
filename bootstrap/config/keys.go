package config

import "time"

func str(f func(*Config) *string) func(*Config) any { return func(c *Config) any { return f(c) } }
func num(f func(*Config) *int) func(*Config) any    { return func(c *Config) any { return f(c) } }
func sec(f func(*Config) *time.Duration) func(*Config) any {
	return func(c *Config) any { return f(c) }
}
func secOrDefault(f func(*Config) *time.Duration) func(*Config) any {
	return func(c *Config) any { return defaulted{f(c)} }
}
func list(f func(*Config) *[]string) func(*Config) any { return func(c *Config) any { return f(c) } }
func flag(f func(*Config) *bool) func(*Config) any     { return func(c *Config) any { return f(c) } }

// opKeys declares the four timers of a primitive without promotion.
func opKeys(f func(*Config) *Ops, d [4]string, what string) []key {
	prefix := "timer." + what + "."
	return []key{
		{prefix + "start", d[0], "", sec(func(c *Config) *time.Duration { return &f(c).Start })},
		{prefix + "stop", d[1], "", sec(func(c *Config) *time.Duration { return &f(c).Stop })},
		{prefix + "monitor_interval", d[2], "", sec(func(c *Config) *time.Duration { return &f(c).Monitor })},
		{prefix + "monitor_timeout", d[3], "", sec(func(c *Config) *time.Duration { return &f(c).MonitorTimeout })},
	}
}

func node(i int) []key {
	n := func(c *Config) *Node { return &c.Nodes[i] }
	p := "node" + string(rune('1'+i)) + "."
	names := [2]string{"qvddb1", "qvddb2"}
	last := string(rune('1' + i))
	return []key{
		{p + "name", names[i], "", str(func(c *Config) *string { return &n(c).Name })},
		{p + "lan_addr", "192.0.2.1" + last, "", str(func(c *Config) *string { return &n(c).LANAddr })},
		{p + "cross_addr", "198.51.100.1" + last, "", str(func(c *Config) *string { return &n(c).CrossAddr })},
		{p + "fence_target", names[i], "", str(func(c *Config) *string { return &n(c).FenceTarget })},
	}
}

// keys is the one declaration of the configuration file. A doc of "" means
// the key is documented by the comment of the group before it. Defaults are
// the runbook's; its addresses are not published, so documentation ranges
// stand in for them.
var keys = concat(
	[]key{
		{"cluster.name", "qvddb", "Corosync cluster name.", str(func(c *Config) *string { return &c.ClusterName })},
	},
	[]key{{"node1.name", "", "The two nodes (runbook 2.1): name as in uname -n, address on the LAN (corosync link 0),\naddress on the crossover link (corosync link 1 and DRBD replication), and the libvirt domain or\nXenAPI VM (name label or UUID) that IS this node, when it differs from the name.", nil}},
	node(0), node(1),
	[]key{
		{"preferred_node", "qvddb1", "Node the database starts on when both are equal. A rejoining preferred node does NOT take\nthe database back (no automatic failback, runbook 10.2); move it by hand: crm resource move g_postgres NODE.", str(func(c *Config) *string { return &c.Preferred })},
		{"storage", StorageDRBD, "drbd (the runbook: DRBD 8.4 over the crossover link) or shared (one SAN block device seen by\nboth nodes, shared.device; no DRBD resource).", str(func(c *Config) *string { return &c.Storage })},
		{"db.ip", "192.0.2.10", "The database's floating address (runbook 2.1), its prefix length and interface; db.hostname\nis the name QVD connects to (/etc/hosts, /etc/qvd/node.conf database.host).", str(func(c *Config) *string { return &c.DBIP })},
		{"db.netmask", "24", "", num(func(c *Config) *int { return &c.DBNetmask })},
		{"db.nic", "eth0", "", str(func(c *Config) *string { return &c.DBNIC })},
		{"db.hostname", "qvddb", "", str(func(c *Config) *string { return &c.DBHostname })},
		{"drbd.resource", "postgres", "DRBD resource (runbook 6): name, device, backing disk on each node, TCP port of the replication\nlink (on the crossover addresses).", str(func(c *Config) *string { return &c.DRBDResource })},
		{"drbd.device", "/dev/drbd0", "", str(func(c *Config) *string { return &c.DRBDDevice })},
		{"drbd.disk", "/dev/sdb", "", str(func(c *Config) *string { return &c.DRBDDisk })},
		{"drbd.port", "7788", "", num(func(c *Config) *int { return &c.DRBDPort })},
		{"shared.device", "", "With storage = shared: the block device, by a name that is the same on both nodes\n(/dev/disk/by-id/..., /dev/mapper/...).", str(func(c *Config) *string { return &c.SharedDevice })},
		{"fs.type", "xfs", "Filesystem on the device (runbook 7) and its mount point.", str(func(c *Config) *string { return &c.FSType })},
		{"fs.directory", "/var/lib/pgsql/data", "", str(func(c *Config) *string { return &c.FSDirectory })},
		{"pgsql.pgdata", "/var/lib/pgsql/data", "PostgreSQL data directory (on the filesystem above) and port.", str(func(c *Config) *string { return &c.PGData })},
		{"pgsql.port", "5432", "", num(func(c *Config) *int { return &c.PGPort })},
		{"pgsql.pgctl", "/usr/bin/pg_ctl", "pg_ctl of the server's version (SLES: /usr/bin/pg_ctl from update-alternatives; Debian:\n/usr/lib/postgresql/VERSION/bin/pg_ctl).", str(func(c *Config) *string { return &c.PGCtl })},
		{"db.name", "qvddb", "QVD database and its owner (runbook 8.1). The monitor of ocf:qvd:pgsql connects as db.user with\npeer authentication (pg_ident map from root): no password in the CIB.", str(func(c *Config) *string { return &c.DBName })},
		{"db.user", "qvd", "", str(func(c *Config) *string { return &c.DBUser })},
		{"db.password_source", "prompt", "Where the QVD user's password comes from: prompt, file:PATH (mode 0600), or env:NAME.\nThe password itself never belongs in this file.", str(func(c *Config) *string { return &c.DBPasswordSource })},
		{"ping.hosts", "192.0.2.1", "Addresses the ping resource checks (the router, runbook 10.4), space separated, and the\nmultiplier of the pingd attribute. The database runs only where pingd > 0.", list(func(c *Config) *[]string { return &c.PingHosts })},
		{"ping.multiplier", "100", "", num(func(c *Config) *int { return &c.PingMultiplier })},
		{"mail.to", "root", "Address of the MailTo resource's mails (runbook 10.4).", str(func(c *Config) *string { return &c.MailTo })},
		{"fencing", FencingLibvirt, "Fencing (runbook 10.3): libvirt or xenapi.", str(func(c *Config) *string { return &c.Fencing })},
		{"fencing.libvirt_uri", "qemu+ssh://aries/system", "libvirt: hypervisor URI, and the ssh key (empty: root's default key).", str(func(c *Config) *string { return &c.LibvirtURI })},
		{"fencing.identity_file", "", "", str(func(c *Config) *string { return &c.LibvirtIdentityFile })},
		{"fencing.xenapi_url", "https://aries", "xenapi: pool master URL, user, password source (script:PATH, an executable printing the\npassword, given to the agent as password_script; or cibsecret, then store it with\n`cibsecret set p_fence_NODE password`), and whether to skip the TLS certificate check.", str(func(c *Config) *string { return &c.XenAPIURL })},
		{"fencing.xenapi_user", "root", "", str(func(c *Config) *string { return &c.XenAPIUser })},
		{"fencing.password_source", "script:/etc/qvd-ha/xenapi-password", "", str(func(c *Config) *string { return &c.FencePasswordSource })},
		{"fencing.ssl_insecure", "false", "", flag(func(c *Config) *bool { return &c.XenAPISSLInsecure })},
		{"corosync.token", "5", "Corosync token timeout in seconds: a lost node is noticed after token + consensus (1.2 x token).", sec(func(c *Config) *time.Duration { return &c.CorosyncToken })},
	},
	[]key{{"timer.drbd.start", "", "Operation timers in seconds (runbook 10.5). Exceptions: timer.fs.stop is 60, not 30 (Filesystem's\nadvice: its stop kills what holds the mount, and a failed stop means fencing), and timer.pgsql.start\nis 120, not 30: start-failure-is-fatal (Pacemaker's default, kept) bans a node at the first failed start, and\nPostgreSQL's crash recovery after a failover replays the WAL since the last checkpoint\n(checkpoint_timeout 5 min), which can take longer than 30 s.", nil}},
	[]key{
		{"timer.drbd.start", "240", "", sec(func(c *Config) *time.Duration { return &c.Timers.DRBDStart })},
		{"timer.drbd.stop", "100", "", sec(func(c *Config) *time.Duration { return &c.Timers.DRBDStop })},
		{"timer.drbd.promote", "60", "", sec(func(c *Config) *time.Duration { return &c.Timers.DRBDPromote })},
		{"timer.drbd.demote", "30", "", sec(func(c *Config) *time.Duration { return &c.Timers.DRBDDemote })},
		{"timer.drbd.notify", "30", "", sec(func(c *Config) *time.Duration { return &c.Timers.DRBDNotify })},
		{"timer.drbd.monitor_promoted_interval", "10", "", sec(func(c *Config) *time.Duration { return &c.Timers.DRBDMonitorPromoted })},
		{"timer.drbd.monitor_unpromoted_interval", "20", "", sec(func(c *Config) *time.Duration { return &c.Timers.DRBDMonitorUnpromoted })},
		{"timer.drbd.monitor_timeout", "20", "", sec(func(c *Config) *time.Duration { return &c.Timers.DRBDMonitorTimeout })},
	},
	opKeys(func(c *Config) *Ops { return &c.Timers.FS }, [4]string{"60", "60", "20", "40"}, "fs"),
	opKeys(func(c *Config) *Ops { return &c.Timers.IP }, [4]string{"10", "10", "10", "20"}, "ip"),
	opKeys(func(c *Config) *Ops { return &c.Timers.PgSQL }, [4]string{"120", "30", "10", "10"}, "pgsql"),
	opKeys(func(c *Config) *Ops { return &c.Timers.Ping }, [4]string{"60", "20", "10", "60"}, "ping"),
	opKeys(func(c *Config) *Ops { return &c.Timers.MailTo }, [4]string{"10", "10", "10", "10"}, "mailto"),
	[]key{
		{"timer.fence.monitor_interval", "60", "", sec(func(c *Config) *time.Duration { return &c.Timers.FenceMonitor })},
		{"timer.fence.monitor_timeout", "20", "", sec(func(c *Config) *time.Duration { return &c.Timers.FenceMonitorTimeout })},
		{"timer.priority_fencing_delay", "", "Seconds by which fencing of the node running the database is delayed, so that it wins a\nfence race after a split. It must outlast one fencing action, twice over to be safe (verify\n--fence-timing measures the fence devices and warns); every node loss waits for it. Empty: by\nfencing method, 5 for libvirt, 10 for xenapi (a login at the pool master, often via a redirect).", secOrDefault(func(c *Config) *time.Duration { return &c.Timers.PriorityFencingDelay })},
		{"timer.failure_timeout", "180", "Seconds after which a resource's failures are forgotten (rsc_defaults failure-timeout): a node\nthat migration-threshold (2) banned may run the database again.", sec(func(c *Config) *time.Duration { return &c.Timers.FailureTimeout })},
	},
)

// concat joins the groups and folds each heading (a key without field) into
// the key that follows it, whose doc it becomes.
func concat(groups ...[]key) []key {
	var in []key
	for _, g := range groups {
		in = append(in, g...)
	}
	var out []key
	doc := ""
	for _, k := range in {
		if k.field == nil {
			doc = k.doc
			continue
		}
		if doc != "" {
			k.doc = doc
			doc = ""
		}
		out = append(out, k)
	}
	return out
}
