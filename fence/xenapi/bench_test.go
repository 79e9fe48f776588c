package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/test/xenapisim"
)

// BenchmarkVersusFenceXenapi times status and off (with its verification)
// for fence_qvd_xenapi and fence-agents' fence_xenapi against the same
// simulated pool, and reports both and the ratios.
func BenchmarkVersusFenceXenapi(b *testing.B) {
	pool := xenapisim.NewPool(user, password, 500)
	pool.AddVM(xenapisim.VM{UUID: vm1UUID, NameLabel: "qvddb1-vm", PowerState: "Running"})
	url := serve(b, &xenapisim.Host{Pool: pool})

	ours := func(action string) *exec.Cmd {
		cmd := exec.Command(agentBin)
		cmd.Stdin = strings.NewReader(input(url, "action="+action, "plug=qvddb1-vm"))
		return cmd
	}
	theirs := func(action string) *exec.Cmd {
		return exec.Command("/usr/sbin/fence_xenapi", "-s", url, "-l", user, "-p", password, "-n", "qvddb1-vm", "-o", action)
	}
	var total [2][2]time.Duration // [ours, theirs][status, off]
	for i := 0; i < b.N; i++ {
		for who, mk := range []func(string) *exec.Cmd{ours, theirs} {
			for what, action := range []string{"status", "off"} {
				pool.SetPowerState("qvddb1-vm", "Running")
				cmd := mk(action)
				start := time.Now()
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v: %v\n%s", cmd.Args, err, out)
				}
				total[who][what] += time.Since(start)
			}
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(total[0][0]), "qvd-status-ms/op")
	b.ReportMetric(ms(total[1][0]), "fence_xenapi-status-ms/op")
	b.ReportMetric(ms(total[0][1]), "qvd-off-ms/op")
	b.ReportMetric(ms(total[1][1]), "fence_xenapi-off-ms/op")
	b.ReportMetric(float64(total[1][0])/float64(total[0][0]), "status-ratio")
	b.ReportMetric(float64(total[1][1])/float64(total[0][1]), "off-ratio")
}
