package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Where the fencer finds what fence timing needs: the fence agents (their
// install directory) and the values cibsecret keeps out of the CIB.
const (
	FenceAgentDir = "/usr/sbin"
	CIBSecretsDir = "/var/lib/pacemaker/lrm/secrets"
)

// FenceTimingRuns is how many times each device is asked; the slowest
// counts, since the race is lost on a slow day.
const FenceTimingRuns = 3

// FenceTimer measures how long each node's fence device takes to reach the
// hypervisor, as `verify --fence-timing`.
//
// What is timed is the agent's status action, run as the fencer runs it
// (the device's parameters on stdin, the plug from pcmk_host_map): process
// start, connection, TLS or ssh handshake, login (a XenAPI slave's redirect
// to the pool master included) and one call on the node's domain or VM. An
// off is that same path with the kill as its call, and in a fence race the
// loser is dead once the kill reaches the hypervisor; the rest of an off
// (waiting for the hypervisor to report OFF) no longer matters to the race.
// Status is the one action that can be timed against the production nodes:
// timing a real off would mean powering one off. The delay must be at least
// twice the slowest, as margin for the kill call itself and for a slower day.
type FenceTimer struct {
	Run     runner.Runner
	Now     func() time.Time
	Agents  string        // directory of the fence agents
	Secrets string        // cibsecret's directory
	Timeout time.Duration // for each run of an agent
}

// deviceTiming is one fence device's slowest status round trip.
type deviceTiming struct {
	id, agent, plug string
	slowest         time.Duration
}

// Check times every fence device of b and returns the report; the error
// says when a device could not be timed or the delay is too short for it.
func (ft FenceTimer) Check(ctx context.Context, c *config.Config, b *cib.CIB) (string, error) {
	var report strings.Builder
	fmt.Fprintf(&report, "fence timing: the status action of each fence device, slowest of %d runs:\n", FenceTimingRuns)
	var timings []deviceTiming
	var errs []error
	for _, p := range b.Configuration.Resources.Primitives {
		if p.Class != "stonith" {
			continue
		}
		dt, err := ft.timeDevice(ctx, c, p)
		if err != nil {
			fmt.Fprintf(&report, "  %s (%s, plug %s): failed: %v\n", p.ID, dt.agent, dt.plug, err)
			errs = append(errs, fmt.Errorf("fence device %s could not be timed: %w", p.ID, err))
			continue
		}
		fmt.Fprintf(&report, "  %s (%s, plug %s): %.3f s\n", dt.id, dt.agent, dt.plug, dt.slowest.Seconds())
		timings = append(timings, dt)
	}
	delay := c.FenceDelay()
	for _, dt := range timings {
		if delay < 2*dt.slowest {
			need := (2*dt.slowest + time.Second - 1) / time.Second
			fmt.Fprintf(&report, "warning: priority-fencing-delay %s is less than twice %s's %.3f s: the node holding the database "+
				"may lose a fence race; set timer.priority_fencing_delay to %d or more\n", delay, dt.id, dt.slowest.Seconds(), need)
			errs = append(errs, fmt.Errorf("priority-fencing-delay %s is less than twice the time fence device %s takes", delay, dt.id))
		}
	}
	if len(errs) == 0 {
		fmt.Fprintf(&report, "priority-fencing-delay %s is at least twice every device's time\n", delay)
	}
	return report.String(), errors.Join(errs...)
}

// timeDevice runs the device's status FenceTimingRuns times.
func (ft FenceTimer) timeDevice(ctx context.Context, c *config.Config, p cib.Primitive) (deviceTiming, error) {
	dt := deviceTiming{id: p.ID, agent: p.Type}
	stdin := []string{"action=status"}
	if p.Instance != nil {
		for _, nv := range p.Instance.NVPairs {
			if nv.Name == "pcmk_host_map" {
				// One node per device: "node:target".
				_, dt.plug, _ = strings.Cut(nv.Value, ":")
				continue
			}
			if !strings.HasPrefix(nv.Name, "pcmk_") {
				stdin = append(stdin, nv.Name+"="+nv.Value)
			}
		}
	}
	stdin = append(stdin, "plug="+dt.plug)
	if c.Fencing == config.FencingXenAPI && c.FencePasswordSource == config.CIBSecret {
		pw, err := os.ReadFile(filepath.Join(ft.Secrets, p.ID, "password"))
		if err != nil {
			return dt, fmt.Errorf("its password is kept by cibsecret and is not on this node (run where `cibsecret set %s password` stored it): %w", p.ID, err)
		}
		stdin = append(stdin, "password="+strings.TrimRight(string(pw), "\n"))
	}
	input := strings.Join(stdin, "\n") + "\n"
	for range FenceTimingRuns {
		rctx, cancel := context.WithTimeout(ctx, ft.Timeout)
		start := ft.Now()
		_, err := ft.Run.Run(rctx, runner.Cmd{Path: filepath.Join(ft.Agents, p.Type), Stdin: strings.NewReader(input)})
		took := ft.Now().Sub(start)
		cancel()
		var exit *runner.ExitError
		switch {
		case errors.As(err, &exit) && exit.Code == 2: // the plug is OFF: status answered
		case err != nil:
			return dt, err // the agent's "Failed: ..." is in it
		}
		dt.slowest = max(dt.slowest, took)
	}
	return dt, nil
}
