package ocf

import (
	"strconv"
	"time"
)

// defaultTimeout applies when neither Pacemaker nor the agent's meta-data
// give one (an action run by hand).
const defaultTimeout = 20 * time.Second

// opTimeout is Pacemaker's timeout for this operation: CRM_meta_timeout in
// milliseconds, else the advertised default.
func opTimeout(meta map[string]string, declared time.Duration) time.Duration {
	if ms, err := strconv.Atoi(meta["timeout"]); err == nil && ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	if declared > 0 {
		return declared
	}
	return defaultTimeout
}

// budget is how long an action may run: the timeout less a margin for
// process start-up, logging and exit. The margin is a tenth of the timeout,
// at least half a second (so a short timeout still leaves the agent time to
// say why it failed) and at most five seconds (so a long timeout is not
// wasted), and never more than half the timeout.
func budget(timeout time.Duration) time.Duration {
	margin := min(max(timeout/10, 500*time.Millisecond), 5*time.Second, timeout/2)
	return timeout - margin
}
