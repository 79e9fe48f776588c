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
