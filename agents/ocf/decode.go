package ocf

import (
	"context"
	"errors"

	"github.com/qvd-ha/qvd-ha/internal/trial"
)

// Decoded gives an action the agent's typed configuration. load is the
// agent's one place that reads Params: defaults come from the declarations,
// load converts the values into fields and makes the checks that span
// several parameters, so that action code reads fields and never a
// parameter by name. An error from load that is not an *Error is a
// configuration error (rc 6): the parameters are the same on every node.
// ocftest.Decodes runs load in the agent's tests against the declarations.
func Decoded[C any](load func(Params) (C, error), action func(ctx context.Context, req *Request, cfg C) error) ActionFunc {
	return func(ctx context.Context, req *Request) error {
		cfg, err := load(req.Params)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				return &Error{RC: ErrConfigured, Reason: err.Error()}
			}
			return err
		}
		return action(ctx, req, cfg)
	}
}

// Trial records what a load function reads from Params, so that a test
// fails on a parameter name that is not declared instead of an action
// panicking on a node. ocftest.Decodes is its user.
type Trial struct {
	trial.Record
	decls []Param
}

// NewTrial returns Params holding every declared default, overridden (and
// marked as set) by values, and the Trial that watches them. Unlike
// ParseParams it checks nothing: the trial is about names, not values.
func NewTrial(decls []Param, values map[string]string) (Params, *Trial) {
	t := &Trial{decls: decls}
	p := Params{decl: map[string]Param{}, values: map[string]string{}, set: map[string]bool{}, trial: t}
	for _, d := range decls {
		p.decl[d.Name] = d
		p.values[d.Name] = d.Default
		if v, ok := values[d.Name]; ok {
			p.values[d.Name] = v
			p.set[d.Name] = true
		}
	}
	return p, t
}

// Unread lists the declared parameters never read, except those declared
// Ignored: a parameter the agent declares and never looks at is one it
// advertises and does not implement.
func (t *Trial) Unread() []string {
	var out []string
	for _, d := range t.decls {
		if d.Ignored == "" && !t.Read(d.Name) {
			out = append(out, d.Name)
		}
	}
	return out
}
