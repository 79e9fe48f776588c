package ocf

import (
	"fmt"
	"io"
	"strings"

	"github.com/qvd-ha/qvd-ha/internal/roff"
)

// WriteManPage writes the roff man page ocf_qvd_<agent>(7), generated from
// the same declarations as the meta-data.
func (a *Agent) WriteManPage(w io.Writer) error {
	var b strings.Builder
	page := "ocf_qvd_" + a.Name
	fmt.Fprintf(&b, ".TH %s 7 \"\" \"qvd-ha %s\" \"OCF resource agents\"\n", strings.ToUpper(page), roff.Arg(a.Version))
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", page, roff.Escape(a.Short))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.B /usr/lib/ocf/resource.d/qvd/%s\n.I action\n", a.Name)
	fmt.Fprintf(&b, ".PP\n.B crm configure primitive\n.I name\n.BI ocf:qvd: %s\n.B params\n.IR param = value ...\n", a.Name)
	fmt.Fprintf(&b, ".SH DESCRIPTION\n%s\n", paragraphs(a.Long))

	b.WriteString(".SH PARAMETERS\n")
	for _, p := range a.Params {
		var facts []string
		facts = append(facts, p.Type.String())
		if p.Default != "" {
			facts = append(facts, "default \\(lq"+roff.Arg(p.Default)+"\\(rq")
		}
		if p.Required {
			facts = append(facts, "required")
		}
		if p.Unique {
			facts = append(facts, "unique")
		}
		if p.Secret {
			facts = append(facts, "secret: never logged")
		}
		if p.Deprecated != "" {
			facts = append(facts, "deprecated")
		}
		if p.Ignored != "" {
			facts = append(facts, "accepted and ignored")
		}
		if p.Reloadable {
			facts = append(facts, "reloadable")
		}
		fmt.Fprintf(&b, ".TP\n.BR %s \" (%s)\"\n%s\n", p.Name, strings.Join(facts, ", "), roff.Escape(p.Short))
		if p.Long != "" && p.Long != p.Short {
			fmt.Fprintf(&b, ".IP\n%s\n", roff.Escape(p.Long))
		}
		if p.Deprecated != "" {
			fmt.Fprintf(&b, ".IP\nDeprecated: %s\n", roff.Escape(p.Deprecated))
		}
		if p.Ignored != "" {
			fmt.Fprintf(&b, ".IP\nIgnored: %s\n", roff.Escape(p.Ignored))
		}
	}
	for _, sec := range a.ManSections {
		fmt.Fprintf(&b, ".SH \"%s\"\n%s\n", roff.Arg(strings.ToUpper(sec.Title)), paragraphs(sec.Body))
	}

	b.WriteString(".SH ACTIONS\n")
	for _, act := range a.allActions() {
		line := fmt.Sprintf("timeout %s", seconds(act.Timeout))
		if act.Interval > 0 {
			line += ", interval " + seconds(act.Interval)
		}
		if act.Role != "" {
			line += ", role " + act.Role
		}
		if act.Depth > 0 {
			line += fmt.Sprintf(", OCF_CHECK_LEVEL %d", act.Depth)
		}
		fmt.Fprintf(&b, ".TP\n.B %s\nAdvertised default %s.\n", act.Name, line)
	}

	b.WriteString(`.SH EXIT STATUS
.TP
.B 0
success (monitor: running)
.TP
.B 1
generic failure; Pacemaker recovers the resource in place
.TP
.B 2, 4, 5
a problem on this node (arguments, permissions, something not installed); the resource is banned from this node
.TP
.B 3
action not implemented
.TP
.B 6
the configuration is wrong on every node; the resource is stopped cluster-wide
.TP
.B 7
not running (monitor only)
.TP
.B 8
running as Promoted (monitor of a promotable resource)
.PP
Every failure prints a reason as an
.B ocf-exit-reason:
line, which
.BR crm_mon (8)
shows.
Pacemaker keeps 128 bytes of it: a longer reason is shortened at a word boundary and ends in \(lq\[u2026]\(rq; the log has it in full.
.SH ENVIRONMENT
Parameters come from
.BI OCF_RESKEY_ name\fR;
the operation timeout from
.B OCF_RESKEY_CRM_meta_timeout
(milliseconds), from which every internal deadline is derived.
.PP
Messages go to syslog or the journal when
.B HA_LOGFACILITY
(or
.BR PCMK_logfacility )
names a facility other than
.BR none ,
and are appended to
.B HA_LOGFILE
when it is set.
.B HA_debug
(set and not 0) enables debug messages;
.B HA_DEBUGLOG
receives every message, debug messages included.
Messages go to stderr only when neither
.B HA_LOGFACILITY
nor
.B HA_LOGFILE
is set, as for the resource\-agents shell agents, because Pacemaker logs an agent's stderr too; run from a terminal, they go to stderr only.
The
.B ocf\-exit\-reason:
line always goes to stderr.
.PP
.B OCF_TRACE_RA
(or the parameter
.BR trace_ra ,
which
.B crm resource trace
sets on an operation) traces the action: its environment (secret parameters hidden), every message including debug ones, every command it runs with arguments, exit status and output, and its result go to
.BI $OCF_RESKEY_trace_dir/ type / instance . action . date\fR,
by default under
.BR /var/lib/heartbeat/trace_ra ,
or to
.B OCF_TRACE_FILE
when that names an absolute path (crm_resource \-VV sets
.BR /dev/stderr )
or a file descriptor from 3 to 9.
.SH SEE ALSO
.BR crm (8),
.BR crm_resource (8),
.BR ocf-tester (8)
`)
	_, err := io.WriteString(w, b.String())
	return err
}

// paragraphs turns blank-line separated text into roff paragraphs.
func paragraphs(s string) string {
	parts := strings.Split(strings.TrimSpace(s), "\n\n")
	for i, p := range parts {
		parts[i] = roff.Escape(strings.TrimSpace(p))
	}
	return strings.Join(parts, "\n.PP\n")
}
