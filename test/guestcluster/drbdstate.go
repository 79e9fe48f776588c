package guestcluster

import (
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
)

// drbdClone is the promotable clone's primitive in the bootstrap's CIB.
const drbdClone = "p_drbd_postgres"

// SetProperty sets a cluster property (maintenance-mode,
// stop-all-resources) from n.
func (c *Cluster) SetProperty(ctx context.Context, n *Node, name, value string) error {
	_, err := n.Output(ctx, fmt.Sprintf("crm_attribute --type crm_config --name %s --update %s", name, value))
	return err
}

// PromotionScore is the promotion score of the DRBD clone on node on, as
// the CIB holds it (crm_attribute -p): "" when the node has none.
func (c *Cluster) PromotionScore(ctx context.Context, n, on *Node) (string, error) {
	r, err := n.Run(ctx, "OCF_RESOURCE_INSTANCE="+drbdClone+" crm_attribute -p -N "+on.Name+" -G -q")
	if err != nil {
		return "", err
	}
	if r.ExitCode != 0 {
		if strings.Contains(r.Stderr, "No such device or address") {
			return "", nil
		}
		return "", fmt.Errorf("crm_attribute -p on %s: exit %d: %s", n.Name, r.ExitCode, strings.TrimSpace(r.Stderr))
	}
	return strings.TrimSpace(r.Stdout), nil
}

// documentedScore is the promotion score ocf:qvd:drbd's meta-data
// documents (adjust_master_score's default "0 10 1000 10000") for the
// state in a /proc/drbd line of DRBD 8.4; "" is no score. It is the
// test's own reading of the table, not the agent's code.
func documentedScore(line string) string {
	devs := drbdstate.ProcDevices(line)
	if len(devs) == 0 {
		return "" // unconfigured
	}
	d := devs[0]
	switch {
	case d.Disk == "UpToDate" && (d.Role == "Primary" || d.PeerDisk != "DUnknown"):
		return "10000"
	case d.Disk == "UpToDate":
		return "1000"
	case d.CState != "StandAlone" && d.CState != "WFConnection" && d.PeerDisk == "UpToDate":
		return "10"
	}
	return "" // Consistent scores 0, which removes the score; anything else has none
}

// CheckScores waits until each node's promotion score, as n's CIB holds
// it, is the documented one for the node's DRBD state, and returns them,
// one line per node; the agent updates scores at its monitor (every 10 s
// Promoted, 20 s Unpromoted), so a state change takes up to one interval
// to show.
func (c *Cluster) CheckScores(ctx context.Context, n *Node) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var table string
	err := poll(ctx, 2*time.Second, func() string {
		var rows []string
		ok := true
		for _, on := range c.Nodes {
			line, err := c.DRBD(ctx, on)
			if err != nil {
				return err.Error()
			}
			got, err := c.PromotionScore(ctx, n, on)
			if err != nil {
				return err.Error()
			}
			want := documentedScore(line)
			ok = ok && got == want
			rows = append(rows, fmt.Sprintf("%s: score %q (documented %q) for %s", on.Name, got, want, line))
		}
		if table = strings.Join(rows, "\n"); !ok {
			return "promotion scores not the documented ones:\n" + table
		}
		return ""
	})
	return table, err
}

// OpResult is the last result of one operation of a resource on a node,
// as the CIB's status section records it.
type OpResult struct {
	Node, Resource, ID string
	Operation          string
	RC                 int
	ExitReason         string
}

// OpResults are the recorded operation results of rsc (every node).
func (c *Cluster) OpResults(ctx context.Context, n *Node, rsc string) ([]OpResult, error) {
	out, err := n.Output(ctx, "cibadmin --query --scope status")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Nodes []struct {
			Uname     string `xml:"uname,attr"`
			Resources []struct {
				ID  string `xml:"id,attr"`
				Ops []struct {
					ID         string `xml:"id,attr"`
					Operation  string `xml:"operation,attr"`
					RC         string `xml:"rc-code,attr"`
					ExitReason string `xml:"exit-reason,attr"`
				} `xml:"lrm_rsc_op"`
			} `xml:"lrm>lrm_resources>lrm_resource"`
		} `xml:"node_state"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		return nil, fmt.Errorf("status section on %s: %w", n.Name, err)
	}
	var res []OpResult
	for _, ns := range doc.Nodes {
		for _, r := range ns.Resources {
			if r.ID != rsc {
				continue
			}
			for _, op := range r.Ops {
				rc, err := strconv.Atoi(op.RC)
				if err != nil {
					return nil, fmt.Errorf("status section on %s: %s has rc-code %q", n.Name, op.ID, op.RC)
				}
				res = append(res, OpResult{Node: ns.Uname, Resource: r.ID, ID: op.ID, Operation: op.Operation, RC: rc, ExitReason: op.ExitReason})
			}
		}
	}
	return res, nil
}
