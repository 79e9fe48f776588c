package fencing

import "testing"

func TestParseHostlist(t *testing.T) {
	hosts, order, err := ParseHostlist("node1:vm-a, node2\tnode3:vm-c")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"node1": "vm-a", "node2": "node2", "node3": "vm-c"}
	for h, d := range want {
		if hosts[h] != d {
			t.Errorf("hostlist maps %s to %q, want %q", h, hosts[h], d)
		}
	}
	if len(order) != 3 || order[0] != "node1" || order[2] != "node3" {
		t.Errorf("order %q", order)
	}
	for _, bad := range []string{"node1:", ":vm", "a:x a:y"} {
		if _, _, err := ParseHostlist(bad); err == nil {
			t.Errorf("ParseHostlist(%q) accepted", bad)
		}
	}
}
