package ocf

import (
	"errors"
	"fmt"
)

// RC is an OCF exit code.
type RC int

// The OCF exit codes; see the package documentation for when to use which.
const (
	Success          RC = 0
	ErrGeneric       RC = 1
	ErrArgs          RC = 2
	ErrUnimplemented RC = 3
	ErrPerm          RC = 4
	ErrInstalled     RC = 5
	ErrConfigured    RC = 6
	NotRunning       RC = 7
	RunningPromoted  RC = 8
	FailedPromoted   RC = 9
	// Degraded and DegradedPromoted (Pacemaker >= 2.1) count as running,
	// and as running Promoted, but crm_mon shows the exit reason: for a
	// resource that serves but needs an administrator.
	Degraded         RC = 190
	DegradedPromoted RC = 191
)

var rcNames = map[RC]string{
	Success:          "OCF_SUCCESS",
	ErrGeneric:       "OCF_ERR_GENERIC",
	ErrArgs:          "OCF_ERR_ARGS",
	ErrUnimplemented: "OCF_ERR_UNIMPLEMENTED",
	ErrPerm:          "OCF_ERR_PERM",
	ErrInstalled:     "OCF_ERR_INSTALLED",
	ErrConfigured:    "OCF_ERR_CONFIGURED",
	NotRunning:       "OCF_NOT_RUNNING",
	RunningPromoted:  "OCF_RUNNING_PROMOTED",
	FailedPromoted:   "OCF_FAILED_PROMOTED",
	Degraded:         "OCF_DEGRADED",
	DegradedPromoted: "OCF_DEGRADED_PROMOTED",
}

func (rc RC) String() string {
	if n, ok := rcNames[rc]; ok {
		return n
	}
	return fmt.Sprintf("rc %d", int(rc))
}

// Error is an action's result other than plain success: an exit code and the
// reason shown to the administrator. Action functions return it (usually
// through Fail) and the runtime turns it into the exit code and the
// ocf-exit-reason line. Any other non-nil error becomes ErrGeneric with the
// error's text as the reason.
type Error struct {
	RC     RC
	Reason string
}

func (e *Error) Error() string {
	if e.Reason == "" {
		return e.RC.String()
	}
	return e.Reason
}

// Fail returns an *Error with a formatted reason.
func Fail(rc RC, format string, args ...any) error {
	return &Error{RC: rc, Reason: fmt.Sprintf(format, args...)}
}

// Result returns an *Error that carries only an exit code, for results that
// need no reason: a monitor finding the resource cleanly stopped (NotRunning)
// or running as Promoted (RunningPromoted).
func Result(rc RC) error {
	return &Error{RC: rc}
}

// rcOf maps an action's error to its exit code and reason.
func rcOf(err error) (RC, string) {
	if err == nil {
		return Success, ""
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Reason == "" {
			return e.RC, ""
		}
		// Keep the context an agent wrapped around the typed error.
		return e.RC, err.Error()
	}
	return ErrGeneric, err.Error()
}
