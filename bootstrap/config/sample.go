package config

import (
	"strings"
)

const header = `# qvd-ha-bootstrap configuration (/etc/qvd-ha/bootstrap.conf)
#
# Format: one "key = value" per line, as in /etc/qvd/node.conf; '#' starts a
# comment line; no sections, no quotes (a value runs to the end of the line).
# Every key is optional: the value shown is the default, the QVD runbook's
# example cluster (its addresses are not published, so documentation ranges
# stand in for them). Any key can also be given on the command line with
# --set key=value, which wins over this file.
#
# No secret belongs here: passwords are named by where they come from.
`

// Sample returns the documented configuration file holding the defaults.
func Sample() string { return Default().Render() }

// Render returns the documented configuration file holding c's values.
func (c *Config) Render() string {
	var b strings.Builder
	b.WriteString(header)
	for _, k := range keys {
		if k.doc != "" {
			b.WriteString("\n")
			for _, l := range strings.Split(k.doc, "\n") {
				b.WriteString("# " + l + "\n")
			}
		}
		b.WriteString(strings.TrimRight(k.name+" = "+k.get(c), " ") + "\n")
	}
	return b.String()
}
