package fencing

import (
	"fmt"
	"strings"
)

// ParseHostlist reads cluster-glue's hostlist, "node[:target]" separated
// by spaces or commas: the runbook's external/libvirt and external/xenapi
// devices name the nodes they fence this way. A node without ":target" is
// its own target. It returns the map node -> target and the nodes in order.
func ParseHostlist(s string) (map[string]string, []string, error) {
	hosts := map[string]string{}
	var order []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' }) {
		host, dom, ok := strings.Cut(f, ":")
		if !ok {
			dom = host
		}
		if host == "" || dom == "" {
			return nil, nil, fmt.Errorf("hostlist: %q is not node[:target]", f)
		}
		if _, dup := hosts[host]; dup {
			return nil, nil, fmt.Errorf("hostlist: node %q appears twice", host)
		}
		hosts[host] = dom
		order = append(order, host)
	}
	return hosts, order, nil
}
