package status

import (
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/maintenance"
	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
)

// Schema names the version of the JSON form; a change that renames or
// removes a field, or changes its meaning, gets a new number.
const Schema = "qvd-ha-status/1"

// Report is everything status read, from the node it ran on. A section is
// nil (absent in JSON) when its source could not be read; Errors says why.
type Report struct {
	Schema string    `json:"schema"`
	Node   string    `json:"node"`
	Time   time.Time `json:"time"`

	Cluster     *Cluster     `json:"cluster,omitempty"`
	Constraints []Constraint `json:"constraints"`
	// FailureTimeout is rsc_defaults' failure-timeout in seconds, 0
	// when unset (failures are then never forgotten) or unread.
	FailureTimeout float64         `json:"failure_timeout_s"`
	Fencing        []FenceEvent    `json:"fencing"`
	Links          []Link          `json:"links"`
	DRBD           *DRBD           `json:"drbd,omitempty"`
	Database       *DatabaseWrites `json:"database,omitempty"`
	Backup         *Backup         `json:"backup,omitempty"`
	Verify         *Verify         `json:"drbd_verify,omitempty"`
	Clock          *Clock          `json:"clock,omitempty"`

	Errors []SourceError `json:"errors"`
	// Sources is how long each source took: where status's time goes
	// (they run in parallel; the slowest one is the wall time).
	Sources []SourceTime `json:"sources"`

	// failureTimeouts are the resources' own failure-timeouts, which win
	// over FailureTimeout for their failures' expiry.
	failureTimeouts map[string]time.Duration
}

// Cluster is Pacemaker's view (crm_mon).
type Cluster struct {
	MaintenanceMode bool   `json:"maintenance_mode"`
	Nodes           []Node `json:"nodes"`
	// DatabaseOn are the nodes where the database (the pgsql resource)
	// is active: one when all is well, none when it is stopped.
	DatabaseOn []string `json:"database_on"`
	// Since is when the database last started there; absent when it runs
	// nowhere or the start is no longer in the node's history.
	Since *time.Time `json:"since,omitempty"`
	// PingConfigured says the cluster has the ping clone, so each node's
	// Ping matters.
	PingConfigured bool      `json:"ping_configured"`
	Failures       []Failure `json:"failures"`
}

// Node is one cluster node's membership.
type Node struct {
	Name        string `json:"name"`
	Online      bool   `json:"online"`
	Standby     bool   `json:"standby"`
	Unclean     bool   `json:"unclean"`
	Maintenance bool   `json:"maintenance"`
	// Ping is the pingd attribute as written to the CIB, "" when not
	// defined (the ping resource is not running there or has not yet
	// reported).
	Ping string `json:"ping"`
}

