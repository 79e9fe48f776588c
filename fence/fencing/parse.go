package fencing

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/boolean"
)

// Options holds the parsed values of one run.
type Options struct {
	decls  []Option
	byName map[string]*Option // every accepted spelling, normalised
	values map[string]string  // canonical name -> value
	extra  map[string]string  // fencer-sent names (nodename)
	// verboseFlags counts -v and --verbose on the command line: their
	// number is verbose_level's default, as in fence-agents.
	verboseFlags int
	// password is the resolved secret; see resolvePassword.
	password string
	// trial, in tests only, records what an agent's load function reads.
	trial *Trial
}

func newOptions(decls []Option) *Options {
	o := &Options{
		decls:  decls,
		byName: map[string]*Option{},
		values: map[string]string{},
		extra:  map[string]string{},
	}
	for i := range o.decls {
		d := &o.decls[i]
		o.byName[normalise(d.Name)] = d
		if d.Obsoletes != "" {
			o.byName[normalise(d.Obsoletes)] = d
		}
	}
	return o
}

// normalise makes '-' and '_' interchangeable and names case-insensitive.
func normalise(name string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), "-", "_"))
}

// warnings collects messages about input that was accepted but ignored.
type warnings []string

func (w *warnings) add(format string, args ...any) { *w = append(*w, fmt.Sprintf(format, args...)) }

// set records one value; the last value for a name wins.
func (o *Options) set(name, value string, warn *warnings) {
	n := normalise(name)
	d, ok := o.byName[n]
	if !ok {
		for _, f := range fencerNames {
			if n == f {
				o.extra[f] = value
				return
			}
		}
		warn.add("ignoring unknown option %q", name)
		return
	}
	o.values[d.Name] = value
}

// parseStdin reads fence-agents "name=value" lines.
func (o *Options) parseStdin(r io.Reader, warn *warnings) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		name, value, ok := strings.Cut(text, "=")
		if !ok {
			// Never echo the line: it may be a password with a missing name.
			warn.add("ignoring stdin line %d: no '=' in it", line)
			continue
		}
		o.set(name, value, warn)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read options from stdin: %w", err)
	}
	return nil
}

// parseArgs reads getopt-style options: -o off, -ooff, --action=off,
// --action off, flags without values for booleans, and grouped flags
// (-vv, -qv, -vn vm1).
func (o *Options) parseArgs(args []string, warn *warnings) error {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		var d *Option
		var value string
		hasValue := false
		switch {
		case strings.HasPrefix(arg, "--") && len(arg) > 2:
			name, v, ok := strings.Cut(arg[2:], "=")
			value, hasValue = v, ok
			d = o.byLong(name)
			if d == nil {
				warn.add("ignoring unknown option --%s", name)
				continue
			}
		case strings.HasPrefix(arg, "-") && len(arg) > 1:
			rest := arg[1:]
			// Leading boolean flags of a group are set here; the first
			// flag that takes a value gets the rest of the group, as
			// getopt does.
			for rest != "" {
				d = o.byLetter(rune(rest[0]))
				if d == nil {
					warn.add("ignoring unknown option -%c", rest[0])
				} else if d.Type != Boolean {
					break
				} else {
					o.setArg(d, "1")
				}
				d, rest = nil, rest[1:]
			}
			if d == nil {
				continue
			}
			if len(rest) > 1 {
				value, hasValue = rest[1:], true
			}
		default:
			// Not echoed: it may be a password given without its flag.
			return fmt.Errorf("unexpected argument %d: options start with - or --", i+1)
		}
		if !hasValue && d.Type == Boolean {
			value, hasValue = "1", true
		}
		if !hasValue {
			if i+1 >= len(args) {
				return fmt.Errorf("option --%s needs a value", d.long())
			}
			i++
			value = args[i]
		}
		o.setArg(d, value)
	}
	return nil
}

func (o *Options) setArg(d *Option, value string) {
	if d.Name == verboseOpt.Name {
		o.verboseFlags++
	}
	o.values[d.Name] = value
}

func (o *Options) byLong(name string) *Option {
	n := normalise(name)
	for i := range o.decls {
		if normalise(o.decls[i].long()) == n {
			return &o.decls[i]
		}
	}
	return o.byName[n]
}

func (o *Options) byLetter(r rune) *Option {
	for i := range o.decls {
		if o.decls[i].Letter == r {
			return &o.decls[i]
		}
	}
	return nil
}

// validate checks every set value against its type and reports all problems
// at once.
func (o *Options) validate() error {
	var errs []error
	for i := range o.decls {
		d := &o.decls[i]
		v, ok := o.values[d.Name]
		if !ok {
			continue
		}
		if err := d.check(v); err != nil {
			if d.Secret {
				err = errors.New("invalid value")
			}
			errs = append(errs, fmt.Errorf("option %s: %w", d.Name, err))
		}
	}
	return errors.Join(errs...)
}

// lookup returns the declaration or panics: asking for an undeclared option
// is a programming error in an agent, which fencetest.Decodes fails the
// agent's tests on before it can reach a node.
func (o *Options) lookup(name string) *Option {
	d, ok := o.byName[normalise(name)]
	if o.trial != nil {
		if !ok {
			o.trial.Saw(name, false)
			return &Option{Name: name}
		}
		o.trial.Saw(d.Name, true)
		return d
	}
	if !ok {
		panic("fencing: option " + name + " is not declared")
	}
	return d
}

// String returns the value of an option, or its default.
func (o *Options) String(name string) string {
	d := o.lookup(name)
	if v, ok := o.values[d.Name]; ok {
		return v
	}
	return d.Default
}

// IsSet reports whether the option was given, even if empty.
func (o *Options) IsSet(name string) bool {
	_, ok := o.values[o.lookup(name).Name]
	return ok
}

// Bool returns a boolean option; unset and empty mean false. Values were
// checked by validate, so an error here cannot happen.
func (o *Options) Bool(name string) bool {
	b, _ := boolean.FenceAgents.Parse(o.String(name))
	return b
}

// Int returns an integer option, 0 when unset without default.
func (o *Options) Int(name string) int {
	n, _ := strconv.Atoi(o.String(name))
	return n
}

// Duration returns a second-typed option.
func (o *Options) Duration(name string) time.Duration {
	d, _ := parseSeconds(o.String(name))
	return d
}

// Password returns the password from stdin, argv, password_script or
// password_file, resolved before the agent's Connect is called.
func (o *Options) Password() string { return o.password }

// NodeName is the node Pacemaker's fencer is acting on, if it said.
func (o *Options) NodeName() string { return o.extra["nodename"] }

// redacted lists the options for debug output, secrets hidden.
func (o *Options) redacted() string {
	var parts []string
	for _, d := range o.decls {
		v, ok := o.values[d.Name]
		if !ok {
			continue
		}
		if d.Secret {
			v = "<hidden>"
		}
		parts = append(parts, d.Name+"="+v)
	}
	for _, f := range fencerNames {
		if v, ok := o.extra[f]; ok {
			parts = append(parts, f+"="+v)
		}
	}
	return strings.Join(parts, " ")
}
