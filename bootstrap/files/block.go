package files

import "strings"

// The markers of the block of lines qvd-ha-bootstrap manages inside a file
// an administrator also edits (/etc/hosts, pg_hba.conf, ...). A begin line
// is recognised by its prefix, so that its wording can change.
const (
	BlockBegin = "# BEGIN qvd-ha"
	BlockEnd   = "# END qvd-ha"
)

// Line is a line of a file outside the managed block, numbered from 1.
type Line struct {
	N    int
	Text string // without the newline
}

// MergeBlock returns text with its managed block replaced by block (which
// carries its own marker lines), or with block added at the start or the
// end when there is none; moveToEnd moves an existing block to the end.
// Empty lines are dropped, other lines kept, and the lines outside the
// block are returned for the caller's checks.
func MergeBlock(text, block string, atStart, moveToEnd bool) (string, []Line) {
	var out []string
	var outside []Line
	inBlock, placed := false, false
	for i, l := range strings.SplitAfter(text, "\n") {
		trimmed := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(trimmed, BlockBegin):
			inBlock = true
			if !placed && !moveToEnd {
				out = append(out, block)
				placed = true
			}
			continue
		case inBlock && trimmed == BlockEnd:
			inBlock = false
			continue
		case inBlock || l == "":
			continue
		}
		outside = append(outside, Line{N: i + 1, Text: strings.TrimSuffix(l, "\n")})
		out = append(out, strings.TrimSuffix(l, "\n")+"\n")
	}
	switch {
	case placed:
	case atStart:
		out = append([]string{block}, out...)
	default:
		out = append(out, block)
	}
	return strings.Join(out, ""), outside
}
