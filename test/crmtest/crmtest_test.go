package crmtest

import (
	"testing"
)

func TestUpstreamParams(t *testing.T) {
	tests := []struct {
		path string
		args []string
		want []Param
	}{
		{"/usr/lib/ocf/resource.d/heartbeat/IPaddr2", []string{"meta-data"},
			[]Param{{Name: "ip", Type: "string"}, {Name: "arp_count", Type: "integer", Default: "5"}}},
		{"/usr/sbin/fence_xenapi", []string{"-o", "metadata"},
			[]Param{{Name: "session_url", Type: "string"}, {Name: "plug", Type: "string"}}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			byName := map[string]Param{}
			for _, p := range UpstreamParams(t, tt.path, tt.args...) {
				byName[p.Name] = p
			}
			for _, want := range tt.want {
				if got := byName[want.Name]; got != want {
					t.Errorf("%s: %+v, want %+v", want.Name, got, want)
				}
			}
		})
	}
}
