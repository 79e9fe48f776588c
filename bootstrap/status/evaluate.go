package status

import (
	"fmt"
	"strings"
	"time"
)

// Level is a problem's severity; its value is the monitoring-plugin exit
// code.
type Level int

// The monitoring-plugin levels, in the plugins' exit codes. UNKNOWN ranks
// below CRITICAL when the worst is chosen (Nagios' own rule: a check that
// saw a critical fault says so even if another part was unreadable) but
// above WARNING.
const (
	OK       Level = 0
	Warning  Level = 1
	Critical Level = 2
	Unknown  Level = 3
)

func (l Level) String() string {
	switch l {
	case OK:
		return "OK"
	case Warning:
		return "WARNING"
	case Critical:
		return "CRITICAL"
	default:
		return "UNKNOWN"
	}
}

// MarshalText writes the level's name in JSON.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// rank orders levels by how bad they are.
func (l Level) rank() int {
	switch l {
	case OK:
		return 0
	case Warning:
		return 1
	case Unknown:
		return 2
	default:
		return 3
	}
}

// Problem is one thing wrong, in one line that says what to do about it.
type Problem struct {
	Level Level  `json:"level"`
	Text  string `json:"text"`
}

// Thresholds are the limits of the evaluation.
type Thresholds struct {
	// MonitorWarn, MonitorCrit: how old pacemaker_monitor.last_update may
	// get (the pgsql monitor writes it every 10 s).
	MonitorWarn, MonitorCrit time.Duration
	// BackupAge: the timer backs up nightly; two days is one missed night
	// and then some.
	BackupAge time.Duration
	// RecentFencing: how long a completed fencing is reported.
	RecentFencing time.Duration
}

// DefaultThresholds are the and the runbook's numbers.
var DefaultThresholds = Thresholds{
	MonitorWarn:   time.Minute,
	MonitorCrit:   5 * time.Minute,
	BackupAge:     48 * time.Hour,
	RecentFencing: 24 * time.Hour,
}

// Worst is the level of the worst problem, OK for none: the exit code.
func Worst(problems []Problem) Level {
	worst := OK
	for _, p := range problems {
		if p.Level.rank() > worst.rank() {
			worst = p.Level
		}
	}
	return worst
}

