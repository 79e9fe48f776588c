package switchover

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Probe makes one write attempt against the database where QVD reaches
// it; PG is the real one.
type Probe interface {
	// Write succeeds only on a writable primary.
	Write(ctx context.Context) error
	Close()
}

// PG writes through the floating IP as the QVD user, as QVD itself does,
// so that a success means QVD can write. It keeps its connection between
// attempts and opens a new one after a failure: a switch-over ends every
// connection to the old primary.
type PG struct {
	config *pgx.ConnConfig
	conn   *pgx.Conn
}

// NewPG is the probe of database db as user with password at host:port.
// The password goes into the connection's configuration only, never into
// a string an error could quote.
func NewPG(host string, port int, db, user, password string) (*PG, error) {
	cfg, err := pgx.ParseConfig("host=" + host + " port=" + strconv.Itoa(port) + " dbname=" + db + " user=" + user)
	if err != nil {
		return nil, fmt.Errorf("database connection: %w", err)
	}
	cfg.Password = password
	// One statement a connection's life at most: nothing to prepare.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	return &PG{config: cfg}, nil
}

// Write runs a transaction that must write: txid_current() assigns a
// transaction id, which a read-only standby or a database shutting down
// refuses.
func (p *PG) Write(ctx context.Context) error {
	if p.conn == nil {
		conn, err := pgx.ConnectConfig(ctx, p.config)
		if err != nil {
			return fmt.Errorf("connect to %s: %w", p.config.Host, err)
		}
		p.conn = conn
	}
	var id int64
	if err := p.conn.QueryRow(ctx, "select txid_current()").Scan(&id); err != nil {
		p.Close()
		return fmt.Errorf("write through %s: %w", p.config.Host, err)
	}
	return nil
}

// Close ends the connection, bounded even when the server has gone.
func (p *PG) Close() {
	if p.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	p.conn.Close(ctx)
	p.conn = nil
}

// sample is one write attempt: when it ended and whether it wrote.
type sample struct {
	at time.Time
	ok bool
}

// timeline records the write attempts of one switch-over.
type timeline struct {
	mu      sync.Mutex
	start   time.Time
	samples []sample
}

func (l *timeline) add(s sample) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.samples = append(l.samples, s)
}

// wroteSince says whether an attempt that ended after t wrote.
func (l *timeline) wroteSince(t time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.samples) - 1; i >= 0 && l.samples[i].at.After(t); i-- {
		if l.samples[i].ok {
			return true
		}
	}
	return false
}

// unavailability is how long writes were refused: from the last write
// before the first failed attempt to the first write after it. failed is
// false when no attempt failed (the switch fell between two attempts, or
// the probe never wrote again).
func (l *timeline) unavailability() (d time.Duration, failed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	last := l.start
	for i, s := range l.samples {
		if s.ok {
			last = s.at
			continue
		}
		for _, after := range l.samples[i+1:] {
			if after.ok {
				return after.at.Sub(last), true
			}
		}
		return 0, false
	}
	return 0, false
}

// probeLoop writes every interval, each attempt within attempt, until ctx
// ends, recording each attempt in l.
func probeLoop(ctx context.Context, p Probe, every, attempt time.Duration, now func() time.Time, l *timeline) {
	defer p.Close()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		actx, cancel := context.WithTimeout(ctx, attempt)
		err := p.Write(actx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		l.add(sample{at: now(), ok: err == nil})
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
