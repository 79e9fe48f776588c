// Package hosts keeps the cluster's names in /etc/hosts (runbook 2.2), so
// that the nodes, their crossover names and the database name resolve
// without DNS.
//
// The entries live in one block between marker lines; running the step again
// replaces the block and touches nothing else in the file.
package hosts

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/files"
)

const (
	begin = "# BEGIN qvd-ha (managed by qvd-ha-bootstrap hosts; edits here are replaced)"
	end   = files.BlockEnd
)

// CrossSuffix names a node on the crossover link, as the runbook does
// (qvddb1cx).
const CrossSuffix = "cx"

// Entry is one address and its names.
type Entry struct {
	Addr    string
	Names   []string
	Comment string
}

// Entries are the runbook's 2.2 entries for c.
func Entries(c *config.Config) []Entry {
	e := []Entry{{c.DBIP, []string{c.DBHostname}, "the database's floating address"}}
	for _, n := range c.Nodes {
		e = append(e, Entry{n.LANAddr, []string{n.Name}, "LAN, corosync link 0"})
	}
	for _, n := range c.Nodes {
		e = append(e, Entry{n.CrossAddr, []string{n.Name + CrossSuffix}, "crossover, corosync link 1 and DRBD"})
	}
	return e
}

func block(entries []Entry) string {
	var b strings.Builder
	b.WriteString(begin + "\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "%-15s %-12s # %s\n", e.Addr, strings.Join(e.Names, " "), e.Comment)
	}
	b.WriteString(end + "\n")
	return b.String()
}

// Merge returns hosts with the managed block replaced (or appended), and a
// warning for every line outside the block that gives one of our names
// another address: the resolver would use whichever comes first, and a
// Debian-style "127.0.1.1 node1" line makes corosync bind to loopback.
func Merge(hosts string, entries []Entry) (string, []string) {
	var warnings []string
	ours := map[string]string{}
	for _, e := range entries {
		for _, n := range e.Names {
			ours[n] = e.Addr
		}
	}
	merged, outside := files.MergeBlock(hosts, block(entries), false, false)
	for _, l := range outside {
		fields := strings.Fields(strings.SplitN(l.Text, "#", 2)[0])
		if len(fields) < 2 {
			continue
		}
		addr, err := netip.ParseAddr(fields[0])
		if err != nil {
			continue
		}
		for _, name := range fields[1:] {
			if want, mine := ours[name]; mine && netip.MustParseAddr(want) != addr {
				warnings = append(warnings, fmt.Sprintf("line %d gives %s the address %s, not %s: remove it", l.N, name, fields[0], want))
			}
		}
	}
	return merged, warnings
}
