package cluster

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// logOrigin is the origin of the synthetic logs below; atMs(ms) is logOrigin + ms.
var logOrigin = time.Unix(1_700_000_000, 0)

func atMs(ms int) time.Time { return logOrigin.Add(time.Duration(ms) * time.Millisecond) }

// synthLog writes a log from "<ms> <rest>" lines.
func synthLog(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		ms, rest, _ := strings.Cut(l, " ")
		n, err := strconv.Atoi(ms)
		if err != nil {
			panic(l)
		}
		fmt.Fprintf(&b, "%d %s\n", atMs(n).UnixNano(), rest)
	}
	return b.String()
}

// span is an expected interval: kind, key, start and end in ms (-1: open).
type span struct {
	kind, key  string
	start, end int
}

func spans(ivs []Interval) []span {
	var got []span
	for _, iv := range ivs {
		end := -1
		if !iv.End.IsZero() {
			end = int(iv.End.Sub(logOrigin) / time.Millisecond)
		}
		got = append(got, span{iv.Kind, iv.Key, int(iv.Start.Sub(logOrigin) / time.Millisecond), end})
	}
	return got
}

func TestIntervals(t *testing.T) {
	cases := []struct {
		name  string
		log   string
		kills []int
		want  []span
		err   string
	}{{
		name: "up and down, open at the end",
		log: synthLog("0 start pid 7 mountpoint /pg",
			"0 up ip:127.0.0.1 lo 127.0.0.1/8",
			"10 up ip:192.0.2.10 eth0 192.0.2.10/24",
			"20 up mount 41 /dev/loop0 xfs",
			"25 up postmaster 9",
			"30 down postmaster 9",
			"40 down ip:192.0.2.10 eth0 192.0.2.10/24",
			"50 up ip:192.0.2.10 eth0 192.0.2.10/24"),
		want: []span{{"ip:127.0.0.1", "lo", 0, -1}, {"ip:192.0.2.10", "eth0", 10, 40}, {"mount", "41", 20, -1},
			{"postmaster", "9", 25, 30}, {"ip:192.0.2.10", "eth0", 50, -1}},
	}, {
		name: "a kill ends everything open",
		log: synthLog("0 start",
			"10 up ip:192.0.2.10 eth0 192.0.2.10/24",
			"20 up mount 41 /dev/loop0 xfs",
			"30 up postmaster 9",
			"35 down mount 41 /dev/loop0 xfs"),
		kills: []int{100},
		want:  []span{{"ip:192.0.2.10", "eth0", 10, 100}, {"mount", "41", 20, 35}, {"postmaster", "9", 30, 100}},
	}, {
		name: "reboot: the kill before the new start ends the old run",
		log: synthLog("0 start",
			"10 up ip:192.0.2.10 eth0 192.0.2.10/24",
			"30 up postmaster 9",
			"500 start",
			"500 up ip:192.0.2.10 eth0 192.0.2.10/24",
			"600 up postmaster 9"),
		kills: []int{100},
		want: []span{{"ip:192.0.2.10", "eth0", 10, 100}, {"postmaster", "9", 30, 100},
			{"ip:192.0.2.10", "eth0", 500, -1}, {"postmaster", "9", 600, -1}},
	}, {
		name: "two reboots, each run ended by its own kill",
		log: synthLog("0 start",
			"30 up postmaster 9",
			"500 start",
			"600 up postmaster 12",
			"900 start"),
		kills: []int{700, 100, 1000},
		want:  []span{{"postmaster", "9", 30, 100}, {"postmaster", "12", 600, 700}},
	}, {
		name: "restart without a known kill ends the old run at the new start",
		log: synthLog("0 start",
			"30 up postmaster 9",
			"500 start"),
		kills: []int{800},
		want:  []span{{"postmaster", "9", 30, 500}},
	}, {
		name: "a kill while the node is down ends nothing of the next run",
		log: synthLog("0 start",
			"30 up postmaster 9",
			"500 start",
			"600 up postmaster 12"),
		kills: []int{100, 200},
		want:  []span{{"postmaster", "9", 30, 100}, {"postmaster", "12", 600, -1}},
	}, {
		name: "the recorder failed",
		log:  synthLog("0 start", "10 up mount 41 /dev/loop0 xfs", "20 error poll mountinfo: EBADF"),
		err:  "recorder failed",
	}, {
		name: "up twice",
		log:  synthLog("0 start", "10 up postmaster 9", "20 up postmaster 9"),
		err:  "already up",
	}, {
		name: "down without up",
		log:  synthLog("0 start", "10 down postmaster 9"),
		err:  "without being up",
	}, {
		name: "event before the start line",
		log:  synthLog("10 up postmaster 9", "20 start"),
		err:  "before the recorder's start",
	}, {
		name:  "event after the kill",
		log:   synthLog("0 start", "10 up postmaster 9", "150 down postmaster 9"),
		kills: []int{100},
		err:   "after the node was killed",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			events, err := ParseEvents(strings.NewReader(tc.log))
			if err != nil {
				t.Fatal(err)
			}
			var kills []time.Time
			for _, k := range tc.kills {
				kills = append(kills, atMs(k))
			}
			ivs, err := Intervals("qvddb1", events, kills)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := spans(ivs); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("intervals\n got %v\nwant %v", got, tc.want)
			}
			for _, iv := range ivs {
				if iv.Node != "qvddb1" {
					t.Errorf("%v: node %q", iv, iv.Node)
				}
			}
		})
	}
}

