package ocf

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// The meta-data must validate with both ra-api-1.dtd (what ocf-tester checks)
// and resource-agents' metadata.rng, which are stricter than OCF 1.1 and
// disagree: so we emit their intersection. No unique-group, reloadable or
// <deprecated>, content types string/integer/boolean only, lang everywhere.

type xmlDesc struct {
	Lang string `xml:"lang,attr"`
	Text string `xml:",chardata"`
}

type xmlContent struct {
	Type    string `xml:"type,attr"`
	Default string `xml:"default,attr,omitempty"`
}

type xmlParam struct {
	Name     string     `xml:"name,attr"`
	Unique   int        `xml:"unique,attr"`
	Required int        `xml:"required,attr"`
	Long     xmlDesc    `xml:"longdesc"`
	Short    xmlDesc    `xml:"shortdesc"`
	Content  xmlContent `xml:"content"`
}

type xmlAction struct {
	Name     string `xml:"name,attr"`
	Timeout  string `xml:"timeout,attr"`
	Interval string `xml:"interval,attr,omitempty"`
	Depth    string `xml:"depth,attr,omitempty"`
	Role     string `xml:"role,attr,omitempty"`
}

type xmlAgent struct {
	XMLName xml.Name    `xml:"resource-agent"`
	Name    string      `xml:"name,attr"`
	Version string      `xml:"version,attr"`
	OCF     string      `xml:"version"`
	Long    xmlDesc     `xml:"longdesc"`
	Short   xmlDesc     `xml:"shortdesc"`
	Params  []xmlParam  `xml:"parameters>parameter"`
	Actions []xmlAction `xml:"actions>action"`
}

// WriteMetadata writes the agent's meta-data XML.
func (a *Agent) WriteMetadata(w io.Writer) error {
	doc := xmlAgent{
		Name:    a.Name,
		Version: a.Version,
		OCF:     a.ocfVersion(),
		Long:    xmlDesc{"en", a.Long},
		Short:   xmlDesc{"en", a.Short},
	}
	for _, p := range a.Params {
		doc.Params = append(doc.Params, xmlParam{
			Name:     p.Name,
			Unique:   b2i(p.Unique),
			Required: b2i(p.Required),
			Long:     xmlDesc{"en", p.longText()},
			Short:    xmlDesc{"en", p.Short},
			Content:  xmlContent{Type: p.Type.String(), Default: p.Default},
		})
	}
	for _, act := range a.allActions() {
		x := xmlAction{Name: act.Name, Timeout: seconds(act.Timeout)}
		if act.Interval > 0 {
			x.Interval = seconds(act.Interval)
		}
		if act.Depth > 0 {
			x.Depth = fmt.Sprint(act.Depth)
		}
		x.Role = act.Role
		doc.Actions = append(doc.Actions, x)
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("meta-data of %s: %w", a.Name, err)
	}
	// No encoding in the declaration: crmsh parses meta-data from a string,
	// and its XML library refuses a declaration that names an encoding.
	_, err = fmt.Fprintf(w, "<?xml version=\"1.0\"?>\n<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n%s\n", out)
	return err
}

func (a *Agent) ocfVersion() string {
	if a.OCFVersion == "" {
		return "1.1"
	}
	return a.OCFVersion
}

// longText is the long description with the facts the validators have no
// element for.
func (p Param) longText() string {
	text := p.Long
	if p.Deprecated != "" {
		text = strings.TrimSpace(text + " Deprecated: " + p.Deprecated)
	}
	if p.Ignored != "" {
		text = strings.TrimSpace(text + " Ignored: " + p.Ignored)
	}
	if p.Reloadable {
		text = strings.TrimSpace(text + " Reloadable: a change takes effect without a restart.")
	}
	return text
}

// allActions is the agent's actions plus those the runtime provides.
func (a *Agent) allActions() []Action {
	acts := append([]Action(nil), a.Actions...)
	if a.action("validate-all") == nil {
		acts = append(acts, Action{Name: "validate-all", Timeout: 20 * time.Second})
	}
	return append(acts, Action{Name: "meta-data", Timeout: 5 * time.Second})
}

// action returns the first declared action of that name; monitors may be
// declared several times, for several roles or depths.
func (a *Agent) action(name string) *Action {
	for i := range a.Actions {
		if a.Actions[i].Name == name {
			return &a.Actions[i]
		}
	}
	return nil
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
