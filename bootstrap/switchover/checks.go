package switchover

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
)

// upToDateScore is the lowest promotion score ocf:qvd:drbd sets for an
// UpToDate disk with its default adjust_master_score ("0 10 1000 10000",
// which the bootstrap's CIB keeps): 1000 UpToDate with the peer unknown,
// 10000 UpToDate with the peer known. Below it the disk is Consistent or
// only the peer's is UpToDate.
const upToDateScore = 1000

// groupMembers are the database group's resources, in start order.
var groupMembers = []string{cib.IDFS, cib.IDIP, cib.IDPgSQL}

// facts are what the checks read, each from its own source.
type facts struct {
	status    *pcmk.Status
	locations []pcmk.LocationConstraint
	fencing   []pcmk.FenceEvent
	// drbd is this node's view of the DRBD resource; nil when it was not
	// read (shared storage, or DRBD is down here).
	drbd *drbdstate.Resource
}

// databaseOn lists the nodes the database (its pgsql resource) is active on.
func databaseOn(s *pcmk.Status) []string {
	var on []string
	for _, r := range s.Resources {
		if r.ID != cib.IDPgSQL || !r.Active {
			continue
		}
		for _, n := range r.Nodes {
			on = append(on, n.Name)
		}
	}
	slices.Sort(on)
	return on
}

// groupOn says whether every member of the database group is started on
// node and nowhere else.
func groupOn(s *pcmk.Status, node string) bool {
	for _, id := range groupMembers {
		if w := s.Where(id); len(w) != 1 || w[0] != "Started "+node {
			return false
		}
	}
	return true
}

// refusals are the reasons the database cannot be moved from source to
// target, one line each saying what to do; none when it can. here is the
// node the command runs on (whose DRBD view f.drbd is).
func refusals(c *config.Config, f facts, here, target string) []string {
	s := f.status
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	if s.MaintenanceMode {
		add("the cluster is in maintenance-mode: Pacemaker moves nothing; end it first (crm configure property maintenance-mode=false)")
	}
	var node *pcmk.Node
	for i := range s.Nodes {
		if s.Nodes[i].Name == target {
			node = &s.Nodes[i]
		}
	}
	switch {
	case node == nil:
		add("%s is not a member of the cluster: start its cluster stack (crm cluster start on %s)", target, target)
	case node.Unclean:
		add("%s is unclean: the cluster must fence it first; see qvd-ha status", target)
	case !node.Online:
		add("%s is offline: start its cluster stack (crm cluster start on %s) and wait until it is online", target, target)
	}
	if node != nil && node.Standby {
		add("%s is in standby: bring it back with crm node online %s", target, target)
	}
	if node != nil && node.Maintenance {
		add("%s is in maintenance: end it with crm node ready %s", target, target)
	}
	if pingConfigured(s) {
		switch v := s.Attribute(target, "pingd"); {
		case v == "":
			add("%s has no ping score yet (pingd unset): the database may not run there; wait until its ping resource has reached %s", target, strings.Join(c.PingHosts, ", "))
		case !positive(v):
			add("%s's ping score is %s: it cannot reach %s, so the database may not run there; repair its network first", target, v, strings.Join(c.PingHosts, ", "))
		}
	}
	if c.Storage == config.StorageDRBD {
		out = append(out, drbdRefusals(c, f, here, target)...)
	}
	for _, e := range f.fencing {
		if e.Status == "pending" {
			add("a fencing of %s (%s) is in progress: wait until it has completed (qvd-ha status)", e.Target, e.Action)
		}
	}
	for _, h := range s.History {
		if h.Node == target && h.FailCount > 0 && (slices.Contains(groupMembers, h.Resource) || h.Resource == cib.IDDRBD) {
			add("%s failed on %s (fail count %d): find out why (qvd-ha status), then crm resource cleanup %s", h.Resource, target, h.FailCount, h.Resource)
		}
	}
	for _, l := range f.locations {
		switch {
		case strings.HasPrefix(l.ID, "cli-ban-") && l.Node == target:
			add("constraint %s bans %s from %s: remove it with crm resource clear %s", l.ID, l.Rsc, target, l.Rsc)
		case strings.HasPrefix(l.ID, "drbd-fence-by-handler-"):
			add("constraint %s (DRBD's fence handler) keeps %s Promoted where it is until the resync completes: wait for it (qvd-ha status)", l.ID, l.Rsc)
		}
	}
	return out
}

// drbdRefusals check that the target's DRBD disk is UpToDate: by its
// promotion score, which the agent on the target derives from its disk
// states, and by this node's own view of the disks.
func drbdRefusals(c *config.Config, f facts, here, target string) []string {
	var out []string
	attr := "master-" + cib.IDDRBD
	switch v := f.status.Attribute(target, attr); {
	case v == "":
		out = append(out, fmt.Sprintf("DRBD on %s has no promotion score (%s unset): its disk is not UpToDate or the resource is not started there; wait for it (qvd-ha status)", target, attr))
	case score(v) < upToDateScore:
		out = append(out, fmt.Sprintf("DRBD on %s is not UpToDate (promotion score %s, UpToDate is %d or more): wait for the resync to finish (qvd-ha status)", target, v, upToDateScore))
	}
	if f.drbd == nil || !f.drbd.Up {
		return out
	}
	for _, v := range f.drbd.Volumes {
		disk, whose := v.Disk, "its disk"
		if here != target {
			disk, whose = v.PeerDisk, "its disk as "+here+" sees it"
		}
		if disk != drbdstate.UpToDate {
			out = append(out, fmt.Sprintf("DRBD %s minor %d on %s: %s is %s, not UpToDate: wait for the resync to finish (qvd-ha status)", c.DRBDResource, v.Minor, target, whose, disk))
		}
	}
	return out
}

func pingConfigured(s *pcmk.Status) bool {
	return slices.ContainsFunc(s.Resources, func(r pcmk.Resource) bool { return r.ID == cib.IDPing })
}

// positive reads a node attribute as Pacemaker's number comparison does:
// anything that is not a number above 0 fails the ping rule.
func positive(v string) bool {
	n, err := strconv.ParseFloat(v, 64)
	return err == nil && n > 0
}

// score reads a promotion score; INFINITY counts as the highest, anything
// unreadable as none.
func score(v string) int {
	switch v {
	case "INFINITY", "+INFINITY":
		return 1000000
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0
	}
	return n
}
