package ocf

import (
	"context"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/runner"
)

// traced logs every external command at debug level, so that
// `crm_resource -VV` (which sets OCF_TRACE_RA) shows what the agent ran.
// Commands carry no secrets in their arguments (see runner.Cmd).
func traced(r runner.Runner, log *Logger) runner.Runner {
	return runner.Func(func(ctx context.Context, cmd runner.Cmd) (runner.Result, error) {
		start := time.Now()
		log.Debugf("running %s", cmd)
		res, err := r.Run(ctx, cmd)
		if err != nil {
			log.Debugf("%s failed after %s: %v", cmd.Path, time.Since(start).Round(time.Millisecond), err)
		} else {
			log.Debugf("%s finished in %s", cmd.Path, time.Since(start).Round(time.Millisecond))
		}
		return res, err
	})
}
