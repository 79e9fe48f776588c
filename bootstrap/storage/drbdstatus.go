package storage

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// drbdStatus is one resource of `drbdsetup status RES --verbose
// --statistics` as this node sees it. drbd-utils 9 prints the same layout
// for a DRBD 8.4 kernel (through drbdsetup-84) as for DRBD 9, so one
// parser serves both; the cluster has two nodes, so at most one peer.
type drbdStatus struct {
	Up   bool   // the kernel knows the resource (drbdadm up ran)
	Role string // Primary or Secondary
	Disk string // UpToDate, Inconsistent, ...
	// Conn is Connected, or why not (Connecting, StandAlone, ...).
	Conn        string
	PeerRole    string
	PeerDisk    string
	Replication string // Established, SyncSource, SyncTarget, ...
	Done        float64
	// OutOfSync is what is left to synchronise, in KiB; -1 when DRBD did
	// not say.
	OutOfSync int64
}

func (s drbdStatus) connected() bool { return s.Conn == "Connected" }

func (s drbdStatus) syncing() bool {
	return strings.HasPrefix(s.Replication, "Sync") || strings.HasPrefix(s.Replication, "PausedSync")
}

// synced is the end of the initial sync: both disks hold the same data.
func (s drbdStatus) synced() bool {
	return s.connected() && s.Disk == "UpToDate" && s.PeerDisk == "UpToDate" && !s.syncing()
}

func (s drbdStatus) String() string {
	if !s.Up {
		return "down"
	}
	peer := s.Conn
	if s.connected() {
		peer = fmt.Sprintf("%s, peer %s %s", s.Replication, s.PeerRole, s.PeerDisk)
	}
	return fmt.Sprintf("%s %s, %s", s.Role, s.Disk, peer)
}

// parseStatus reads drbdsetup's status text: a line naming the resource,
// indented lines for its devices, a line per peer connection (starting with
// the peer's name, or "peer" from drbdsetup-84) and indented lines for the
// peer devices, each made of key:value words.
func parseStatus(text string) (drbdStatus, error) {
	s := drbdStatus{OutOfSync: -1}
	inPeer := false
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if !s.Up {
			s.Up = true
			fields = fields[1:] // the resource name
		} else if !strings.Contains(fields[0], ":") {
			inPeer = true
			fields = fields[1:] // the peer's name
		}
		for _, f := range fields {
			k, v, ok := strings.Cut(f, ":")
			if !ok {
				continue
			}
			switch {
			case k == "role" && !inPeer:
				s.Role = v
			case k == "role":
				s.PeerRole = v
			case k == "disk" && !inPeer:
				s.Disk = v
			case k == "connection" && inPeer:
				s.Conn = v
			case k == "peer-disk":
				s.PeerDisk = v
			case k == "replication":
				s.Replication = v
			case k == "done":
				d, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return s, fmt.Errorf("drbdsetup status: done:%s is not a percentage", v)
				}
				s.Done = d
			case k == "out-of-sync" && inPeer:
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return s, fmt.Errorf("drbdsetup status: out-of-sync:%s is not a number", v)
				}
				s.OutOfSync = n
			}
		}
	}
	if err := sc.Err(); err != nil {
		return s, fmt.Errorf("drbdsetup status: %w", err)
	}
	switch {
	case !s.Up:
	case !inPeer:
		s.Conn = "StandAlone" // no peer line: not even trying to connect
	case s.Conn == "" && s.PeerRole != "":
		s.Conn = "Connected" // drbdsetup-84 and non-verbose 9 leave it out
	}
	return s, nil
}
