package fencetest

import (
	"testing"

	"github.com/qvd-ha/qvd-ha/fence/fencing"
	"github.com/qvd-ha/qvd-ha/internal/trial"
)

// Decodes runs a fence agent's load function (its one reader of Options,
// used by its Validate and Connect) on the defaults of every option, with
// set ("name=value") on top, and fails the test when load reads a name that
// is not declared, leaves one of the agent's options unread (unless Ignored
// or read by the runtime), or refuses the values. Names are caught only on
// the paths load takes, which is why load reads every option before it
// checks anything. It returns the settings for further checks.
func Decodes[C any](t testing.TB, a fencing.Agent, load func(*fencing.Options) (C, error), set ...string) C {
	t.Helper()
	newTrial := func(values map[string]string) (*fencing.Options, trial.Trial) { return fencing.NewTrial(&a, values) }
	return trial.Check(t, a.Name, "options", set, newTrial, load)
}
