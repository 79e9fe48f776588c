//go:build root

package main

import (
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/test/pgtest"
)

const heartbeatPgsql = "/usr/lib/ocf/resource.d/heartbeat/pgsql"

// BenchmarkMonitor runs the recurring monitor of ocf:qvd:pgsql and of
// ocf:heartbeat:pgsql (Debian's resource-agents) alternately against the same
// running instance with the same write check, and reports wall time and CPU
// (the agent and every process it waited for) per call, and the ratios.
// Target: at least 10x less for ours.
func BenchmarkMonitor(b *testing.B) {
	s := pgtest.New(b)
	s.Start()
	b.Cleanup(s.Stop)
	cfg := config{
		"pgctl":            pgtest.BinDir + "/pg_ctl",
		"psql":             "/usr/bin/psql",
		"pgdata":           s.Data,
		"pgport":           strconv.Itoa(s.Port),
		"pghost":           s.SocketDir,
		"socketdir":        s.SocketDir,
		"pgdb":             pgtest.DB,
		"monitor_user":     pgtest.User,
		"monitor_password": pgtest.Password,
		"monitor_sql":      "update pacemaker_monitor set last_update=current_timestamp",
	}
	agents := []struct {
		name string
		path string
	}{{"qvd", agentBin}, {"heartbeat", heartbeatPgsql}}
	wall := make([]time.Duration, len(agents))
	cpu := make([]time.Duration, len(agents))

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, a := range agents {
			w, c := monitorOnce(b, a.path, cfg)
			wall[j] += w
			cpu[j] += c
		}
	}
	b.StopTimer()
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	for j, a := range agents {
		b.ReportMetric(per(wall[j]), a.name+"-wall-ms/op")
		b.ReportMetric(per(cpu[j]), a.name+"-cpu-ms/op")
	}
	b.ReportMetric(float64(wall[1])/float64(wall[0]), "wall-ratio")
	b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "cpu-ratio")
}

func monitorOnce(b *testing.B, path string, cfg config) (wall, cpu time.Duration) {
	b.Helper()
	cmd := exec.Command(path, "monitor")
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=pg",
		"OCF_RESKEY_CRM_meta_timeout=20000", "OCF_RESKEY_CRM_meta_interval=10000"}
	for k, v := range cfg {
		cmd.Env = append(cmd.Env, "OCF_RESKEY_"+k+"="+v)
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall = time.Since(start)
	if err != nil {
		b.Fatalf("%s monitor: %v\n%s", path, err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return wall, cpu
}
