package ocf

import (
	"context"
	"reflect"
	"testing"
)

func TestNotify(t *testing.T) {
	const m = "OCF_RESKEY_CRM_meta_"
	tests := []struct {
		name string
		env  []string
		want Notify
	}{
		{
			name: "pre-promote, Pacemaker 2.1",
			env: []string{m + "notify_type=pre", m + "notify_operation=promote",
				m + "notify_promote_resource=pg:1 ", m + "notify_promote_uname=node2 ",
				m + "notify_active_resource=pg:0 pg:1 ", m + "notify_active_uname=node1 node2 ",
				m + "notify_promoted_resource= ", m + "notify_promoted_uname= ",
				m + "notify_unpromoted_resource=pg:0 pg:1 ", m + "notify_unpromoted_uname=node1 node2 ",
				m + "notify_master_resource= ", m + "notify_master_uname= ",
				m + "notify_slave_resource=pg:0 pg:1 ", m + "notify_slave_uname=node1 node2 ",
				m + "notify_start_resource= ", m + "notify_start_uname= "},
			want: Notify{Type: "pre", Operation: "promote",
				Promote:    []Peer{{"pg:1", "node2"}},
				Active:     []Peer{{"pg:0", "node1"}, {"pg:1", "node2"}},
				Unpromoted: []Peer{{"pg:0", "node1"}, {"pg:1", "node2"}}},
		},
		{
			name: "post-stop, every list",
			env: []string{m + "notify_type=post", m + "notify_operation=stop",
				m + "notify_start_resource=a:0", m + "notify_start_uname=n1",
				m + "notify_stop_resource=a:1", m + "notify_stop_uname=n2",
				m + "notify_promote_resource=a:2", m + "notify_promote_uname=n3",
				m + "notify_demote_resource=a:3", m + "notify_demote_uname=n4"},
			want: Notify{Type: "post", Operation: "stop",
				Start: []Peer{{"a:0", "n1"}}, Stop: []Peer{{"a:1", "n2"}},
				Promote: []Peer{{"a:2", "n3"}}, Demote: []Peer{{"a:3", "n4"}}},
		},
		{
			name: "deprecated master and slave only (Pacemaker 2.0)",
			env: []string{m + "notify_type=post", m + "notify_operation=demote",
				m + "notify_master_resource=pg:0", m + "notify_master_uname=node1",
				m + "notify_slave_resource=pg:1", m + "notify_slave_uname=node2"},
			want: Notify{Type: "post", Operation: "demote",
				Promoted: []Peer{{"pg:0", "node1"}}, Unpromoted: []Peer{{"pg:1", "node2"}}},
		},
		{
			name: "the current names win over the deprecated ones",
			env: []string{m + "notify_promoted_resource=new:0", m + "notify_promoted_uname=n-new",
				m + "notify_master_resource=old:0", m + "notify_master_uname=n-old",
				m + "notify_unpromoted_resource=new:1", m + "notify_unpromoted_uname=n-new1",
				m + "notify_slave_resource=old:1", m + "notify_slave_uname=n-old1"},
			want: Notify{Promoted: []Peer{{"new:0", "n-new"}}, Unpromoted: []Peer{{"new:1", "n-new1"}}},
		},
		{
			name: "lists of unequal length",
			env: []string{m + "notify_active_resource=a:0 a:1 a:2", m + "notify_active_uname=n1",
				m + "notify_stop_resource=", m + "notify_stop_uname=n1  n2"},
			want: Notify{Active: []Peer{{"a:0", "n1"}, {"a:1", ""}, {"a:2", ""}},
				Stop: []Peer{{"", "n1"}, {"", "n2"}}},
		},
		{
			name: "nothing set",
			want: Notify{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *Notify
			a := withFunc(testAgent(), "notify", func(_ context.Context, req *Request) error {
				got = req.Notify
				return nil
			})
			r := dispatch(t, a, validEnv(tt.env...), nil, "notify")
			if r.rc != Success {
				t.Fatalf("rc %s, stderr:\n%s", r.rc, r.stderr)
			}
			if got == nil {
				t.Fatal("notify without Notify")
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("Notify\n%+v\nwant\n%+v", *got, tt.want)
			}
		})
	}
}
