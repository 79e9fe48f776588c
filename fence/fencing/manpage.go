package fencing

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/qvd-ha/qvd-ha/internal/boolean"
	"github.com/qvd-ha/qvd-ha/internal/roff"
)

// WriteManPage prints the roff page fence_<name>(8), generated from the same
// declarations as parsing and meta-data so that the three cannot disagree.
func (a *Agent) WriteManPage(out io.Writer) error {
	w := bufio.NewWriter(out)
	fmt.Fprintf(w, ".TH %s 8 \"\" \"qvd-ha\" \"Fence agents\"\n", roff.Escape(strings.ToUpper(a.Name)))
	fmt.Fprintf(w, ".SH NAME\n%s \\- %s\n", roff.Escape(a.Name), roff.Escape(a.Shortdesc))
	fmt.Fprintf(w, ".SH SYNOPSIS\n.B %s\n[\\fIOPTIONS\\fR]\n.br\n.B %s\n< \\fIname=value lines\\fR\n", roff.Escape(a.Name), roff.Escape(a.Name))
	fmt.Fprintf(w, ".SH DESCRIPTION\n%s", paragraphs(a.Longdesc))
	fmt.Fprint(w, paragraphs("Options come from the command line or, when it has none, from standard input as name=value lines, the way Pacemaker's fencer passes them. Lines starting with # are skipped, unknown names are ignored with a warning, the last value of a name wins, and - and _ are interchangeable in names. Boolean values are "+boolean.FenceAgents.Hint+"."))
	fmt.Fprintln(w, ".SH OPTIONS")
	for _, o := range a.options() {
		fmt.Fprintf(w, ".TP\n.B %s\n", roff.Escape(o.getopt()))
		desc := o.shortdesc() + "."
		if o.Longdesc != "" {
			desc += " " + o.Longdesc
		}
		stdin := "Standard input name: " + o.Name
		if o.Obsoletes != "" {
			stdin += " (formerly " + o.Obsoletes + ", still accepted)"
		}
		desc += " " + stdin + "."
		if o.Default != "" {
			desc += " Default: " + o.Default + "."
		}
		if o.Type == Select {
			desc += " One of: " + strings.Join(o.Choices, ", ") + "."
		}
		fmt.Fprintln(w, roff.Escape(desc))
	}
	fmt.Fprintln(w, ".SH ACTIONS")
	for _, act := range [][2]string{
		{"on", "Power on the plug and wait until it reports ON; 1 + retry_on tries."},
		{"off", "Power off the plug and wait until it reports OFF. Always verified; one try."},
		{"reboot", "Off (verified), then on with retry_on tries. Only the off half decides the exit status."},
		{"status", "Print Status: ON or Status: OFF (ON when any of several plugs is ON)."},
		{"list", "Print one plug per line: id, separator, alias."},
		{"list-status", "Like list, adding ON, OFF or UNKNOWN."},
		{"monitor", "Check that the device answers."},
		{"metadata", "Print the meta-data XML Pacemaker reads (also meta-data)."},
		{"manpage", "Print this manual page."},
		{"validate-all", "Check the options without contacting the device."},
	} {
		fmt.Fprintf(w, ".TP\n.B %s\n%s\n", act[0], roff.Escape(act[1]))
	}
	fmt.Fprintln(w, ".SH EXIT STATUS")
	fmt.Fprintln(w, ".TP\n.B 0\nSuccess; for status, the plug is ON.")
	fmt.Fprintln(w, ".TP\n.B 1\nFailure, with a line starting Failed: on standard error; for status, the state is unknown. As in fence-agents, every failure (login refused, timeout, unknown plug, bad option) exits 1.")
	fmt.Fprintln(w, ".TP\n.B 2\nstatus only: the plug is OFF.")
	fmt.Fprintln(w, ".SH ENVIRONMENT")
	fmt.Fprintf(w, ".TP\n.B PCMK_service\n%s\n", roff.Escape("When it is pacemaker-fenced and disable_timeout is not given, login_timeout, shell_timeout and power_timeout stop bounding single steps: the whole action is bounded by fencer_timeout, less a margin, so that the agent fails with a reason before the fencer kills it."))
	fmt.Fprintln(w, ".SH SECURITY")
	fmt.Fprint(w, paragraphs("Passwords are read from standard input, password_script or password_file; they are never printed, logged or passed to other programs on their command line. Avoid -p: a command line is visible to every local user."))
	for _, s := range a.ManSections {
		fmt.Fprintf(w, ".SH %s\n%s", roff.Escape(strings.ToUpper(s.Title)), paragraphs(s.Body))
	}
	fmt.Fprintln(w, ".SH SEE ALSO\n.BR stonith_admin (8),\n.BR pacemaker-fenced (7)")
	return w.Flush()
}

// paragraphs turns blank-line separated text into .PP paragraphs; lines
// indented by two spaces are kept verbatim, for commands and examples.
func paragraphs(s string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.TrimSpace(s), "\n\n") {
		lines := strings.Split(para, "\n")
		if strings.HasPrefix(lines[0], "  ") {
			b.WriteString(".PP\n.nf\n")
			for _, l := range lines {
				b.WriteString(roff.Escape(strings.TrimPrefix(l, "  ")) + "\n")
			}
			b.WriteString(".fi\n")
			continue
		}
		b.WriteString(".PP\n")
		for _, l := range lines {
			b.WriteString(roff.Escape(strings.TrimSpace(l)) + "\n")
		}
	}
	return b.String()
}
