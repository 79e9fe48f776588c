package guest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// Result is what a command run in a guest produced.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

// DefaultRunTimeout applies when Run's context has no deadline.
const DefaultRunTimeout = time.Minute

// responseGrace covers the guest killing a command at its deadline
// (timeout -k 2) and sending the answer back.
const responseGrace = 5 * time.Second

// Run runs cmd with bash -c in the guest, as root, stdin empty, and waits
// for it. The guest kills the command when ctx's deadline passes (then Run
// returns an error). A non-zero exit is not an error: see ExitCode.
// Background processes a command starts keep running.
func (g *Guest) Run(ctx context.Context, cmd string) (Result, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultRunTimeout)
		defer cancel()
	}
	deadline, _ := ctx.Deadline()
	secs := int(math.Ceil(time.Until(deadline).Seconds()))
	if secs < 1 {
		return Result{}, fmt.Errorf("run %q in %s: %w", cmd, g.Name, context.DeadlineExceeded)
	}
	fields, err := g.request(ctx, "X", fmt.Sprintf("%d %s", secs, base64.StdEncoding.EncodeToString([]byte(cmd))), nil)
	if err != nil {
		return Result{}, fmt.Errorf("run %q in %s: %w", cmd, g.Name, err)
	}
	res := Result{ExitCode: fields.rc, Stdout: fields.stdout, Stderr: fields.stderr}
	// timeout(1) exits 124 when it killed the command.
	if res.ExitCode == 124 && !time.Now().Before(deadline) {
		return res, fmt.Errorf("run %q in %s: killed at the deadline: %w", cmd, g.Name, context.DeadlineExceeded)
	}
	return res, nil
}

// Output runs cmd and returns its stdout; a non-zero exit is an error that
// carries stderr.
func (g *Guest) Output(ctx context.Context, cmd string) (string, error) {
	res, err := g.Run(ctx, cmd)
	if err != nil {
		return res.Stdout, err
	}
	if res.ExitCode != 0 {
		return res.Stdout, fmt.Errorf("%s: %q exited %d: %s", g.Name, cmd, res.ExitCode, strings.TrimSpace(res.Stderr))
	}
	return res.Stdout, nil
}

// WriteFile creates or replaces path in the guest with data and mode.
func (g *Guest) WriteFile(ctx context.Context, path string, data []byte, mode os.FileMode) error {
	args := fmt.Sprintf("%d %o %s", len(data), mode.Perm(), base64.StdEncoding.EncodeToString([]byte(path)))
	fields, err := g.request(ctx, "W", args, data)
	if err != nil {
		return fmt.Errorf("write %s in %s: %w", path, g.Name, err)
	}
	if fields.rc != 0 {
		return fmt.Errorf("write %s in %s: exit %d: %s", path, g.Name, fields.rc, strings.TrimSpace(fields.stderr))
	}
	return nil
}

// CopyIn copies the host file local to path in the guest, e.g. a freshly
// built agent binary, without rebuilding the image.
func (g *Guest) CopyIn(ctx context.Context, local, path string, mode os.FileMode) error {
	data, err := os.ReadFile(local)
	if err != nil {
		return fmt.Errorf("copy into %s: %w", g.Name, err)
	}
	return g.WriteFile(ctx, path, data, mode)
}

type response struct {
	rc             int
	stdout, stderr string
}

// request sends one request line (and payload) and waits for the answer
// with the same id; answers to earlier, abandoned requests are skipped.
func (g *Guest) request(ctx context.Context, kind, args string, payload []byte) (response, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conn == nil {
		return response{}, errors.New("control channel not connected")
	}
	g.nextID++
	id := strconv.Itoa(g.nextID)
	line := kind + " " + id
	if args != "" {
		line += " " + args
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(DefaultRunTimeout)
	}
	if err := g.conn.SetWriteDeadline(deadline); err != nil {
		return response{}, fmt.Errorf("control channel: %w", err)
	}
	if _, err := g.conn.Write(append([]byte(line+"\n"), payload...)); err != nil {
		return response{}, fmt.Errorf("send request: %w", err)
	}
	wait := time.NewTimer(time.Until(deadline) + responseGrace)
	defer wait.Stop()
	done := ctx.Done()
	for {
		select {
		case l, ok := <-g.lines:
			if !ok {
				return response{}, errors.New("control channel closed")
			}
			if r, match, err := parseResponse(l, id); match || err != nil {
				return r, err
			}
		case <-wait.C:
			return response{}, fmt.Errorf("no answer: %w", context.DeadlineExceeded)
		case <-done:
			// Commands are killed in the guest at the deadline: give
			// the answer the grace period.
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return response{}, ctx.Err()
			}
			done = nil
		case <-g.exited:
			return response{}, fmt.Errorf("qemu exited: %v", g.waitErr)
		}
	}
}

// parseResponse decodes "R <id> <rc> <b64 stdout> <b64 stderr>"; match is
// false for an answer to another request.
func parseResponse(line, id string) (response, bool, error) {
	f := strings.Split(line, " ")
	if len(f) != 5 || f[0] != "R" {
		return response{}, false, nil
	}
	if f[1] != id {
		return response{}, false, nil
	}
	rc, err := strconv.Atoi(f[2])
	if err != nil {
		return response{}, true, fmt.Errorf("bad exit code in answer %q", tail(line, 200))
	}
	out, err := base64.StdEncoding.DecodeString(f[3])
	if err != nil {
		return response{}, true, fmt.Errorf("decode stdout: %w", err)
	}
	errb, err := base64.StdEncoding.DecodeString(f[4])
	if err != nil {
		return response{}, true, fmt.Errorf("decode stderr: %w", err)
	}
	return response{rc: rc, stdout: string(out), stderr: string(errb)}, true, nil
}
