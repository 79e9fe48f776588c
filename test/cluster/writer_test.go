//go:build root

package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/qvd-ha/qvd-ha/test/pgtest"
)

// TestWriterThroughNamespace runs PostgreSQL inside a network namespace,
// listening on that namespace's loopback only, and the writer against it:
// the host's 127.0.0.1 has nothing on the port, so every write proves the
// dial happened inside. The server is stopped, crashes, then hangs; every
// acknowledged row must survive, and the report must show the outages.
func TestWriterThroughNamespace(t *testing.T) {
	requireRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := &nsPostgres{t: t, pg: pgtest.New(t), ns: newNetns(t, "qvdwriter")}
	pg := srv.pg
	srv.start(ctx)
	addr := fmt.Sprintf("127.0.0.1:%d", pg.Port)
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s answers in the host's namespace: the test would prove nothing", addr)
	}

	dsn := fmt.Sprintf("host=127.0.0.1 port=%d user=%s password=%s dbname=%s sslmode=disable",
		pg.Port, pgtest.User, pgtest.Password, pgtest.DB)
	w, err := StartWriter(ctx, srv.ns, dsn, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop() })
	waitAcks := func(after time.Time, n int) Ack {
		t.Helper()
		var last Ack
		for i := 0; i < n; i++ {
			a, err := w.WaitAckAfter(ctx, after)
			if err != nil {
				t.Fatalf("%v; failures: %v", err, w.Report().Failures)
			}
			last, after = a, a.At
		}
		return last
	}
	waitFailure := func(after time.Time) {
		t.Helper()
		for {
			for _, f := range w.Report().Failures {
				if f.At.After(after) {
					return
				}
			}
			select {
			case <-ctx.Done():
				t.Fatalf("no write failed after %s", after.Format(stampFormat))
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	waitAcks(time.Now(), 5)

	// A clean stop: nothing can be acknowledged between the end of the
	// shutdown and the start of the server.
	pg.Stop()
	srv.waitExited(ctx)
	stopped := time.Now()
	waitFailure(stopped)
	restarted := time.Now()
	srv.start(ctx)
	back := waitAcks(restarted, 1)
	t.Logf("stopped → writes accepted again: %s", back.At.Sub(stopped).Round(time.Millisecond))

	// A crash: backends may still commit until they notice the postmaster's
	// death, hence the outage counts from when they are all gone.
	waitAcks(back.At, 5)
	if err := syscall.Kill(pg.PostmasterPID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.waitExited(ctx)
	for len(pg.Processes()) > 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("PostgreSQL processes %v survive the postmaster", pg.Processes())
		case <-time.After(20 * time.Millisecond):
		}
	}
	crashed := time.Now()
	waitFailure(crashed)
	recovering := time.Now()
	srv.start(ctx)
	recovered := waitAcks(recovering, 1)
	t.Logf("crashed → writes accepted again: %s", recovered.At.Sub(crashed).Round(time.Millisecond))
	waitAcks(recovered.At, 5)

	// A hung server: the attempt under way gives up at its deadline.
	frozenProcs := pg.Processes()
	for _, pid := range frozenProcs {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
	}
	frozen := time.Now()
	waitFailure(frozen)
	for _, f := range w.Report().Failures {
		if !f.At.After(frozen) {
			continue
		}
		if !pgconn.Timeout(f.Err) && !errors.Is(f.Err, context.DeadlineExceeded) {
			t.Errorf("row %d against a hung server: %v, want a timeout", f.N, f.Err)
		}
		// Scheduling on a loaded machine may add to the deadline, not a
		// multiple of it.
		if waited := f.At.Sub(frozen); waited > WriteTimeout+time.Second {
			t.Errorf("row %d given up %s after the server hung, deadline %s", f.N, waited, WriteTimeout)
		}
		break
	}
	for _, pid := range frozenProcs {
		if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
	}
	waitAcks(time.Now(), 5)

	rep := w.Stop()
	for _, outage := range []struct {
		name     string
		from, to time.Time
	}{{"stop", stopped, restarted}, {"crash", crashed, recovering}} {
		if a, ok := rep.FirstAckAfter(outage.from); !ok || a.At.Before(outage.to) {
			t.Errorf("row %d acknowledged at %s, while the server was down (%s)", a.N, a.At.Format(stampFormat), outage.name)
		}
	}
	gap, ok := rep.LongestGap()
	if !ok || gap.Len() < restarted.Sub(stopped) || gap.Len() < recovering.Sub(crashed) {
		t.Errorf("longest gap %s, shorter than an outage", gap.Len())
	}
	t.Logf("%d rows acknowledged, %d attempts failed, longest gap %s (rows %d→%d)",
		len(rep.Acks), len(rep.Failures), gap.Len().Round(time.Millisecond), gap.From.N, gap.To.N)
	if len(rep.Failures) < 2 {
		t.Errorf("%d failures recorded, want one per outage at least", len(rep.Failures))
	}

	conn, err := w.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := rep.Verify(ctx, conn); err != nil {
		t.Fatal(err)
	}
	// A later writer numbers on from the rows already there.
	next, err := StartWriter(ctx, srv.ns, dsn, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := next.WaitAckAfter(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	nextRep := next.Stop()
	if first, last := nextRep.Acks[0].N, rep.Acks[len(rep.Acks)-1].N; first <= last {
		t.Errorf("the second writer's first row is %d, the first writer's last %d", first, last)
	}
	if err := nextRep.Verify(ctx, conn); err != nil {
		t.Fatal(err)
	}
	// Lost commits are named.
	lost := []int64{rep.Acks[1].N, rep.Acks[2].N, rep.Acks[4].N}
	if _, err := conn.Exec(ctx, "delete from writes where n = any($1)", lost); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("3 of %d acknowledged rows are missing: n = %s", len(rep.Acks), ranges(lost))
	if err := rep.Verify(ctx, conn); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("verify after losing rows %v: %v, want %q", lost, err, want)
	}
}

// nsPostgres runs a pgtest server inside a network namespace, as a child of
// the test, which reaps it: started by pg_ctl, a postmaster killed with
// SIGKILL would wait as a zombie for the host's init, and its pid, still
// taken, would make the next start refuse the lock file.
type nsPostgres struct {
	t      *testing.T
	pg     *pgtest.Server
	ns     string
	exited chan struct{} // closed when the running server's process ends
}

// start starts the server and waits until it accepts connections.
func (s *nsPostgres) start(ctx context.Context) {
	s.t.Helper()
	log, err := os.OpenFile(s.pg.Log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command("ip", "netns", "exec", s.ns,
		"setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--",
		filepath.Join(pgtest.BinDir, "postgres"), "-D", s.pg.Data)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	s.exited = exited
	// The socket directory is outside any network namespace.
	dsn := fmt.Sprintf("host=%s port=%d user=postgres dbname=postgres", s.pg.SocketDir, s.pg.Port)
	for {
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			conn.Close(ctx)
			return
		}
		select {
		case <-exited:
			raw, _ := os.ReadFile(s.pg.Log)
			s.t.Fatalf("the server exited at start:\n%s", raw)
		case <-ctx.Done():
			s.t.Fatalf("the server does not accept connections: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitExited waits until the server's process has ended and been reaped.
func (s *nsPostgres) waitExited(ctx context.Context) {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-ctx.Done():
		s.t.Fatal("the server's process does not end")
	}
}
