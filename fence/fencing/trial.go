package fencing

import (
	"slices"

	"github.com/qvd-ha/qvd-ha/internal/trial"
)

// Trial records what an agent's load function reads from Options, so that a
// test fails on an option name that is not declared instead of an action
// failing on a node. fencetest.Decodes is its user.
type Trial struct {
	trial.Record
	agent *Agent
}

// runtimeReads are the agent options the runtime reads itself: the plugs
// it acts on and the sources of the password it resolves.
var runtimeReads = []string{Plug.Name, Password.Name, PasswordScript.Name, PasswordFile.Name}

// NewTrial returns Options holding every default of a's options, the
// runtime's included, overridden by values, and the Trial that watches
// them. A "password" value is also the resolved password. Unlike a run it
// checks no value: the trial is about names.
func NewTrial(a *Agent, values map[string]string) (*Options, *Trial) {
	t := &Trial{agent: a}
	o := newOptions(a.options())
	for name, v := range values {
		if d, ok := o.byName[normalise(name)]; ok {
			o.values[d.Name] = v
		}
	}
	o.password = values[Password.Name]
	o.trial = t
	return o, t
}

// Unread lists the agent's own options that were never read, except those
// declared Ignored and those the runtime reads: an option the agent
// declares and never looks at is one it advertises and does not implement.
func (t *Trial) Unread() []string {
	var out []string
	for _, d := range t.agent.Options {
		if d.Ignored == "" && !t.Read(d.Name) && !slices.Contains(runtimeReads, d.Name) {
			out = append(out, d.Name)
		}
	}
	return out
}
