package cluster

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qvd-ha/qvd-ha/internal/netns"
)

// WriteTimeout bounds each connection attempt and each insert of the
// Writer: a server that is gone is noticed within it.
const WriteTimeout = time.Second

// Writer inserts numbered rows, one per attempt, from inside a network
// namespace (the client's), and records which commits were acknowledged.
type Writer struct {
	cfg    *pgx.ConnConfig
	every  time.Duration
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	report WriteReport
	acked  chan struct{} // closed, and replaced, at each acknowledgement
}

// Ack is an acknowledged commit of row N.
type Ack struct {
	N  int64
	At time.Time // when the commit returned
}

// Failure is an attempt to write row N that was not acknowledged: the row
// may or may not have been committed.
type Failure struct {
	N   int64
	At  time.Time
	Err error
}

// WriteReport is what a Writer saw, in the order it happened.
type WriteReport struct {
	Acks     []Ack
	Failures []Failure
}

// StartWriter connects, from inside the network namespace netnsName (an
// `ip netns` name), creates the table writes if it is missing, and starts
// writing rows numbered on from the highest already there, one attempt
// every interval, reconnecting after each failure. The DSN's host must be
// an IP address (no name is resolved inside the namespace), e.g.
// "host=192.0.2.10 port=5432 user=qvd password=... dbname=qvddb sslmode=disable".
// The writer runs until ctx ends or Stop is called.
func StartWriter(ctx context.Context, netnsName, dsn string, every time.Duration) (*Writer, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("writer: %w", err)
	}
	hosts := []string{cfg.Host}
	for _, fb := range cfg.Fallbacks {
		hosts = append(hosts, fb.Host)
	}
	for _, h := range hosts {
		if _, err := netip.ParseAddr(h); err != nil {
			return nil, fmt.Errorf("writer: host %q is not an IP address", h)
		}
	}
	cfg.ConnectTimeout = WriteTimeout
	cfg.DialFunc = dialFrom(netnsName)
	w := &Writer{cfg: cfg, every: every, done: make(chan struct{}), acked: make(chan struct{})}
	conn, err := w.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("writer: %w", err)
	}
	// Rows of earlier writers stay, for their own checks; this one's
	// numbers follow theirs.
	var last int64
	_, err = conn.Exec(ctx, "create table if not exists writes (n bigint primary key, at timestamptz default now())")
	if err == nil {
		err = conn.QueryRow(ctx, "select coalesce(max(n), 0) from writes").Scan(&last)
	}
	if err != nil {
		_ = conn.Close(ctx)
		return nil, fmt.Errorf("writer: prepare table writes: %w", err)
	}
	ctx, w.cancel = context.WithCancel(ctx)
	go w.run(ctx, conn, last+1)
	return w, nil
}

// Connect opens a connection the way the writer does, from inside its
// namespace: for reading the rows back.
func (w *Writer) Connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, w.cfg)
	if err != nil {
		return nil, fmt.Errorf("connect from namespace: %w", err)
	}
	return conn, nil
}

func (w *Writer) run(ctx context.Context, conn *pgx.Conn, first int64) {
	defer close(w.done)
	defer func() {
		if conn != nil {
			closeCtx, cancel := context.WithTimeout(context.Background(), WriteTimeout)
			defer cancel()
			_ = conn.Close(closeCtx)
		}
	}()
	next := time.Now()
	for n := first; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		next = time.Now().Add(w.every)
		var err error
		conn, err = w.write(ctx, conn, n)
		w.mu.Lock()
		if err == nil {
			w.report.Acks = append(w.report.Acks, Ack{N: n, At: time.Now()})
			close(w.acked)
			w.acked = make(chan struct{})
		} else {
			w.report.Failures = append(w.report.Failures, Failure{N: n, At: time.Now(), Err: err})
		}
		w.mu.Unlock()
	}
}

// write inserts row n, connecting first if there is no connection, and
// returns the connection to use next: none after a failure, so that the
// next attempt starts afresh (the server may have moved).
func (w *Writer) write(ctx context.Context, conn *pgx.Conn, n int64) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, WriteTimeout)
	defer cancel()
	if conn == nil {
		var err error
		if conn, err = w.Connect(ctx); err != nil {
			return nil, err
		}
	}
	// Outside a transaction the insert commits before Exec returns.
	if _, err := conn.Exec(ctx, "insert into writes (n) values ($1)", n); err != nil {
		_ = conn.Close(ctx)
		return nil, fmt.Errorf("insert %d: %w", n, err)
	}
	return conn, nil
}

