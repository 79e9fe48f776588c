package ocf

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/boolean"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Tracing follows ocf_start_trace in resource-agents' ocf-shellfuncs, so
// that `crm resource trace` works as it does for the shell agents. crmsh
// 4.4 sets trace_ra=1 (and trace_dir when given) as instance attributes of
// the traced operations, which Pacemaker passes as OCF_RESKEY_trace_ra and
// OCF_RESKEY_trace_dir; crmsh checks a primitive's parameters against the
// meta-data but not an operation's, so the agents need not declare them.
// crm_resource -VV sets OCF_TRACE_RA=1 and OCF_TRACE_FILE=/dev/stderr.
//
// A shell agent's trace is its `set -x` output; ours is what an
// administrator needs from it: the environment, every log line of the
// action (debug included), every external command with its arguments, exit
// status and output, and the action's result.

// defaultVarLib is HA_VARLIB as resource-agents' ocf-directories sets it.
const defaultVarLib = "/var/lib/heartbeat"

// traceOn reports whether this action is traced: OCF_TRACE_RA, else the
// trace_ra parameter, true as ocf_is_true reads it.
func traceOn(getenv func(string) string) bool {
	v := getenv("OCF_TRACE_RA")
	if v == "" {
		v = getenv("OCF_RESKEY_trace_ra")
	}
	return boolean.OCFShell.IsTrue(v)
}

// traceDest is where the trace goes: OCF_TRACE_FILE when it names a file
// descriptor (3 to 9) or an absolute path, else
// <trace_dir>/<type>/<instance>.<action>.<date>. An empty dest means
// stderr: with standard input on a terminal, as ocf-shellfuncs does. A
// non-empty warning says why OCF_TRACE_FILE was not used.
func traceDest(getenv func(string) string, agent, instance, action string, terminal bool, now time.Time) (dest, warning string) {
	switch file := getenv("OCF_TRACE_FILE"); {
	case len(file) == 1 && file >= "3" && file <= "9":
		return "/proc/self/fd/" + file, ""
	case strings.HasPrefix(file, "/") && strings.Contains(file[1:], "/"):
		return file, ""
	case file != "":
		warning = "OCF_TRACE_FILE must be set to either FD (open for writing) or absolute file path"
	}
	if terminal {
		return "", warning
	}
	dir := getenv("OCF_RESKEY_trace_dir")
	if dir == "" {
		varlib := getenv("HA_VARLIB")
		if varlib == "" {
			varlib = defaultVarLib
		}
		dir = filepath.Join(varlib, "trace_ra")
	}
	typ := getenv("OCF_RESOURCE_TYPE")
	if typ == "" {
		typ = agent
	}
	// date +%F.%T, as ocf_default_trace_dest names the file.
	return filepath.Join(dir, typ, instance+"."+action+"."+now.Format("2006-01-02.15:04:05")), warning
}

// startTrace points log's trace at the action's trace and writes the
// environment there. It returns a function that closes the trace; a trace
// that cannot be opened is logged and the action runs untraced.
func (d *Dispatcher) startTrace(a *Agent, action, instance string, getenv func(string) string, log *Logger) (closeTrace func()) {
	closeTrace = func() {}
	if !traceOn(getenv) {
		return closeTrace
	}
	dest, warning := traceDest(getenv, a.Name, instance, action, d.Terminal, time.Now())
	if warning != "" {
		log.Warnf("%s", warning)
	}
	switch dest {
	case "", "/dev/stderr":
		log.trace, log.traceIsStderr = d.Stderr, true
	default:
		f, err := openTrace(dest)
		if err != nil {
			log.Warnf("%s not writable, trace not going to happen: %v", dest, err)
			return closeTrace
		}
		log.trace = f
		closeTrace = func() {
			log.mu.Lock()
			defer log.mu.Unlock()
			log.trace = nil
			f.Close()
		}
	}
	writeEnvironment(log.trace, d.Env, a.Params)
	return closeTrace
}

// openTrace creates the trace file and its directory. A descriptor handed
// over by the caller is appended to, never truncated.
func openTrace(dest string) (*os.File, error) {
	if strings.HasPrefix(dest, "/proc/self/fd/") {
		return os.OpenFile(dest, os.O_WRONLY|os.O_APPEND, 0)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return nil, fmt.Errorf("trace directory: %w", err)
	}
	// 0600: the environment holds the resource's parameters.
	return os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
}

// writeEnvironment writes the sorted environment, with the values of
// Secret parameters hidden.
func writeEnvironment(w io.Writer, env []string, params []Param) {
	secret := map[string]bool{}
	for _, p := range params {
		if p.Secret {
			secret["OCF_RESKEY_"+p.Name] = true
		}
	}
	lines := make([]string, 0, len(env))
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); secret[k] && v != "" {
			kv = k + "=(value hidden)"
		}
		lines = append(lines, kv)
	}
	slices.Sort(lines)
	fmt.Fprintf(w, "environment:\n\t%s\n", strings.Join(lines, "\n\t"))
}

// traced logs every external command at debug level: its arguments, how
// it ended and what it printed. Commands carry no secrets in their
// arguments (see runner.Cmd); their environment and input are not logged.
func traced(r runner.Runner, log *Logger) runner.Runner {
	return runner.Func(func(ctx context.Context, cmd runner.Cmd) (runner.Result, error) {
		start := time.Now()
		how := ""
		if cmd.Credential != nil {
			how += fmt.Sprintf(" as uid %d gid %d", cmd.Credential.Uid, cmd.Credential.Gid)
		}
		if cmd.Dir != "" {
			how += " in " + cmd.Dir
		}
		log.Debugf("running %s%s", cmd, how)
		res, err := r.Run(ctx, cmd)
		took := time.Since(start).Round(time.Millisecond)
		if err != nil {
			log.Debugf("%s failed after %s: %v", cmd.Path, took, err)
		} else {
			log.Debugf("%s exited with status %d after %s", cmd.Path, res.ExitCode, took)
		}
		if len(res.Stdout) > 0 {
			log.Debugf("%s stdout: %q", cmd.Path, res.Stdout)
		}
		if len(res.Stderr) > 0 {
			log.Debugf("%s stderr: %q", cmd.Path, res.Stderr)
		}
		return res, err
	})
}
