package ocf

import (
	"fmt"
	"io"
	"log/syslog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
)

// Level is a log line's severity, printed as the resource-agents prefix.
type Level int

// Log levels, most severe first.
const (
	LevelError Level = iota
	LevelWarning
	LevelInfo
	LevelDebug
)

var levelNames = [...]string{"ERROR", "WARNING", "INFO", "DEBUG"}

// Logger writes in the resource-agents convention: a level prefix and the
// tag agent(instance)[pid]. Where lines go follows __ha_log and ha_debug in
// ocf-shellfuncs, so that our agents log like the shell agents beside them:
//
//   - with standard input on a terminal (an agent run by hand), to stderr
//     only;
//   - to syslog or the journal when HA_LOGFACILITY (or PCMK_logfacility)
//     names a facility other than "none";
//   - appended to HA_LOGFILE, and to HA_DEBUGLOG when that is another file;
//   - to stderr only when neither a facility nor HA_LOGFILE takes the
//     line (an HA_LOGFILE that cannot be written takes none), so that a
//     line is not logged twice: see "Logging" in the package documentation.
//
// Debug lines appear only with HA_debug set and not 0; they go to the
// facility and HA_DEBUGLOG, and to stderr when neither is set. An action
// that is traced (see trace.go) also writes every line, debug included,
// to its trace.
type Logger struct {
	tag      string
	debug    bool
	terminal bool
	stderr   io.Writer
	logFile  string
	debugLog string
	sink     func(Level, string)
	// trace receives every line; traceIsStderr when it is stderr itself,
	// which then gets no second copy.
	trace         io.Writer
	traceIsStderr bool
	mu            sync.Mutex
	nowFunc       func() time.Time
}

func newLogger(agent, instance string, pid int, getenv func(string) string, stderr io.Writer, terminal bool) *Logger {
	l := &Logger{
		tag:      fmt.Sprintf("%s(%s)[%d]", agent, instance, pid),
		debug:    getenv("HA_debug") != "" && getenv("HA_debug") != "0",
		terminal: terminal,
		stderr:   stderr,
		logFile:  getenv("HA_LOGFILE"),
		debugLog: getenv("HA_DEBUGLOG"),
		nowFunc:  time.Now,
	}
	facility := getenv("HA_LOGFACILITY")
	if facility == "" {
		facility = getenv("PCMK_logfacility")
	}
	if facility != "" && facility != "none" {
		l.sink = systemSink(agent, facility)
	}
	return l
}

// systemSink sends to the journal where journald runs, else to syslog.
func systemSink(ident, facility string) func(Level, string) {
	if journal.Enabled() {
		return func(lv Level, msg string) {
			_ = journal.Send(msg, journalPriority[lv], map[string]string{
				"SYSLOG_IDENTIFIER": ident,
				"SYSLOG_FACILITY":   fmt.Sprint(int(syslogFacility(facility)) >> 3),
			})
		}
	}
	w, err := syslog.New(syslogFacility(facility)|syslog.LOG_INFO, ident)
	if err != nil {
		return nil
	}
	return func(lv Level, msg string) {
		switch lv {
		case LevelError:
			_ = w.Err(msg)
		case LevelWarning:
			_ = w.Warning(msg)
		case LevelDebug:
			_ = w.Debug(msg)
		default:
			_ = w.Info(msg)
		}
	}
}

var journalPriority = map[Level]journal.Priority{
	LevelError:   journal.PriErr,
	LevelWarning: journal.PriWarning,
	LevelInfo:    journal.PriInfo,
	LevelDebug:   journal.PriDebug,
}

func syslogFacility(name string) syslog.Priority {
	facilities := map[string]syslog.Priority{
		"daemon": syslog.LOG_DAEMON, "user": syslog.LOG_USER, "local0": syslog.LOG_LOCAL0,
		"local1": syslog.LOG_LOCAL1, "local2": syslog.LOG_LOCAL2, "local3": syslog.LOG_LOCAL3,
		"local4": syslog.LOG_LOCAL4, "local5": syslog.LOG_LOCAL5, "local6": syslog.LOG_LOCAL6,
		"local7": syslog.LOG_LOCAL7, "authpriv": syslog.LOG_AUTHPRIV,
	}
	if f, ok := facilities[strings.ToLower(name)]; ok {
		return f
	}
	return syslog.LOG_DAEMON
}

// Errorf logs at ERROR level.
func (l *Logger) Errorf(format string, args ...any) { l.log(LevelError, format, args...) }

// Warnf logs at WARNING level.
func (l *Logger) Warnf(format string, args ...any) { l.log(LevelWarning, format, args...) }

// Infof logs at INFO level.
func (l *Logger) Infof(format string, args ...any) { l.log(LevelInfo, format, args...) }

// Debugf logs at DEBUG level, only when debugging is on.
func (l *Logger) Debugf(format string, args ...any) { l.log(LevelDebug, format, args...) }

func (l *Logger) log(lv Level, format string, args ...any) {
	l.emit(lv, fmt.Sprintf(format, args...), false)
}

// emit writes one line wherever it belongs. ignoreStderr is for a line
// whose text stderr has already (the exit reason).
func (l *Logger) emit(lv Level, text string, ignoreStderr bool) {
	msg := levelNames[lv] + ": " + text
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.nowFunc()
	if l.trace != nil {
		fmt.Fprintf(l.trace, "%s %s: %s\n", now.Format("15:04:05.000000"), l.tag, msg)
	}
	if lv == LevelDebug && !l.debug {
		return
	}
	toStderr := !ignoreStderr && !l.traceIsStderr
	if l.terminal {
		if toStderr {
			fmt.Fprintf(l.stderr, "%s: %s\n", l.tag, msg)
		}
		return
	}
	if l.sink != nil {
		l.sink(lv, l.tag+": "+msg)
	}
	file := l.logFile
	if lv == LevelDebug {
		// ha_debug writes debug lines to HA_DEBUGLOG, never HA_LOGFILE.
		file = l.debugLog
	}
	// A log file that cannot be written is as good as none: the line
	// would be lost.
	written := l.appendTo(file, now, msg)
	if toStderr && l.sink == nil && !written {
		fmt.Fprintf(l.stderr, "%s: %s\n", l.tag, msg)
	}
	if lv != LevelDebug && l.debugLog != l.logFile {
		l.appendTo(l.debugLog, now, msg)
	}
}

// appendTo appends the line to file and reports whether it did.
func (l *Logger) appendTo(file string, now time.Time, msg string) bool {
	if file == "" {
		return false
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o640)
	if err != nil {
		return false
	}
	_, err = fmt.Fprintf(f, "%s: %s %s\n", l.tag, now.Format("2006/01/02_15:04:05"), msg)
	return f.Close() == nil && err == nil
}
