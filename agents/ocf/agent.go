package ocf

import (
	"context"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Agent is everything an agent's main hands to the runtime.
type Agent struct {
	Name    string // the type, as in ocf:qvd:<Name>
	Version string
	Short   string
	Long    string
	Params  []Param
	Actions []Action
	// OCFVersion is the OCF API version the meta-data advertises; "" means
	// 1.1. Pacemaker (2.1) calls an action named "reload" only for agents
	// that advertise 1.0, treating their non-unique parameters as
	// reloadable; for 1.1 it wants "reload-agent" and reloadable="1",
	// which the installed meta-data validators reject.
	OCFVersion string
	// ManSections are extra sections of the man page, after PARAMETERS
	// (for example "Differences from ocf:heartbeat:pgsql").
	ManSections []ManSection
}

// ManSection is a titled man page section; blank lines separate paragraphs.
type ManSection struct {
	Title string
	Body  string
}

// Action is one advertised action: its function and its meta-data entry.
// The runtime adds meta-data and validate-all itself (validate-all when the
// agent does not provide one: parsing parameters is then the validation).
type Action struct {
	Name string
	Func ActionFunc
	// Timeout is the advertised default, also the deadline when Pacemaker
	// passes none (a run by hand).
	Timeout time.Duration
	// Interval, Depth and Role describe advertised recurring monitors.
	Interval time.Duration
	Depth    int
	Role     string // "Promoted" or "Unpromoted"
}

// ActionFunc carries out one action. It returns nil for success, an *Error
// (see Fail and Result) for any other exit code, or any other error for
// ErrGeneric with the error's text as the reason.
type ActionFunc func(ctx context.Context, req *Request) error

// Request is what Pacemaker asked for, parsed.
type Request struct {
	Action   string
	Instance string // OCF_RESOURCE_INSTANCE; for clones "name:N"
	Params   Params
	// Interval is the monitor interval; 0 on a monitor means a probe.
	Interval time.Duration
	// Timeout is Pacemaker's timeout for this operation; the context's
	// deadline is earlier by a safety margin.
	Timeout    time.Duration
	CheckLevel int
	// Meta holds every OCF_RESKEY_CRM_meta_* value by its short name
	// (clone_max, notify, promoted_max, ...).
	Meta   map[string]string
	Notify *Notify // set for the notify action only
	Log    *Logger
	// Run runs external commands; every call is logged at debug level and
	// in the action's trace.
	Run runner.Runner
}

// IsProbe reports whether this is a one-off monitor (a probe): Pacemaker
// asking whether the resource runs here, not checking a resource it started.
func (r *Request) IsProbe() bool {
	return r.Action == "monitor" && r.Interval == 0
}
