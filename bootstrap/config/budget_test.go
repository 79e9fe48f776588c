package config

import (
	"strings"
	"testing"
	"time"
)

func TestFailoverBudget(t *testing.T) {
	for _, tc := range []struct {
		name                           string
		set                            []string
		stop, start, service, nodeLoss time.Duration
		fenceDelay                     time.Duration
		line                           string
	}{
		{"drbd-libvirt", nil, 130 * time.Second, 250 * time.Second, 400 * time.Second, 326 * time.Second, 5 * time.Second,
			"start:  60 (promote) + 60 (fs) + 10 (ip) + 120 (pgsql) = 250 s"},
		// XenAPI's longer fence-race delay: a login at the pool master.
		{"drbd-xenapi", []string{"fencing=xenapi"}, 130 * time.Second, 250 * time.Second, 400 * time.Second, 331 * time.Second, 10 * time.Second,
			"node loss: 11 (corosync token + consensus) + 10 (priority-fencing-delay) + 60 (fencing timeout) + 250 (start) = 331 s"},
		// No DRBD: no demote, no promote.
		{"shared-libvirt", []string{"storage=shared", "shared.device=/dev/sdc"}, 100 * time.Second, 190 * time.Second, 310 * time.Second, 266 * time.Second, 5 * time.Second,
			"stop:   30 (pgsql) + 10 (ip) + 60 (fs) = 100 s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(nil, tc.name, tc.set)
			if err != nil {
				t.Fatal(err)
			}
			b := c.FailoverBudget()
			if b.Stop != tc.stop || b.Start != tc.start || b.Service != tc.service || b.NodeLoss != tc.nodeLoss {
				t.Errorf("stop %s start %s service %s node loss %s", b.Stop, b.Start, b.Service, b.NodeLoss)
			}
			// The fence race delay is part of the node-loss budget.
			if b.NodeLoss != b.Membership+b.FenceDelay+FencingTimeout+b.Start || b.FenceDelay != tc.fenceDelay {
				t.Errorf("node loss %s does not include the %s priority-fencing-delay (has %s)", b.NodeLoss, tc.fenceDelay, b.FenceDelay)
			}
			if !strings.Contains(b.String(), tc.line+"\n") {
				t.Errorf("budget lacks %q:\n%s", tc.line, b)
			}
		})
	}
}
