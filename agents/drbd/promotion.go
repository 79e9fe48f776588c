package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
)

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
func promotionScore(s drbdstate.Resource, sc Scores) int {
	if !s.Up {
		return 0
	}
	upToDate := func(v drbdstate.Volume) bool { return v.Disk == drbdstate.UpToDate }
	switch {
	case s.AllDisks(upToDate) && (s.Role == drbdstate.Primary || s.AllDisks(func(v drbdstate.Volume) bool { return v.PeerDisk != drbdstate.DUnknown })):
		return sc.Best
	case s.AllDisks(upToDate):
		return sc.PeerUnknown
	case s.Connected() && s.AllDisks(func(v drbdstate.Volume) bool { return v.PeerDisk == drbdstate.UpToDate }):
		return sc.PeerUpToDate
	case s.AllDisks(func(v drbdstate.Volume) bool { return v.Disk == drbdstate.UpToDate || v.Disk == drbdstate.Consistent }):
		return sc.Consistent
	}
	return 0
}