// Stop ends the writer and returns what it saw. An insert under way is
// abandoned and counts as a failure.
func (w *Writer) Stop() WriteReport {
	w.cancel()
	<-w.done
	return w.Report()
}

// Report is what the writer saw so far.
func (w *Writer) Report() WriteReport {
	w.mu.Lock()
	defer w.mu.Unlock()
	return WriteReport{
		Acks:     append([]Ack(nil), w.report.Acks...),
		Failures: append([]Failure(nil), w.report.Failures...),
	}
}

// WaitAckAfter waits for the first acknowledgement later than t: the
// moment writes were accepted again after a fault at t.
func (w *Writer) WaitAckAfter(ctx context.Context, t time.Time) (Ack, error) {
	for {
		w.mu.Lock()
		ack, found := w.report.FirstAckAfter(t)
		acked := w.acked
		w.mu.Unlock()
		if found {
			return ack, nil
		}
		select {
		case <-ctx.Done():
			return Ack{}, fmt.Errorf("no write acknowledged after %s: %w", t.Format(stampFormat), ctx.Err())
		case <-w.done:
			return Ack{}, fmt.Errorf("no write acknowledged after %s: the writer stopped", t.Format(stampFormat))
		case <-acked:
		}
	}
}

// FirstAckAfter is the first acknowledgement later than t.
func (r WriteReport) FirstAckAfter(t time.Time) (Ack, bool) {
	i := sort.Search(len(r.Acks), func(i int) bool { return r.Acks[i].At.After(t) })
	if i == len(r.Acks) {
		return Ack{}, false
	}
	return r.Acks[i], true
}

// Gap is the time between two consecutive acknowledgements.
type Gap struct{ From, To Ack }

// Len is how long no write was acknowledged.
func (g Gap) Len() time.Duration { return g.To.At.Sub(g.From.At) }

// LongestGap is the longest time between consecutive acknowledgements;
// false when there are fewer than two.
func (r WriteReport) LongestGap() (Gap, bool) {
	if len(r.Acks) < 2 {
		return Gap{}, false
	}
	longest := Gap{r.Acks[0], r.Acks[1]}
	for i := 2; i < len(r.Acks); i++ {
		if g := (Gap{r.Acks[i-1], r.Acks[i]}); g.Len() > longest.Len() {
			longest = g
		}
	}
	return longest, true
}

// Verify reads the table back through conn and fails, listing them, if any
// acknowledged row is missing: a commit the database confirmed and lost.
func (r WriteReport) Verify(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, "select n from writes")
	if err != nil {
		return fmt.Errorf("read writes back: %w", err)
	}
	present, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("read writes back: %w", err)
	}
	if missing := missingAcks(r.Acks, present); len(missing) > 0 {
		return fmt.Errorf("%d of %d acknowledged rows are missing: n = %s", len(missing), len(r.Acks), ranges(missing))
	}
	return nil
}

// missingAcks lists, in order, the acknowledged rows not in present.
func missingAcks(acks []Ack, present []int64) []int64 {
	have := make(map[int64]bool, len(present))
	for _, n := range present {
		have[n] = true
	}
	var missing []int64
	for _, a := range acks {
		if !have[a.N] {
			missing = append(missing, a.N)
		}
	}
	return missing
}

// ranges writes ascending numbers compactly and completely: "3-7, 9".
func ranges(ns []int64) string {
	var parts []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		part := strconv.FormatInt(ns[i], 10)
		if j > i {
			part += "-" + strconv.FormatInt(ns[j], 10)
		}
		parts = append(parts, part)
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// dialFrom returns a dial function whose connections are made from inside
// the named network namespace. A socket belongs for its whole life to the
// namespace of the thread that created it, so only the dial needs the
// namespace.
func dialFrom(name string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var conn net.Conn
		err := netns.DoNamed(name, func() (err error) {
			var d net.Dialer
			conn, err = d.DialContext(ctx, network, addr)
			return err
		})
		return conn, err
	}
}
