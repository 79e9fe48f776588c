//go:build root

package main

import (
	"net/netip"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// heartbeatIPaddr2 is the agent ours replaces, from Debian's resource-agents.
const heartbeatIPaddr2 = "/usr/lib/ocf/resource.d/heartbeat/IPaddr2"

// BenchmarkMonitor compares one monitor of ours with one of IPaddr2 on the
// same address in the same namespace: wall time and CPU (the child's and
// its children's, from rusage) per call, and the ratios.
func BenchmarkMonitor(b *testing.B) {
	n := newLAN(b).addNode(b, "192.0.2.1/24")
	params := map[string]string{"ip": "192.0.2.100", "cidr_netmask": "24", "nic": "eth0", "arp_count": "1"}
	if rc, reason := n.run(b, "start", params); rc != 0 {
		b.Fatalf("start: %v %s", rc, reason)
	}
	_, vars := env("monitor", params)
	monitorCmd := map[string]func() *exec.Cmd{
		"qvd": func() *exec.Cmd {
			c := exec.Command(agentBin, "monitor")
			c.Env = vars
			return c
		},
		"IPaddr2": func() *exec.Cmd {
			c := exec.Command(heartbeatIPaddr2, "monitor")
			c.Env = append([]string{"OCF_ROOT=/usr/lib/ocf", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, vars...)
			return c
		},
	}
	var wall, cpu = map[string]time.Duration{}, map[string]time.Duration{}
	for b.Loop() {
		for name, cmd := range monitorCmd {
			c := cmd()
			var err error
			startAt := time.Now()
			n.do(b, func() { err = c.Run() })
			wall[name] += time.Since(startAt)
			if err != nil {
				b.Fatalf("%s monitor: %v", name, err)
			}
			ru := c.ProcessState.SysUsage().(*syscall.Rusage)
			cpu[name] += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	perCall := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) }
	b.ReportMetric(perCall(wall["qvd"]), "qvd-wall-µs/op")
	b.ReportMetric(perCall(cpu["qvd"]), "qvd-cpu-µs/op")
	b.ReportMetric(perCall(wall["IPaddr2"]), "IPaddr2-wall-µs/op")
	b.ReportMetric(perCall(cpu["IPaddr2"]), "IPaddr2-cpu-µs/op")
	b.ReportMetric(float64(wall["IPaddr2"])/float64(wall["qvd"]), "wall-ratio")
	b.ReportMetric(float64(cpu["IPaddr2"])/float64(max(cpu["qvd"], 1)), "cpu-ratio")
}

// BenchmarkAnnounce measures what the announcements cost in the agent's
// process, apart from the arp_interval waits: opening and closing the
// socket (once per start) and sending one announcement, per kind.
func BenchmarkAnnounce(b *testing.B) {
	n := newLAN(b).addNode(b, "192.0.2.1/24", "2001:db8::1/64")
	link := n.link(b)
	tests := []struct {
		name  string
		ip    netip.Addr
		reply bool
	}{
		{"ARP request", netip.MustParseAddr("192.0.2.1"), false},
		{"ARP reply", netip.MustParseAddr("192.0.2.1"), true},
		{"Neighbor Advertisement", netip.MustParseAddr("2001:db8::1"), false},
	}
	open := func(b *testing.B, ip netip.Addr, reply bool) sender {
		b.Helper()
		s, err := newSender(link, ip, reply)
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	for _, tt := range tests {
		b.Run(tt.name+"/open+close", func(b *testing.B) {
			n.do(b, func() {
				for b.Loop() {
					if err := open(b, tt.ip, tt.reply).close(); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
		b.Run(tt.name+"/send", func(b *testing.B) {
			n.do(b, func() {
				s := open(b, tt.ip, tt.reply)
				defer s.close()
				for b.Loop() {
					if err := s.send(); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
