package status

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// PG reads pacemaker_monitor over the local socket as the QVD role. Root
// needs no password there: the bootstrap's pg_hba.conf and pg_ident.conf
// map root to that role with peer authentication (the pgsql monitor's own
// way in). Another user needs ~/.pgpass or PGPASSWORD.
type PG struct {
	Config *pgx.ConnConfig
}

// NewPG is the connection to database db as role user on the socket in
// socketDir, port port.
func NewPG(socketDir string, port int, db, user string) (*PG, error) {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d dbname=%s user=%s", socketDir, port, db, user))
	if err != nil {
		return nil, fmt.Errorf("database connection: %w", err)
	}
	// One query a connection: no statement cache to prepare.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	return &PG{Config: cfg}, nil
}

// MonitorAge is how long ago last_update was written, by the database's
// own clock, so that the node's clock does not enter into it.
func (p *PG) MonitorAge(ctx context.Context) (time.Duration, error) {
	conn, err := pgx.ConnectConfig(ctx, p.Config)
	if err != nil {
		return 0, fmt.Errorf("database %s: %w", p.Config.Database, err)
	}
	defer func() {
		// Closing says goodbye to the server: bounded, even when ctx has
		// expired.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		conn.Close(ctx)
	}()
	var secs *float64
	err = conn.QueryRow(ctx, "SELECT extract(epoch FROM now() - max(last_update))::float8 FROM pacemaker_monitor").Scan(&secs)
	if err != nil {
		return 0, fmt.Errorf("database %s: pacemaker_monitor: %w", p.Config.Database, err)
	}
	if secs == nil {
		return 0, fmt.Errorf("database %s: pacemaker_monitor has no row (db-init writes one)", p.Config.Database)
	}
	return time.Duration(*secs * float64(time.Second)), nil
}
