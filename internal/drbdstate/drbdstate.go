// Package drbdstate reads DRBD's state as DRBD's tools print it: drbdsetup
// events2 and status, /proc/drbd, drbdadm role|cstate|dstate, and the
// kernel log's split-brain messages. It runs nothing: each caller runs the
// command its way (the agent under the operation's deadline, storage-init
// with its own runner, the tests in qemu guests) and hands the text here.
//
// DRBD 8.4 is covered by outputs captured from the real module
// (testdata/drbd84/SOURCES.md); DRBD 9 only by hand-written outputs
// (testdata/drbd9/SOURCES.md), since no DRBD 9 module runs on the machines
// that test this code.
package drbdstate

import "strings"

// Resource is one DRBD resource as this node sees it, whichever DRBD
// version and tool reported it. The cluster has two nodes, so a resource
// has at most one peer.
type Resource struct {
	Up       bool   // the kernel knows the resource (drbdadm up ran)
	Role     string // Primary or Secondary
	PeerRole string // Primary, Secondary or Unknown
	// Conn is the connection state: Connected, or why not (StandAlone,
	// Connecting, Disconnecting, ...).
	Conn    string
	Volumes []Volume // ordered by minor
}

// Volume is one DRBD device of the resource.
type Volume struct {
	Minor    int
	Disk     string // UpToDate, Inconsistent, Outdated, Consistent, Diskless, ...
	PeerDisk string // the same, as the peer reported it; DUnknown when not known
	// Replication is Established, or a resync state (SyncSource,
	// SyncTarget, ...), or Off when not connected.
	Replication string
	Done        float64 // how far a resync got, in percent
	// OutOfSync is what is left to synchronise, in KiB; -1 when DRBD did
	// not say (events2 without --statistics, status without --verbose).
	OutOfSync int64
}

// Disk states and the connection state the helpers test for.
const (
	UpToDate   = "UpToDate"
	Consistent = "Consistent"
	DUnknown   = "DUnknown"
	Connected  = "Connected"
	StandAlone = "StandAlone"
	Primary    = "Primary"
)

// Connected reports whether the peer link is up.
func (r Resource) Connected() bool { return r.Conn == Connected }

// AllDisks reports whether every volume satisfies ok; a resource without
// volumes satisfies nothing.
func (r Resource) AllDisks(ok func(Volume) bool) bool {
	if len(r.Volumes) == 0 {
		return false
	}
	for _, v := range r.Volumes {
		if !ok(v) {
			return false
		}
	}
	return true
}

// Minors are the device minors of the resource (drbd0 is minor 0), which
// the kernel log names.
func (r Resource) Minors() []int {
	var m []int
	for _, v := range r.Volumes {
		m = append(m, v.Minor)
	}
	return m
}

// Synced is the end of a resync: connected, both sides UpToDate, no
// volume syncing.
func (r Resource) Synced() bool {
	return r.Connected() && r.AllDisks(func(v Volume) bool {
		return v.Disk == UpToDate && v.PeerDisk == UpToDate && !v.Syncing()
	})
}

// Syncing reports a resync in progress, running or paused, in either
// direction.
func (v Volume) Syncing() bool {
	return strings.HasPrefix(v.Replication, "Sync") || strings.HasPrefix(v.Replication, "PausedSync")
}