func TestParseEventsRejects(t *testing.T) {
	for _, line := range []string{
		"x start",
		"1700000000000000000 moved ip:192.0.2.10 eth0",
		"1700000000000000000 up ip:192.0.2.10",
		"1700000000000000000 down",
	} {
		if _, err := ParseEvents(strings.NewReader(line + "\n")); err == nil {
			t.Errorf("%q parsed", line)
		}
	}
}

func TestOverlaps(t *testing.T) {
	iv := func(node, kind string, start, end int) Interval {
		i := Interval{Node: node, Kind: kind, Key: "k", Start: atMs(start)}
		if end >= 0 {
			i.End = atMs(end)
		}
		return i
	}
	cases := []struct {
		name string
		ivs  []Interval
		want []string // patterns, one per overlap, in order
	}{{
		name: "hand-over: one ends as the other starts",
		ivs:  []Interval{iv("qvddb1", "ip:192.0.2.10", 0, 100), iv("qvddb2", "ip:192.0.2.10", 100, -1)},
	}, {
		name: "hand-over with a gap",
		ivs: []Interval{iv("qvddb1", "mount", 0, 100), iv("qvddb2", "mount", 300, 400),
			iv("qvddb1", "mount", 500, -1)},
	}, {
		name: "the address on both nodes",
		ivs:  []Interval{iv("qvddb2", "ip:192.0.2.10", 50, 300), iv("qvddb1", "ip:192.0.2.10", 0, 100)},
		want: []string{`^ip:192\.0\.2\.10 k on qvddb1 from [0-9:.]+ to [0-9:.]+ overlaps ip:192\.0\.2\.10 k on qvddb2 from [0-9:.]+ to [0-9:.]+ by 50ms$`},
	}, {
		name: "one inside the other",
		ivs:  []Interval{iv("qvddb1", "postmaster", 0, -1), iv("qvddb2", "postmaster", 200, 250)},
		want: []string{"by 50ms"},
	}, {
		name: "both still active",
		ivs:  []Interval{iv("qvddb1", "mount", 0, -1), iv("qvddb2", "mount", 200, -1)},
		want: []string{"both still active"},
	}, {
		name: "several, sorted by kind",
		ivs: []Interval{iv("qvddb1", "postmaster", 0, 100), iv("qvddb2", "postmaster", 90, 200),
			iv("qvddb1", "mount", 0, 100), iv("qvddb2", "mount", 90, 200)},
		want: []string{"mount", "postmaster"},
	}, {
		name: "on the same node",
		ivs:  []Interval{iv("qvddb1", "postmaster", 0, 100), iv("qvddb1", "postmaster", 50, 200)},
	}, {
		name: "different kinds",
		ivs:  []Interval{iv("qvddb1", "mount", 0, 100), iv("qvddb2", "postmaster", 50, 200)},
	}, {
		name: "node-local addresses",
		ivs: []Interval{iv("qvddb1", "ip:127.0.0.1", 0, -1), iv("qvddb2", "ip:127.0.0.1", 0, -1),
			iv("qvddb1", "ip:::1", 0, -1), iv("qvddb2", "ip:::1", 0, -1),
			iv("qvddb1", "ip:fe80::1", 0, -1), iv("qvddb2", "ip:fe80::1", 0, -1)},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Overlaps(tc.ivs)
			if len(got) != len(tc.want) {
				t.Fatalf("overlaps %q, want %d", got, len(tc.want))
			}
			for i := range got {
				if !regexp.MustCompile(tc.want[i]).MatchString(got[i]) {
					t.Errorf("overlap %q does not match %q", got[i], tc.want[i])
				}
			}
		})
	}
}
