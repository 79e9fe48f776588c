package fencing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/boolean"
)

// Type is an option's content type in meta-data.
type Type string

// The content types metadata.rng accepts.
const (
	String  Type = "string"
	Boolean Type = "boolean"
	Integer Type = "integer"
	Second  Type = "second"
	Select  Type = "select"
)

// Option declares one fence-agents option. The declaration is the single
// source of truth: stdin and argv parsing, validation, meta-data and the man
// page all come from it.
type Option struct {
	// Name is the stdin name, e.g. "plug". Its long option is the same with
	// '-' for '_' ("--password-script") unless Long says otherwise.
	Name string
	Long string
	// Obsoletes is the old name this option replaces ("port" for "plug").
	// It is still accepted and appears in meta-data with deprecated="1".
	Obsoletes string
	// Letter is the short getopt flag, 0 for none.
	Letter rune
	// Arg names the value in usage text ("id" gives "--plug=[id]"). Boolean
	// options take none.
	Arg      string
	Type     Type
	Default  string
	Choices  []string // for Select
	Required bool
	// Secret values are never printed, logged or put in error messages.
	Secret    bool
	Shortdesc string
	// Longdesc goes into the man page only: metadata.rng has no room for it.
	Longdesc string
	// Ignored, when not empty, is why the option is accepted but has no
	// effect (an upstream twin's option that means nothing here). It is
	// shown in meta-data and the man page, and reported by validate-all
	// when the option is set, so that a configuration copied from the twin
	// is neither rejected by crmsh nor silently misread.
	Ignored string
}

func (o Option) long() string {
	if o.Long != "" {
		return o.Long
	}
	return strings.ReplaceAll(o.Name, "_", "-")
}

// shortdesc is what meta-data and the man page show: metadata.rng gives a
// parameter no longdesc, so an ignored option says so here.
func (o Option) shortdesc() string {
	if o.Ignored == "" {
		return o.Shortdesc
	}
	return o.Shortdesc + " (accepted and ignored: " + o.Ignored + ")"
}

// getopt renders the option the way fence-agents' meta-data does:
// "-n, --plug=[id]".
func (o Option) getopt() string {
	var b strings.Builder
	if o.Letter != 0 {
		fmt.Fprintf(&b, "-%c, ", o.Letter)
	}
	b.WriteString("--" + o.long())
	if o.Type != Boolean {
		arg := o.Arg
		if arg == "" {
			arg = "value"
		}
		b.WriteString("=[" + arg + "]")
	}
	return b.String()
}

// check reports whether value fits the option's type.
func (o Option) check(value string) error {
	switch o.Type {
	case Boolean:
		if _, err := boolean.FenceAgents.Parse(value); err != nil {
			return err
		}
	case Integer:
		if _, err := strconv.Atoi(value); err != nil {
			return fmt.Errorf("%q is not an integer", value)
		}
	case Second:
		if _, err := parseSeconds(value); err != nil {
			return err
		}
	case Select:
		if !slices.Contains(o.Choices, value) {
			return fmt.Errorf("%q is not one of %s", value, strings.Join(o.Choices, ", "))
		}
	}
	return nil
}

