// Package deadline holds how much of a caller's timeout an agent keeps back
// for itself: Pacemaker's executor and fencer kill an agent when their
// timeout ends, and an agent that stops a little earlier gets to say why it
// failed instead of leaving a bare timeout in the log.
package deadline

import "time"

// Margin is the part of a timeout kept back: a tenth of it, at least Floor
// and at most Ceiling, and never more than half the timeout.
type Margin struct {
	Floor, Ceiling time.Duration
}

// OCF is the resource agents' margin: half a second at least, so that a
// short timeout still leaves time to log and print the exit reason; five
// seconds at most, so that a long timeout is not wasted.
var OCF = Margin{Floor: 500 * time.Millisecond, Ceiling: 5 * time.Second}

// Fencer is the fence agents' margin under pacemaker-fenced: no floor,
// because a fence agent's last words are one line on stderr.
var Fencer = Margin{Ceiling: 5 * time.Second}

// Within is how long an agent may work under timeout.
func (m Margin) Within(timeout time.Duration) time.Duration {
	return timeout - min(max(timeout/10, m.Floor), m.Ceiling, timeout/2)
}
