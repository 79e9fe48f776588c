package fencing

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// WriteMetadata prints the fence-agents meta-data that Pacemaker's fencer
// reads to learn the agent's parameters and actions. A renamed option is
// printed twice: under its old name with deprecated="1" and under its new
// name with obsoletes="old", both parsed alike.
func (a *Agent) WriteMetadata(out io.Writer) error {
	w := bufio.NewWriter(out)
	fmt.Fprintln(w, `<?xml version="1.0" ?>`)
	fmt.Fprintf(w, "<resource-agent name=%s shortdesc=%s>\n", attr(a.Name), attr(a.Shortdesc))
	fmt.Fprintf(w, "<longdesc>%s</longdesc>\n", text(a.Longdesc))
	fmt.Fprintf(w, "<vendor-url>%s</vendor-url>\n", text(a.VendorURL))
	fmt.Fprintln(w, "<parameters>")
	for _, o := range a.options() {
		if o.Obsoletes != "" {
			writeParameter(w, o, o.Obsoletes, ` deprecated="1"`)
			writeParameter(w, o, o.Name, " obsoletes="+attr(o.Obsoletes))
			continue
		}
		writeParameter(w, o, o.Name, "")
	}
	fmt.Fprintln(w, "</parameters>")
	fmt.Fprintln(w, "<actions>")
	for _, name := range actions {
		extra := ""
		if name == "on" {
			// Unfencing is not automatic: a fenced VM stays off until a
			// human or the cluster asks.
			extra = ` automatic="0"`
		}
		fmt.Fprintf(w, "\t<action name=%s%s />\n", attr(name), extra)
	}
	fmt.Fprintln(w, "</actions>")
	fmt.Fprintln(w, "</resource-agent>")
	return w.Flush()
}

func writeParameter(w io.Writer, o Option, name, extra string) {
	fmt.Fprintf(w, "\t<parameter name=%s unique=\"0\" required=%s%s>\n", attr(name), attr(boolDigit(o.Required)), extra)
	fmt.Fprintf(w, "\t\t<getopt mixed=%s />\n", attr(o.getopt()))
	content := "\t\t<content type=" + attr(string(o.Type))
	if o.Default != "" {
		content += " default=" + attr(o.Default)
	}
	if o.Type == Select {
		fmt.Fprintln(w, content+">")
		for _, c := range o.Choices {
			fmt.Fprintf(w, "\t\t\t<option value=%s />\n", attr(c))
		}
		fmt.Fprintln(w, "\t\t</content>")
	} else {
		fmt.Fprintln(w, content+" />")
	}
	fmt.Fprintf(w, "\t\t<shortdesc lang=\"en\">%s</shortdesc>\n", text(o.shortdesc()))
	fmt.Fprintln(w, "\t</parameter>")
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func text(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder cannot fail
	return b.String()
}

func attr(s string) string { return `"` + text(s) + `"` }
