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
// tag agent(instance)[pid]. Lines go to stderr (Pacemaker's executor logs an
// agent's stderr), to syslog or the journal when HA_LOGFACILITY names a
// facility, and appended to HA_LOGFILE when that is set. Debug lines appear
// only with HA_debug set (and not 0, as resource-agents reads it) or
// OCF_TRACE_RA=1.
type Logger struct {
	tag     string
	debug   bool
	stderr  io.Writer
	file    string
	sink    func(Level, string)
	mu      sync.Mutex
	nowFunc func() time.Time
}

func newLogger(agent, instance string, pid int, getenv func(string) string, stderr io.Writer) *Logger {
	l := &Logger{
		tag:     fmt.Sprintf("%s(%s)[%d]", agent, instance, pid),
		debug:   (getenv("HA_debug") != "" && getenv("HA_debug") != "0") || getenv("OCF_TRACE_RA") == "1",
		stderr:  stderr,
		file:    getenv("HA_LOGFILE"),
		nowFunc: time.Now,
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
	if lv == LevelDebug && !l.debug {
		return
	}
	msg := levelNames[lv] + ": " + fmt.Sprintf(format, args...)
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.stderr, "%s: %s\n", l.tag, msg)
	if l.sink != nil {
		l.sink(lv, l.tag+": "+msg)
	}
	if l.file != "" {
		if f, err := os.OpenFile(l.file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o640); err == nil {
			fmt.Fprintf(f, "%s: %s %s\n", l.tag, l.nowFunc().Format("2006/01/02_15:04:05"), msg)
			f.Close()
		}
	}
}
