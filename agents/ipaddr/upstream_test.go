package main

import (
	"slices"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/test/crmtest"
)

const ipaddr2 = "/usr/lib/ocf/resource.d/heartbeat/IPaddr2"

// ownNamespace stands for the name of the namespace the test runs in.
const ownNamespace = "(the node's namespace)"

type upstreamValue struct {
	name, value string
	rc          ocf.RC
	reason      string // part of the exit reason
}

// upstreamValues holds, for every parameter of the installed IPaddr2, values
// a configuration written for IPaddr2 may set, and what validate-all of
// ocf:qvd:IPaddr answers: 0 for what it does or harmlessly ignores, 6 with
// the reason for what it would otherwise do silently wrong. Values are for
// ip=192.0.2.100 on a node whose eth0 has 192.0.2.1/24.
var upstreamValues = []upstreamValue{
	{"ip", "192.0.2.100", ocf.Success, ""},
	{"nic", "eth0", ocf.Success, ""},
	{"cidr_netmask", "24", ocf.Success, ""},
	{"broadcast", "192.0.2.255", ocf.Success, ""},
	{"iflabel", "vip", ocf.Success, ""},
	{"lvs_support", "false", ocf.Success, ""},
	{"lvs_support", "true", ocf.ErrConfigured, "parameter lvs_support=true: LVS direct routing is not supported"},
	{"lvs_ipv6_addrlabel", "false", ocf.Success, ""},
	{"lvs_ipv6_addrlabel", "true", ocf.ErrConfigured, "parameter lvs_ipv6_addrlabel=true"},
	{"lvs_ipv6_addrlabel_value", "99", ocf.Success, ""},
	{"mac", "01:02:03:04:05:06", ocf.Success, ""},
	{"clusterip_hash", "sourceip", ocf.Success, ""},
	{"unique_clone_address", "false", ocf.Success, ""},
	{"unique_clone_address", "true", ocf.ErrConfigured, "parameter unique_clone_address=true: clones are not supported"},
	{"arp_interval", "200", ocf.Success, ""},
	{"arp_count", "5", ocf.Success, ""},
	{"arp_count_refresh", "0", ocf.Success, ""},
	{"arp_bg", "true", ocf.Success, ""},
	{"arp_bg", "false", ocf.Success, ""},
	{"arp_sender", "send_arp", ocf.Success, ""},
	{"arp_sender", "iputils_arping", ocf.Success, ""},
	{"arp_sender", "libnet_arping", ocf.Success, ""},
	{"arp_sender", "ipoibarping", ocf.Success, ""},
	{"arp_sender", "arping2", ocf.ErrConfigured, "parameter arp_sender="},
	{"send_arp_opts", "-A", ocf.Success, ""},
	{"send_arp_opts", "-U -q", ocf.Success, ""},
	{"send_arp_opts", "-c 3", ocf.ErrConfigured, "option -c is not supported"},
	{"flush_routes", "true", ocf.Success, ""},
	{"run_arping", "false", ocf.Success, ""},
	{"run_arping", "true", ocf.Success, ""},
	{"nodad", "false", ocf.Success, ""},
	{"noprefixroute", "true", ocf.Success, ""},
	{"preferred_lft", "forever", ocf.Success, ""},
	{"network_namespace", ownNamespace, ocf.Success, ""},
}

// upstreamParamNames are the parameters of the installed IPaddr2.
func upstreamParamNames(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, p := range crmtest.UpstreamParams(t, ipaddr2, "meta-data") {
		names = append(names, p.Name)
	}
	return names
}

// TestUpstreamParamsDeclared: every parameter of the installed IPaddr2 is
// declared and has rows above, so that a parameter a new resource-agents
// adds fails here until someone decides what it means.
func TestUpstreamParamsDeclared(t *testing.T) {
	declared := map[string]bool{}
	for _, p := range params {
		declared[p.Name] = true
	}
	for _, name := range upstreamParamNames(t) {
		if !declared[name] {
			t.Errorf("IPaddr2's parameter %s is not declared: crmsh rejects a primitive that sets it", name)
		}
		if !slices.ContainsFunc(upstreamValues, func(v upstreamValue) bool {
			return v.name == name && v.rc == ocf.Success
		}) {
			t.Errorf("IPaddr2's parameter %s has no accepted value in upstreamValues", name)
		}
	}
}
