// Package boolean parses the words that mean true and false to the two
// ecosystems the agents live in. Each has its own vocabulary, and an agent
// that replaces an upstream one must accept what the upstream accepted; a
// word in neither list is an error, never a silent false.
package boolean

import (
	"fmt"
	"slices"
	"strings"
)

// Words is one ecosystem's vocabulary.
type Words struct {
	True, False []string // lower case unless ExactCase
	// ExactCase: the words match only as written; otherwise case is ignored.
	ExactCase bool
	// TrimSpace: blanks around the word are ignored.
	TrimSpace bool
	// Hint is what messages and man pages tell a user to write.
	Hint string
}

// OCF is what the resource agents accept: ocf-shellfuncs' ocf_is_true
// (yes, true, 1, ja, on, in the cases it lists) in any case, Pacemaker's
// crm_is_true (which adds y), and the counterparts of each as false.
var OCF = Words{
	True:  []string{"1", "true", "yes", "on", "ja", "y"},
	False: []string{"0", "false", "no", "off", "nein", "n"},
	Hint:  "use true or false",
}

// OCFShell is ocf-shellfuncs' ocf_is_true word for word, for the switches
// the shell library reads from the environment (OCF_TRACE_RA): a resource
// traced by it is traced by us, and by nothing else. It has no false
// words: use IsTrue.
var OCFShell = Words{
	True:      []string{"yes", "true", "1", "YES", "TRUE", "True", "ja", "on", "ON"},
	ExactCase: true,
	Hint:      "yes or no",
}

// FenceAgents is what the fence agents accept: fencing.py's 1, yes, on,
// true and 0, no, off, false, plus y and n, with blanks ignored.
var FenceAgents = Words{
	True:      []string{"1", "yes", "on", "true", "y"},
	False:     []string{"0", "no", "off", "false", "n"},
	TrimSpace: true,
	Hint:      "1/yes/on/true or 0/no/off/false",
}

// Parse reads s as a boolean of this vocabulary.
func (w Words) Parse(s string) (bool, error) {
	word := s
	if w.TrimSpace {
		word = strings.TrimSpace(word)
	}
	if !w.ExactCase {
		word = strings.ToLower(word)
	}
	switch {
	case slices.Contains(w.True, word):
		return true, nil
	case slices.Contains(w.False, word):
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (%s)", s, w.Hint)
}

// IsTrue reports whether s is a true word; anything else is false, as
// ocf_is_true has it.
func (w Words) IsTrue(s string) bool {
	b, err := w.Parse(s)
	return err == nil && b
}
