package cluster

import (
	"context"
	"strings"
	"testing"
	"time"
)

func acksAt(msOffsets ...int) []Ack {
	var a []Ack
	for i, ms := range msOffsets {
		a = append(a, Ack{N: int64(i + 1), At: atMs(ms)})
	}
	return a
}

func TestLongestGap(t *testing.T) {
	cases := []struct {
		name     string
		acks     []Ack
		from, to int64 // the acks around the gap; 0: no gap
		len      time.Duration
	}{
		{name: "none", acks: nil},
		{name: "one", acks: acksAt(0)},
		{name: "two", acks: acksAt(0, 30), from: 1, to: 2, len: 30 * time.Millisecond},
		{name: "outage in the middle", acks: acksAt(0, 20, 40, 1540, 1560), from: 3, to: 4, len: 1500 * time.Millisecond},
		{name: "first of equal gaps", acks: acksAt(0, 100, 200), from: 1, to: 2, len: 100 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, ok := WriteReport{Acks: tc.acks}.LongestGap()
			if ok != (tc.from != 0) {
				t.Fatalf("gap found: %v, want %v", ok, tc.from != 0)
			}
			if ok && (g.From.N != tc.from || g.To.N != tc.to || g.Len() != tc.len) {
				t.Errorf("gap %d→%d of %s, want %d→%d of %s", g.From.N, g.To.N, g.Len(), tc.from, tc.to, tc.len)
			}
		})
	}
}

func TestFirstAckAfter(t *testing.T) {
	r := WriteReport{Acks: acksAt(0, 20, 40, 1540)}
	cases := []struct {
		after int
		want  int64 // 0: none
	}{{-1, 1}, {0, 2}, {30, 3}, {40, 4}, {1539, 4}, {1540, 0}, {5000, 0}}
	for _, tc := range cases {
		a, ok := r.FirstAckAfter(atMs(tc.after))
		if ok != (tc.want != 0) || a.N != tc.want {
			t.Errorf("after %d ms: row %d (%v), want %d", tc.after, a.N, ok, tc.want)
		}
	}
}

func TestMissingAcks(t *testing.T) {
	cases := []struct {
		acked   []int64
		present []int64
		want    string
	}{
		{acked: []int64{1, 2, 3}, present: []int64{3, 1, 2, 4}, want: ""},
		{acked: []int64{1, 2, 3, 4, 5, 7, 9, 10}, present: []int64{1, 5, 6, 8}, want: "2-4, 7, 9-10"},
		{acked: []int64{2, 3}, present: nil, want: "2-3"},
	}
	for _, tc := range cases {
		var a []Ack
		for _, n := range tc.acked {
			a = append(a, Ack{N: n})
		}
		if got := ranges(missingAcks(a, tc.present)); got != tc.want {
			t.Errorf("acked %v, present %v: missing %q, want %q", tc.acked, tc.present, got, tc.want)
		}
	}
}

func TestStartWriterNeedsAnAddress(t *testing.T) {
	for _, dsn := range []string{
		"host=db.example.org user=qvd dbname=qvddb",
		"host=/run/postgresql user=qvd dbname=qvddb",
		"host=192.0.2.10,db.example.org user=qvd dbname=qvddb",
	} {
		w, err := StartWriter(context.Background(), "none", dsn, time.Second)
		if err == nil {
			w.Stop()
		}
		if err == nil || !strings.Contains(err.Error(), "is not an IP address") {
			t.Errorf("%q: %v, want it refused for its host", dsn, err)
		}
	}
}
