package main

import (
	"bufio"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// State is one DRBD resource as this node sees it, whichever DRBD version
// reported it. The cluster has two nodes, so a resource has at most one peer.
type State struct {
	Configured bool   // the kernel knows the resource (drbdadm up ran)
	Role       string // Primary or Secondary
	PeerRole   string // Primary, Secondary or Unknown
	// Conn is the connection state: Connected, or why not (StandAlone,
	// Connecting, WFConnection, Disconnecting, ...).
	Conn    string
	Volumes []Volume
}

// Volume is one DRBD device of the resource.
type Volume struct {
	Minor    int
	Disk     string // UpToDate, Inconsistent, Outdated, Consistent, Diskless, ...
	PeerDisk string // the same, as the peer reported it; DUnknown when not known
	// Replication is Established, or a resync state (SyncSource,
	// SyncTarget, ...), or Off when not connected.
	Replication string
}

// Connected reports whether the peer link is up.
func (s State) Connected() bool { return s.Conn == "Connected" }

// allDisks reports whether every volume's local disk state satisfies ok.
func (s State) allDisks(ok func(Volume) bool) bool {
	if len(s.Volumes) == 0 {
		return false
	}
	for _, v := range s.Volumes {
		if !ok(v) {
			return false
		}
	}
	return true
}

// parseEvents2 reads `drbdsetup events2 --now <resource>`: lines of
// "exists <object> key:value ...", ending with "exists -". drbd-utils 9
// prints the same format for a DRBD 8.4 kernel (captured in
// testdata/drbd84) as for DRBD 9, so one parser serves both.
func parseEvents2(text string) (State, error) {
	var s State
	byVolume := map[string]*Volume{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || fields[0] != "exists" || fields[1] == "-" {
			continue
		}
		kv := map[string]string{}
		for _, f := range fields[2:] {
			if k, v, ok := strings.Cut(f, ":"); ok {
				kv[k] = v
			}
		}
		switch fields[1] {
		case "resource":
			s.Configured, s.Role = true, kv["role"]
		case "connection":
			s.Conn, s.PeerRole = kv["connection"], kv["role"]
		case "device":
			v := volume(byVolume, kv["volume"])
			v.Minor, _ = strconv.Atoi(kv["minor"])
			v.Disk = kv["disk"]
		case "peer-device":
			v := volume(byVolume, kv["volume"])
			v.PeerDisk, v.Replication = kv["peer-disk"], kv["replication"]
		}
	}
	if !s.Configured {
		return State{}, fmt.Errorf("drbdsetup events2 printed no resource")
	}
	if s.Conn == "" {
		// A resource with no connection configured yet.
		s.Conn, s.PeerRole = "StandAlone", "Unknown"
	}
	for _, v := range byVolume {
		if v.PeerDisk == "" {
			v.PeerDisk, v.Replication = "DUnknown", "Off"
		}
		s.Volumes = append(s.Volumes, *v)
	}
	slices.SortFunc(s.Volumes, func(a, b Volume) int { return a.Minor - b.Minor })
	return s, nil
}

func volume(m map[string]*Volume, key string) *Volume {
	if m[key] == nil {
		m[key] = &Volume{}
	}
	return m[key]
}

// Scores are the four promotion-score adjustments of adjust_master_score,
// in ocf:linbit:drbd's order.
type Scores struct {
	Consistent   int // only access to Consistent data
	PeerUpToDate int // only the peer has UpToDate data
	PeerUnknown  int // Secondary, UpToDate here, the peer's disk unknown
	Best         int // UpToDate here, and Primary or the peer's disk known
}

func parseScores(v string) (Scores, error) {
	f := strings.Fields(v)
	if len(f) != 4 {
		return Scores{}, fmt.Errorf("needs four numbers, got %d", len(f))
	}
	var n [4]int
	for i, s := range f {
		x, err := strconv.Atoi(s)
		if err != nil {
			return Scores{}, fmt.Errorf("%q is not a number", s)
		}
		if i > 0 && x < n[i-1] {
			return Scores{}, fmt.Errorf("numbers must not decrease")
		}
		n[i] = x
	}
	return Scores{n[0], n[1], n[2], n[3]}, nil
}

// promotionScore is how much this node deserves to be Promoted, from its
// disk states; 0 means no score at all (never promote here).
func promotionScore(s State, sc Scores) int {
	if !s.Configured {
		return 0
	}
	upToDate := func(v Volume) bool { return v.Disk == "UpToDate" }
	switch {
	case s.allDisks(upToDate) && (s.Role == "Primary" || s.allDisks(func(v Volume) bool { return v.PeerDisk != "DUnknown" })):
		return sc.Best
	case s.allDisks(upToDate):
		return sc.PeerUnknown
	case s.Connected() && s.allDisks(func(v Volume) bool { return v.PeerDisk == "UpToDate" }):
		return sc.PeerUpToDate
	case s.allDisks(func(v Volume) bool { return v.Disk == "UpToDate" || v.Disk == "Consistent" }):
		return sc.Consistent
	}
	return 0
}