// parseSeconds accepts fractions because tests and impatient users want
// sub-second polling; fence-agents itself only writes integers.
func parseSeconds(s string) (time.Duration, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || f > 1e6 {
		return 0, fmt.Errorf("%q is not a number of seconds", s)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// Options shared by many agents, spelled as in fence-agents. An agent lists
// the ones it uses in Agent.Options.
var (
	Plug = Option{Name: "plug", Obsoletes: "port", Letter: 'n', Arg: "id", Type: String, Required: true,
		Shortdesc: "Physical plug number on device, UUID or identification of machine"}
	IP = Option{Name: "ip", Obsoletes: "ipaddr", Letter: 'a', Arg: "ip", Type: String,
		Shortdesc: "IP address or hostname of fencing device"}
	IPPort = Option{Name: "ipport", Letter: 'u', Arg: "port", Type: Integer,
		Shortdesc: "TCP/UDP port to use for connection with device"}
	Username = Option{Name: "username", Obsoletes: "login", Letter: 'l', Arg: "name", Type: String,
		Shortdesc: "Login name"}
	Password = Option{Name: "password", Obsoletes: "passwd", Letter: 'p', Arg: "password", Type: String,
		Secret: true, Shortdesc: "Login password or passphrase",
		Longdesc: "Give it on standard input rather than with -p: command lines are visible to every local user."}
	PasswordScript = Option{Name: "password_script", Obsoletes: "passwd_script", Letter: 'S', Arg: "script",
		Type: String, Shortdesc: "Script to run to retrieve password",
		Longdesc: "Run with /bin/sh -c under login_timeout; the first line it prints is the password."}
	PasswordFile = Option{Name: "password_file", Arg: "filename", Type: String,
		Shortdesc: "File whose first line is the password"}
	IdentityFile = Option{Name: "identity_file", Letter: 'k', Arg: "filename", Type: String,
		Shortdesc: "Identity file (private key) for SSH"}
	SSLInsecure = Option{Name: "ssl_insecure", Type: Boolean,
		Shortdesc: "Use SSL connection without verifying certificate"}
)

// The runtime's own options: every agent has them.
var (
	actionOpt = Option{Name: "action", Letter: 'o', Arg: "action", Type: String, Default: "reboot", Required: true,
		Shortdesc: "Fencing action"}
	delayOpt = Option{Name: "delay", Arg: "seconds", Type: Second, Default: "0",
		Shortdesc: "Wait X seconds before fencing is started",
		Longdesc:  "Applies to off and reboot only, before the device is contacted. In a two-node cluster give one node's device a delay so that the nodes do not shoot each other."}
	loginTimeoutOpt = Option{Name: "login_timeout", Arg: "seconds", Type: Second, Default: "5",
		Shortdesc: "Wait X seconds for the device to accept the connection"}
	shellTimeoutOpt = Option{Name: "shell_timeout", Arg: "seconds", Type: Second, Default: "3",
		Shortdesc: "Wait X seconds for the device to answer a request"}
	powerTimeoutOpt = Option{Name: "power_timeout", Arg: "seconds", Type: Second, Default: "20",
		Shortdesc: "Test X seconds for status change after ON/OFF"}
	powerWaitOpt = Option{Name: "power_wait", Arg: "seconds", Type: Second, Default: "0",
		Shortdesc: "Wait X seconds after issuing ON/OFF"}
	statusSleepOpt = Option{Name: "stonith_status_sleep", Arg: "seconds", Type: Second, Default: "1",
		Shortdesc: "Sleep X seconds between status calls during a STONITH action"}
	retryOnOpt = Option{Name: "retry_on", Arg: "attempts", Type: Integer, Default: "1",
		Shortdesc: "Count of attempts to retry power on",
		Longdesc: "As in fence-agents: on tries 1 + retry_on times, the on half of reboot tries retry_on times " +
			"(0: reboot only powers off), off tries once. A try is the request, power_wait, then polling until " +
			"power_timeout."}
	disableTimeoutOpt = Option{Name: "disable_timeout", Arg: "true/false", Type: String,
		Shortdesc: "Disable timeout (true/false) (default: true when run from Pacemaker 2.0+)",
		Longdesc:  "When true, login_timeout, shell_timeout and power_timeout no longer bound single steps; the whole action is bounded by fencer_timeout instead."}
	fencerTimeoutOpt = Option{Name: "fencer_timeout", Arg: "seconds", Type: Second, Default: "60",
		Shortdesc: "The fencer's timeout for this device (pcmk_reboot_timeout)",
		Longdesc:  "Used when timeouts are disabled (under Pacemaker): the agent gives up with a reason a little before the fencer would kill it. Set it to the device's pcmk_reboot_timeout or stonith-timeout when those differ from 60."}
	missingAsOffOpt = Option{Name: "missing_as_off", Type: Boolean,
		Shortdesc: "Missing port returns OFF instead of failure"}
	plugSeparatorOpt = Option{Name: "plug_separator", Arg: "char", Type: String, Default: ",",
		Shortdesc: "Separator for plug parameter when specifying more than 1 plug",
		Longdesc: "Every plug is acted on. status is ON when any plug is ON; on, off and reboot succeed only when " +
			"every plug reached the state, so the result is the worst of the plugs. Unlike fence-agents, on " +
			"powers on the plugs that are off even when another is ON (fence-agents answers Already ON). An " +
			"empty separator turns splitting off, for plug names that contain a comma."}
	separatorOpt = Option{Name: "separator", Letter: 'C', Arg: "char", Type: String, Default: ",",
		Shortdesc: "Separator for CSV created by 'list' operation"}
	verboseOpt = Option{Name: "verbose", Letter: 'v', Type: Boolean,
		Shortdesc: "Verbose mode",
		Longdesc:  "Debug output goes to standard error (the fencer's log). -v may be stacked (-vv) to raise verbose_level."}
	verboseLevelOpt = Option{Name: "verbose_level", Arg: "level", Type: Integer,
		Shortdesc: "Level of debugging detail in output",
		Longdesc: "Defaults to the number of -v flags on the command line, or 1 when verbose=1 is given on standard " +
			"input. 1 logs the action, its deadlines and every failed try; 2 adds every status answer of the " +
			"device. 0 turns verbose off."}
	quietOpt = Option{Name: "quiet", Letter: 'q', Type: Boolean,
		Shortdesc: "Disable logging to stderr",
		Longdesc: "Warnings and the Failed: reason then go to syslog (facility daemon) instead, as in " +
			"fence-agents, and to debug_file if given: the fencer's own log no longer says why fencing failed. " +
			"Verbose output goes to debug_file only."}
	versionOpt = Option{Name: "version", Letter: 'V', Type: Boolean,
		Shortdesc: "Display version information and exit"}
	debugFileOpt = Option{Name: "debug_file", Obsoletes: "debug", Letter: 'D', Arg: "debugfile", Type: String,
		Shortdesc: "Write debug information to given file"}
	helpOpt = Option{Name: "help", Letter: 'h', Type: Boolean,
		Shortdesc: "Display help and exit"}
)

// Names Pacemaker's fencer always sends that no agent declares.
var fencerNames = []string{"nodename", "nodeid"}