// Evaluate judges a report: what is wrong, each with what to do. It reads
// nothing but the report, so the same report always gives the same
// problems.
func Evaluate(r *Report, th Thresholds) []Problem {
	var ps []Problem
	add := func(l Level, format string, args ...any) {
		ps = append(ps, Problem{Level: l, Text: fmt.Sprintf(format, args...)})
	}
	var needRoot []string
	for _, e := range r.Errors {
		if e.NeedsRoot {
			needRoot = append(needRoot, e.Source)
			continue
		}
		add(Unknown, "cannot read %s on %s: %s: %s", e.Source, r.Node, e.Error, sourceHint[e.Source])
	}
	if len(needRoot) > 0 {
		add(Unknown, "status is not running as root and may not read %s on %s: run it as root (sudo qvd-ha status); "+
			"the rest below is what this user could read", strings.Join(needRoot, ", "), r.Node)
	}
	if c := r.Cluster; c != nil {
		evalCluster(c, r, add)
	}
	for _, con := range r.Constraints {
		switch con.Kind {
		case KindMove:
			add(Warning, "move constraint %s left behind (%s pinned to %s): when the move is done, crm resource clear %s",
				con.ID, con.Resource, orAny(con.Node), con.Resource)
		case KindBan:
			add(Warning, "ban %s left behind (%s may not run on %s): crm resource clear %s", con.ID, con.Resource, orAny(con.Node), con.Resource)
		case KindDRBDFence:
			add(Warning, "DRBD fence constraint %s: the peer's copy is outdated and it cannot be promoted until it resynchronises "+
				"(crm-unfence-peer.sh then removes it); do not delete it while the replication link is down", con.ID)
		}
	}
	for _, f := range r.Fencing {
		switch {
		case f.Status == "pending":
			add(Warning, "fencing (%s) of %s in progress, asked by %s: wait for it; if it hangs, check the fence device with stonith_admin --list-registered",
				f.Action, f.Target, orAny(f.Origin))
		case f.Status == "failed":
			add(Critical, "fencing (%s) of %s failed%s: Pacemaker cannot recover that node's resources until fencing succeeds; check the fence device (stonith_admin --history %s)",
				f.Action, f.Target, at(f.Completed), f.Target)
		case f.Completed != nil && r.Time.Sub(*f.Completed) < th.RecentFencing:
			add(Warning, "%s was fenced (%s by %s, asked by %s)%s: find out why (journalctl -u pacemaker on both nodes); stonith_admin --cleanup --history %s clears this",
				f.Target, f.Action, orAny(f.Delegate), orAny(f.Origin), at(f.Completed), f.Target)
		}
	}
	for _, l := range r.Links {
		for _, p := range l.Peers {
			if !p.Connected {
				add(Warning, "corosync link %d (%s) from %s to %s is down (%s): the cluster runs on the other link alone; check that network (cable, interface, firewall on UDP 5405)",
					l.ID, l.Addr, r.Node, orAny(p.Name), p.Status)
			}
		}
	}
	if d := r.DRBD; d != nil {
		evalDRBD(d, add)
	}
	if v := r.Verify; v != nil && v.OutOfSyncBlocks > 0 {
		add(Warning, "the last DRBD verify found %d out-of-sync 4k blocks (%s): check both nodes' disks and memory, then resynchronise "+
			"(drbdadm disconnect; drbdadm connect on the Secondary)", v.OutOfSyncBlocks, v.Message)
	}
	if db := r.Database; db != nil {
		age := time.Duration(db.MonitorAge * float64(time.Second)).Round(time.Second)
		switch {
		case age > th.MonitorCrit:
			add(Critical, "pacemaker_monitor was last written %s ago: the database does not take writes or its monitor does not run; check crm_mon -1 -f and the PostgreSQL log", age)
		case age > th.MonitorWarn:
			add(Warning, "pacemaker_monitor was last written %s ago (the monitor writes every 10 s): check the pgsql monitor (crm_mon -1 -f) and the PostgreSQL log", age)
		}
	}
	if b := r.Backup; b != nil {
		evalBackup(b, r, th, add)
	}
	if c := r.Clock; c != nil {
		for _, w := range c.Warnings {
			add(Warning, "clock of %s: %s", r.Node, w)
		}
	}
	return ps
}

// sourceHint is what to do when a source cannot be read.
var sourceHint = map[string]string{
	"pacemaker":  "is the cluster stack running here? (systemctl status pacemaker corosync); the other node may still run the database",
	"cib":        "is the cluster stack running here? (systemctl status pacemaker)",
	"fencing":    "is pacemaker-fenced running here? (systemctl status pacemaker)",
	"corosync":   "is corosync running here? (systemctl status corosync)",
	"drbd":       "is DRBD installed and the resource configured here? (drbdadm status)",
	"kernel-log": "status reads /dev/kmsg for split brain and verify results: run it as root",
	"database":   "run status as root on the node that runs the database (peer authentication), or check PostgreSQL",
	"backup":     "check the backup directory's permissions",
}