// Failure is a resource's fail count on a node.
type Failure struct {
	Resource  string `json:"resource"`
	Node      string `json:"node"`
	FailCount int    `json:"fail_count"`
	// Threshold is migration-threshold: at this count the node is banned
	// for the resource; 0 when none applies.
	Threshold   int        `json:"migration_threshold"`
	LastFailure *time.Time `json:"last_failure,omitempty"`
	// Expires is when failure-timeout forgets the failures (Pacemaker
	// acts at its next recheck); absent without failure-timeout.
	Expires *time.Time `json:"expires,omitempty"`
	// Operation and Reason are the failed operation and the agent's exit
	// reason, when crm_mon still lists the failure.
	Operation string `json:"operation,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// Constraint kinds: what left a location constraint behind.
const (
	KindMove      = "move"       // crm_resource --move: cli-prefer-<resource>
	KindBan       = "ban"        // crm_resource --ban: cli-ban-<resource>-on-<node>
	KindDRBDFence = "drbd-fence" // crm-fence-peer.sh: drbd-fence-by-handler-<drbd resource>-<clone>
)

// Constraint is a location constraint that a command or a handler left
// behind, not part of the shipped configuration.
type Constraint struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Resource string `json:"resource"`
	Node     string `json:"node,omitempty"`
	Score    string `json:"score,omitempty"`
}

// FenceEvent is one fencing the fencer remembers (the last per target
// and action).
type FenceEvent struct {
	Target    string     `json:"target"`
	Action    string     `json:"action"`
	Status    string     `json:"status"` // success, failed, pending
	Delegate  string     `json:"delegate,omitempty"`
	Origin    string     `json:"origin,omitempty"`
	Completed *time.Time `json:"completed,omitempty"`
}

// Link is one corosync link as this node sees it (corosync-cfgtool -s).
type Link struct {
	ID    int        `json:"id"`
	Addr  string     `json:"addr"`
	Peers []LinkPeer `json:"peers"`
}

// LinkPeer is one other node's state on a link.
type LinkPeer struct {
	NodeID int    `json:"nodeid"`
	Name   string `json:"name,omitempty"`
	// Status is corosync-cfgtool's word for it: connected, disconnected,
	// or its enabled/connected flags.
	Status    string `json:"status"`
	Connected bool   `json:"connected"`
}

// DRBD is the replicated device's state on this node.
type DRBD struct {
	Resource string `json:"resource"`
	Up       bool   `json:"up"`
	Role     string `json:"role"`
	PeerRole string `json:"peer_role"`
	// Connection is Connected, or why not (StandAlone, WFConnection or
	// Connecting, ...).
	Connection string   `json:"connection"`
	Volumes    []Volume `json:"volumes"`
	// SplitBrain is the kernel's split-brain message when the last
	// connection attempt found one.
	SplitBrain string `json:"split_brain,omitempty"`
}

// Volume is one DRBD device.
type Volume struct {
	Minor       int     `json:"minor"`
	Disk        string  `json:"disk"`
	PeerDisk    string  `json:"peer_disk"`
	Replication string  `json:"replication"`
	SyncDone    float64 `json:"sync_done_percent"`
	// OutOfSyncKiB is what is left to synchronise; -1 when DRBD did not
	// say.
	OutOfSyncKiB int64 `json:"out_of_sync_kib"`
}

// DatabaseWrites is the runbook's watch loop: how long ago the pgsql monitor
// last wrote pacemaker_monitor.last_update. Only read on the node that
// runs the database (the local socket).
type DatabaseWrites struct {
	MonitorAge float64 `json:"monitor_age_s"`
}

// Backup is the newest database dump in this node's backup directory,
// made here or copied from the other node.
type Backup struct {
	Dir string `json:"dir"`
	// Newest is the file name, "" when there is none; At its
	// modification time.
	Newest string     `json:"newest,omitempty"`
	At     *time.Time `json:"at,omitempty"`
	// PeerCopy is what this node's backup job recorded of its last copy
	// to the other node (maintenance.PeerCopyFile); nil if it never made
	// one.
	PeerCopy *maintenance.PeerCopy `json:"peer_copy,omitempty"`
}

// Verify is the last DRBD online verification the kernel log still holds
// (it is lost at reboot).
type Verify struct {
	// Found says the kernel log holds a finished verification.
	Found bool `json:"found"`
	// OutOfSyncBlocks is what it found out of sync (4 KiB blocks).
	OutOfSyncBlocks int64  `json:"out_of_sync_blocks"`
	Message         string `json:"message,omitempty"`
}

// Clock is chrony's view of this node's clock.
type Clock struct {
	Synchronised bool     `json:"synchronised"`
	Warnings     []string `json:"warnings"`
}

// SourceError is a source status could not read.
type SourceError struct {
	Source string `json:"source"` // pacemaker, cib, fencing, corosync, drbd, kernel-log, database, backup, clock
	Error  string `json:"error"`
	// NeedsRoot says the source refused status for lack of privileges,
	// status not running as root.
	NeedsRoot bool `json:"needs_root,omitempty"`
}

// SourceTime is how long reading one source took, failed or not.
type SourceTime struct {
	Source string  `json:"source"`
	Millis float64 `json:"ms"`
}

// drbdReport turns drbdstate's Resource into the report's form.
func drbdReport(name string, r drbdstate.Resource) *DRBD {
	d := &DRBD{Resource: name, Up: r.Up, Role: r.Role, PeerRole: r.PeerRole, Connection: r.Conn}
	for _, v := range r.Volumes {
		d.Volumes = append(d.Volumes, Volume{Minor: v.Minor, Disk: v.Disk, PeerDisk: v.PeerDisk,
			Replication: v.Replication, SyncDone: v.Done, OutOfSyncKiB: v.OutOfSync})
	}
	return d
}
