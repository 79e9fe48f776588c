// Package pgsetup prepares PostgreSQL for the QVD cluster (runbook 8.1, 8.2
// and 8.4): the managed blocks of postgresql.conf, pg_hba.conf and
// pg_ident.conf, and the QVD role, database and pacemaker_monitor table.
//
// Each file keeps everything the administrator wrote; our lines live in one
// block between marker lines that a second run replaces as a whole.
package pgsetup

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/files"
)

const (
	begin = "# BEGIN qvd-ha (managed by qvd-ha-bootstrap postgres; edits here are replaced)"
	end   = files.BlockEnd
)

// IdentMap is the pg_ident.conf map that lets root (the pgsql agent's
// monitor) log in as the QVD user over the local socket, so that no
// password sits in the CIB.
const IdentMap = "pacemaker"

// Where a block goes when a file has none yet.
const (
	atEnd   = false
	atStart = true
)

// ListenAddresses are the addresses PostgreSQL listens on: localhost and
// the database's floating address, which QVD connects to. Not a node's own
// address: postgresql.conf lives on the replicated filesystem, so both
// nodes start the server with the same file, and neither has the other's
// address.
func ListenAddresses(c *config.Config) []string {
	return uniq([]string{"localhost", c.DBIP})
}

// Conf is postgresql.conf with the managed block (runbook 8.2 and
// scram-sha-256 passwords). The block is moved to the end: in
// postgresql.conf the last setting of a parameter wins.
func Conf(old string, c *config.Config, listen []string) string {
	block := fmt.Sprintf("listen_addresses = '%s'\n"+
		"port = %d\n"+
		"default_transaction_isolation = 'serializable'\n"+
		"password_encryption = 'scram-sha-256'\n", strings.Join(listen, ","), c.PGPort)
	return merge(old, block, atEnd, true)
}

// HBA is pg_hba.conf with the managed block: the agent's peer login through
// the pacemaker map on the local socket, and scram-sha-256 for the QVD user
// on its database from both nodes, the database address and the extra
// networks (the QVD nodes). The block goes first: pg_hba.conf takes the
// first line that matches.
func HBA(old string, c *config.Config, extra []netip.Prefix) string {
	var b strings.Builder
	fmt.Fprintf(&b, "local   %-10s %-10s %-20s peer map=%s\n", c.DBName, c.DBUser, "", IdentMap)
	var nets []string
	for _, a := range []string{c.Nodes[0].LANAddr, c.Nodes[1].LANAddr, c.DBIP} {
		if ip, err := netip.ParseAddr(a); err == nil {
			nets = append(nets, netip.PrefixFrom(ip, ip.BitLen()).String())
		}
	}
	for _, p := range extra {
		nets = append(nets, p.Masked().String())
	}
	for _, n := range uniq(nets) {
		fmt.Fprintf(&b, "host    %-10s %-10s %-20s scram-sha-256\n", c.DBName, c.DBUser, n)
	}
	return merge(old, b.String(), atStart, false)
}

// Ident is pg_ident.conf with the pacemaker map from root to the QVD user.
func Ident(old string, c *config.Config) string {
	return merge(old, fmt.Sprintf("%-10s root %s\n", IdentMap, c.DBUser), atEnd, false)
}

// merge replaces the managed block of text by body, or adds one at the
// start or the end. With moveToEnd an existing block is moved to the end.
func merge(text, body string, start, moveToEnd bool) string {
	merged, _ := files.MergeBlock(text, begin+"\n"+body+end+"\n", start, moveToEnd)
	return merged
}

func uniq(s []string) []string {
	var out []string
	for _, v := range s {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
