// Package timesync checks that the node's clock is synchronised (runbook
// section 4, NTP; chrony on SLES 15). Two nodes whose clocks disagree make
// failure-timeout, logs and cluster reports lie; the check warns, it does not
// change the system.
package timesync

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Chronyc is chrony's client.
const Chronyc = "/usr/bin/chronyc"

// MaxOffset is the largest offset from NTP time accepted without a warning,
// in seconds.
const MaxOffset = 0.5

// Check asks chronyd how the clock is doing and returns one warning per
// problem; none means synchronised.
func Check(ctx context.Context, r runner.Runner) []string {
	res, err := r.Run(ctx, runner.Cmd{Path: Chronyc, Args: []string{"-n", "tracking"}})
	if err != nil {
		return []string{fmt.Sprintf("cannot ask chronyd (%v): install and start chrony on both nodes "+
			"(SLES 15: zypper install chrony; systemctl enable --now chronyd) with a server in /etc/chrony.d/", err)}
	}
	fields := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(res.Stdout))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok {
			fields[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	var warnings []string
	if leap := fields["Leap status"]; leap != "Normal" {
		warnings = append(warnings, fmt.Sprintf("the clock is not synchronised (chronyc tracking: Leap status %q): check the NTP servers in /etc/chrony.conf and chronyc sources", leap))
	}
	// "System time     : 0.000006523 seconds slow of NTP time"
	if f := strings.Fields(fields["System time"]); len(f) > 0 {
		if off, err := strconv.ParseFloat(f[0], 64); err == nil && off > MaxOffset {
			warnings = append(warnings, fmt.Sprintf("the clock is %s s off NTP time (more than %.1f s): chronyd is still correcting it", f[0], MaxOffset))
		}
	} else if len(warnings) == 0 {
		warnings = append(warnings, "chronyc tracking printed no System time line: cannot tell the clock's offset")
	}
	return warnings
}