func evalCluster(c *Cluster, r *Report, add func(Level, string, ...any)) {
	if c.MaintenanceMode {
		add(Warning, "maintenance-mode is on: Pacemaker neither monitors nor recovers anything; when done: crm configure property maintenance-mode=false")
	}
	for _, n := range c.Nodes {
		switch {
		case n.Unclean:
			add(Critical, "node %s is unclean (lost and not yet fenced): nothing moves until it is fenced; check stonith_admin --history %s and the fence device", n.Name, n.Name)
		case !n.Online:
			add(Warning, "node %s is offline: the database has no node to fail over to; start the cluster there (crm cluster start) or find out why it is down", n.Name)
		case n.Standby:
			add(Warning, "node %s is in standby: it cannot take the database over; when done: crm node online %s", n.Name, n.Name)
		case n.Maintenance:
			add(Warning, "node %s is in maintenance: Pacemaker does not manage its resources; when done: crm node ready %s", n.Name, n.Name)
		}
		if c.PingConfigured && n.Online && !n.Unclean && (n.Ping == "" || n.Ping == "0") {
			add(Warning, "node %s reaches none of its ping hosts (pingd %s): it may not run the database; check its LAN and the router",
				n.Name, orValue(n.Ping, "not set"))
		}
	}
	switch len(c.DatabaseOn) {
	case 0:
		add(Critical, "the database runs nowhere: see why with crm_mon -1 -f (failures, bans, a node in standby); crm resource cleanup g_postgres once fixed")
	case 1:
	default:
		add(Critical, "the database is active on %s at once: stop and find out now (crm_mon -1)", strings.Join(c.DatabaseOn, " and "))
	}
	for _, f := range c.Failures {
		what := f.Operation
		if f.Reason != "" {
			what += ": " + f.Reason
		}
		if what != "" {
			what = " (" + what + ")"
		}
		expiry := "it is not forgotten on its own (no failure-timeout)"
		switch {
		case f.Expires != nil && f.Expires.After(r.Time):
			expiry = "forgotten at " + f.Expires.Format(time.DateTime) + " UTC (failure-timeout)"
		case f.Expires != nil:
			// Pacemaker acts on failure-timeout only when it next runs
			// the scheduler (cluster-recheck-interval, or any event).
			expiry = "failure-timeout passed at " + f.Expires.Format(time.DateTime) + " UTC, forgotten at Pacemaker's next recheck"
		}
		banned := ""
		if f.Threshold > 0 && f.FailCount >= f.Threshold {
			banned = fmt.Sprintf("; %s is banned from %s (migration-threshold %d)", f.Resource, f.Node, f.Threshold)
		}
		add(Warning, "%s failed %d time(s) on %s%s%s; %s; after fixing the cause: crm resource cleanup %s %s",
			f.Resource, f.FailCount, f.Node, what, banned, expiry, f.Resource, f.Node)
	}
}

func evalDRBD(d *DRBD, add func(Level, string, ...any)) {
	if !d.Up {
		add(Warning, "DRBD resource %s is down on this node: it cannot take the database over; Pacemaker starts it (crm_mon -1 -f)", d.Resource)
		return
	}
	if d.SplitBrain != "" {
		add(Critical, "DRBD split brain on %s (%s): pick the node whose data to discard and there: drbdadm secondary %s; drbdadm connect --discard-my-data %s; on the other: drbdadm connect %s",
			d.Resource, d.SplitBrain, d.Resource, d.Resource, d.Resource)
	} else if d.Connection != "Connected" {
		add(Warning, "DRBD resource %s is not connected to its peer (%s): the peer gets no writes and cannot take over with current data; check the replication link", d.Resource, d.Connection)
	}
	for _, v := range d.Volumes {
		switch {
		case strings.HasPrefix(v.Replication, "Sync") || strings.HasPrefix(v.Replication, "PausedSync"):
			add(Warning, "DRBD %s/%d is resynchronising (%s, %.1f%% done, %s): wait; the SyncTarget side cannot take over until it ends",
				d.Resource, v.Minor, v.Replication, v.SyncDone, oos(v.OutOfSyncKiB))
		case v.Disk != "UpToDate":
			add(Warning, "DRBD %s/%d: this node's disk is %s, not UpToDate: it cannot take the database over; see drbdadm status %s", d.Resource, v.Minor, v.Disk, d.Resource)
		case d.Connection == "Connected" && v.PeerDisk != "UpToDate":
			add(Warning, "DRBD %s/%d: the peer's disk is %s, not UpToDate: it cannot take the database over; see drbdadm status %s", d.Resource, v.Minor, v.PeerDisk, d.Resource)
		case v.OutOfSyncKiB > 0:
			add(Warning, "DRBD %s/%d has %s out of sync with no resync running: drbdadm disconnect %s; drbdadm connect %s (on the Secondary)",
				d.Resource, v.Minor, oos(v.OutOfSyncKiB), d.Resource, d.Resource)
		}
	}
}

func oos(kib int64) string {
	if kib < 0 {
		return "out-of-sync unknown"
	}
	return fmt.Sprintf("%d KiB out of sync", kib)
}

func orAny(s string) string { return orValue(s, "?") }

func orValue(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func at(t *time.Time) string {
	if t == nil {
		return ""
	}
	return " at " + t.Format(time.DateTime) + " UTC"
}
