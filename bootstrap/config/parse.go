package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Problems is every problem found in a configuration, one message each, so
// that the administrator fixes them all in one round.
type Problems []string

func (p Problems) Error() string { return strings.Join(p, "\n") }

func (p *Problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// Load reads a configuration file over the defaults, then applies the
// "key=value" overrides (the --set flags) over both, and validates the
// result. name labels messages. The error, if any, is Problems.
func Load(r io.Reader, name string, overrides []string) (*Config, error) {
	c := Default()
	var probs Problems
	// origin of each key that was set, so that a problem found later by
	// Validate points at the line (or --set) that caused it.
	origin := map[string]string{}
	if r != nil {
		seen := map[string]int{}
		sc := bufio.NewScanner(r)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			where := fmt.Sprintf("%s:%d", name, n)
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				probs.add("%s: %q is not a \"key = value\" line", where, line)
				continue
			}
			k = strings.TrimSpace(k)
			if first, dup := seen[k]; dup {
				probs.add("%s: %s is already set on line %d", where, k, first)
				continue
			}
			seen[k] = n
			origin[k] = where
			probs.setKey(c, where, k, strings.TrimSpace(v))
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
	}
	for _, o := range overrides {
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			probs.add("--set %s: want key=value", o)
			continue
		}
		k = strings.TrimSpace(k)
		origin[k] = "--set"
		probs.setKey(c, "--set", k, strings.TrimSpace(v))
	}
	for _, msg := range c.Validate() {
		key, _, _ := strings.Cut(msg, ":")
		if where, ok := origin[key]; ok {
			msg = where + ": " + msg
		}
		probs = append(probs, msg)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return c, nil
}

func (p *Problems) setKey(c *Config, where, name, value string) {
	k, ok := lookup(name)
	if !ok {
		p.add("%s: unknown key %s", where, name)
		return
	}
	if err := k.set(c, value); err != nil {
		p.add("%s: %s: %v", where, name, err)
	}
}

// AsProblems returns err's Problems, if it holds any.
func AsProblems(err error) (Problems, bool) {
	var p Problems
	ok := errors.As(err, &p)
	return p, ok
}
