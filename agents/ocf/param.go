package ocf

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/qvd-ha/qvd-ha/internal/boolean"
)

// Type is a parameter's type as declared in meta-data.
type Type int

// Parameter types. Only those both meta-data validators installed with
// resource-agents accept (ra-api-1.dtd and metadata.rng) exist here.
const (
	String Type = iota
	Integer
	Boolean
)

func (t Type) String() string {
	switch t {
	case Integer:
		return "integer"
	case Boolean:
		return "boolean"
	default:
		return "string"
	}
}

// Param declares one OCF_RESKEY_ parameter. The declaration is the single
// source of truth: parsing, validation, meta-data and the man page all come
// from it.
type Param struct {
	Name     string
	Type     Type
	Default  string
	Required bool
	// Unique: no two resources of this type may share the value.
	Unique bool
	// Secret values are never logged or shown in exit reasons.
	Secret bool
	// Deprecated, when set, says what to use instead; the parameter is still
	// parsed. The validators reject a <deprecated> element, so the text goes
	// into the long description and the man page.
	Deprecated string
	// Ignored, when set, says why the parameter has no effect here. It is
	// declared so that a configuration written for the upstream agent loads
	// (crmsh rejects a parameter the meta-data does not name); the runtime
	// logs the reason once, at start and validate-all, when it is set.
	Ignored string
	// Reloadable: a change takes effect through the agent's reload action,
	// without a restart. The validators reject the attribute, so it shows in
	// the long description and the man page.
	Reloadable bool
	Short      string
	Long       string
	// Check validates a non-empty value beyond its type. Its error becomes
	// an ErrConfigured reason naming the parameter.
	Check func(value string) error
}

// Params holds the parsed values of an action's parameters. An agent reads
// them once, in its load function (see Decoded).
type Params struct {
	decl   map[string]Param
	values map[string]string
	set    map[string]bool
	// trial, in tests only, records what a load function reads.
	trial *Trial
}

// String returns the value of a declared parameter, or its default.
func (p Params) String(name string) string {
	p.mustDeclare(name)
	return p.values[name]
}

// Int returns an Integer parameter. Parse has checked it already.
func (p Params) Int(name string) int {
	p.mustDeclare(name)
	n, _ := strconv.Atoi(p.values[name])
	return n
}

// Bool returns a Boolean parameter. Parse has checked it already.
func (p Params) Bool(name string) bool {
	p.mustDeclare(name)
	b, _ := ParseBool(p.values[name])
	return b
}

// IsSet reports whether the parameter was given, as opposed to defaulted.
func (p Params) IsSet(name string) bool {
	p.mustDeclare(name)
	return p.set[name]
}

func (p Params) mustDeclare(name string) {
	_, ok := p.decl[name]
	if p.trial != nil {
		p.trial.Saw(name, ok)
		return
	}
	if !ok {
		// A programming error in an agent: ocftest.Decodes fails the
		// agent's tests on it before it can reach a node.
		panic("ocf: parameter " + name + " is not declared")
	}
}

// ParseParams reads every declared parameter from getenv and checks it.
// All problems are reported at once, each naming its parameter, as an
// ErrConfigured error: a bad value in the CIB is wrong on every node.
func ParseParams(decls []Param, getenv func(string) string) (Params, error) {
	p := Params{decl: map[string]Param{}, values: map[string]string{}, set: map[string]bool{}}
	var problems []string
	for _, d := range decls {
		p.decl[d.Name] = d
		raw := getenv("OCF_RESKEY_" + d.Name)
		if raw != "" {
			p.set[d.Name] = true
		} else {
			raw = d.Default
		}
		p.values[d.Name] = raw
		if err := d.check(raw); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return p, Fail(ErrConfigured, "%s", strings.Join(problems, "; "))
	}
	return p, nil
}

func (d Param) check(v string) error {
	if v == "" {
		if d.Required {
			return fmt.Errorf("parameter %s is required", d.Name)
		}
		return nil
	}
	shown := strconv.Quote(v)
	if d.Secret {
		shown = "(value hidden)"
	}
	switch d.Type {
	case Integer:
		if _, err := strconv.Atoi(v); err != nil {
			return fmt.Errorf("parameter %s=%s is not an integer", d.Name, shown)
		}
	case Boolean:
		if _, err := ParseBool(v); err != nil {
			return fmt.Errorf("parameter %s=%s is not a boolean (%s)", d.Name, shown, boolean.OCF.Hint)
		}
	}
	if d.Check != nil {
		if err := d.Check(v); err != nil {
			if d.Secret {
				// The check's own text may quote the value.
				return fmt.Errorf("parameter %s=%s: %s", d.Name, shown, strings.ReplaceAll(err.Error(), v, "(value hidden)"))
			}
			return fmt.Errorf("parameter %s=%s: %w", d.Name, shown, err)
		}
	}
	return nil
}

// ParseBool reads an OCF boolean (boolean.OCF): what ocf_is_true and
// Pacemaker accept as true, their counterparts as false, anything else an
// error rather than a silent false. Agents use it for parameters that take
// a boolean or a word.
func ParseBool(v string) (bool, error) {
	return boolean.OCF.Parse(v)
}
