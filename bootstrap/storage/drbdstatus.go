package storage

import (
	"fmt"

	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
)

// drbdStatus is the runbook's DRBD resource as `drbdsetup status RES
// --verbose --statistics` shows it: the resource, and its one volume.
type drbdStatus struct {
	drbdstate.Resource
	drbdstate.Volume
}

func parseStatus(text string) (drbdStatus, error) {
	r, err := drbdstate.ParseStatus(text)
	if err != nil {
		return drbdStatus{}, err
	}
	st := drbdStatus{Resource: r, Volume: drbdstate.Volume{OutOfSync: -1}}
	if len(r.Volumes) > 0 {
		st.Volume = r.Volumes[0]
	}
	return st, nil
}

func (s drbdStatus) connected() bool { return s.Connected() }

func (s drbdStatus) syncing() bool { return s.Syncing() }

// synced is the end of the initial sync: both disks hold the same data.
func (s drbdStatus) synced() bool { return s.Synced() }

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
