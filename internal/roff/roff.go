// Package roff escapes text for the man pages generated from the agents'
// declarations, so that troff prints it as written.
package roff

import "strings"

// Escape makes backslashes and hyphens print as themselves and keeps a line
// that starts with a dot or an apostrophe from being read as a request.
func Escape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}

// Arg escapes text for a quoted macro argument, where a double quote would
// end the argument.
func Arg(s string) string {
	return strings.ReplaceAll(Escape(s), `"`, `\(dq`)
}
