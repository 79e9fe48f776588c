package status

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// ParseLinks reads corosync-cfgtool -s (corosync 3, knet): a "LINK ID n"
// line per link (3.1 adds the transport: "LINK ID 0 udp"), its "addr = ..."
// and one "nodeid N: status" line per node, status being "localhost" for
// this node. Corosync 3.0 printed "link enabled:1 link connected:1"
// instead of a word; both are read. This node's own line is left out.
func ParseLinks(out string) ([]Link, error) {
	var links []Link
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "LINK ID "):
			f := strings.Fields(strings.TrimPrefix(line, "LINK ID "))
			id, err := strconv.Atoi(f[0])
			if err != nil {
				return nil, fmt.Errorf("corosync-cfgtool: %q: bad link id", line)
			}
			links = append(links, Link{ID: id})
		case strings.HasPrefix(line, "addr"):
			if len(links) == 0 {
				return nil, fmt.Errorf("corosync-cfgtool: %q before any LINK ID", line)
			}
			if _, v, ok := strings.Cut(line, "="); ok {
				links[len(links)-1].Addr = strings.TrimSpace(v)
			}
		case strings.HasPrefix(line, "nodeid"):
			if len(links) == 0 {
				return nil, fmt.Errorf("corosync-cfgtool: %q before any LINK ID", line)
			}
			// "nodeid  2:\tconnected", "nodeid:  2:\tconnected"
			rest := strings.TrimLeft(strings.TrimPrefix(line, "nodeid"), ": \t")
			num, status, ok := strings.Cut(rest, ":")
			id, err := strconv.Atoi(strings.TrimSpace(num))
			if !ok || err != nil {
				return nil, fmt.Errorf("corosync-cfgtool: %q: bad node line", line)
			}
			status = strings.Join(strings.Fields(status), " ")
			if status == "localhost" {
				continue
			}
			l := &links[len(links)-1]
			l.Peers = append(l.Peers, LinkPeer{NodeID: id, Status: status, Connected: linkConnected(status)})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("corosync-cfgtool: %w", err)
	}
	if len(links) == 0 {
		return nil, fmt.Errorf("corosync-cfgtool printed no link")
	}
	return links, nil
}

// linkConnected reads a node's status on a link: 3.1's words
// ("connected"; anything else, such as "disconnected", is not) or 3.0's
// flags ("link enabled:1 link connected:1").
func linkConnected(status string) bool {
	if strings.Contains(status, "connected:") {
		return strings.Contains(status, "connected:1") && !strings.Contains(status, "enabled:0")
	}
	return status == "connected"
}
