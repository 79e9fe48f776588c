// Package xmlrpc encodes and decodes XML-RPC (xmlrpc.com/spec), the wire
// format of XenAPI, as plain Go values: string, bool, int, float64, []any,
// map[string]any. Both the fence agent and the test simulator use it; the
// simulator is proven against an independent client (fence-agents'
// fence_xenapi, through Python's xmlrpc.client), so a codec fault cannot
// hide behind the shared code.
package xmlrpc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Fault is an XML-RPC fault response. XenAPI reports its own errors in the
// result struct instead, so a Fault means a protocol-level problem.
type Fault struct {
	Code   int
	String string
}

func (f *Fault) Error() string { return fmt.Sprintf("XML-RPC fault %d: %s", f.Code, f.String) }

// EncodeCall writes a methodCall.
func EncodeCall(w io.Writer, method string, params ...any) error {
	var b bytes.Buffer
	b.WriteString(xml.Header + "<methodCall><methodName>")
	xml.EscapeText(&b, []byte(method))
	b.WriteString("</methodName><params>")
	for _, p := range params {
		b.WriteString("<param>")
		if err := encodeValue(&b, p); err != nil {
			return fmt.Errorf("parameter of %s: %w", method, err)
		}
		b.WriteString("</param>")
	}
	b.WriteString("</params></methodCall>")
	_, err := w.Write(b.Bytes())
	return err
}

// EncodeResponse writes a methodResponse carrying one value.
func EncodeResponse(w io.Writer, result any) error {
	var b bytes.Buffer
	b.WriteString(xml.Header + "<methodResponse><params><param>")
	if err := encodeValue(&b, result); err != nil {
		return err
	}
	b.WriteString("</param></params></methodResponse>")
	_, err := w.Write(b.Bytes())
	return err
}

// EncodeFault writes a methodResponse carrying a fault.
func EncodeFault(w io.Writer, f *Fault) error {
	var b bytes.Buffer
	b.WriteString(xml.Header + "<methodResponse><fault>")
	if err := encodeValue(&b, map[string]any{"faultCode": f.Code, "faultString": f.String}); err != nil {
		return err
	}
	b.WriteString("</fault></methodResponse>")
	_, err := w.Write(b.Bytes())
	return err
}

func encodeValue(b *bytes.Buffer, v any) error {
	b.WriteString("<value>")
	switch x := v.(type) {
	case string:
		b.WriteString("<string>")
		xml.EscapeText(b, []byte(x))
		b.WriteString("</string>")
	case bool:
		b.WriteString("<boolean>" + map[bool]string{true: "1", false: "0"}[x] + "</boolean>")
	case int:
		b.WriteString("<int>" + strconv.Itoa(x) + "</int>")
	case float64:
		b.WriteString("<double>" + strconv.FormatFloat(x, 'g', -1, 64) + "</double>")
	case []string:
		items := make([]any, len(x))
		for i, s := range x {
			items[i] = s
		}
		if err := encodeArray(b, items); err != nil {
			return err
		}
	case []any:
		if err := encodeArray(b, x); err != nil {
			return err
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("<struct>")
		for _, k := range keys {
			b.WriteString("<member><name>")
			xml.EscapeText(b, []byte(k))
			b.WriteString("</name>")
			if err := encodeValue(b, x[k]); err != nil {
				return err
			}
			b.WriteString("</member>")
		}
		b.WriteString("</struct>")
	default:
		return fmt.Errorf("cannot encode %T", v)
	}
	b.WriteString("</value>")
	return nil
}

func encodeArray(b *bytes.Buffer, items []any) error {
	b.WriteString("<array><data>")
	for _, it := range items {
		if err := encodeValue(b, it); err != nil {
			return err
		}
	}
	b.WriteString("</data></array>")
	return nil
}

// node is a generic XML element.
type node struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
	Nodes   []node `xml:",any"`
}

func (n node) child(name string) (node, bool) {
	for _, c := range n.Nodes {
		if c.XMLName.Local == name {
			return c, true
		}
	}
	return node{}, false
}

// DecodeCall reads a methodCall.
func DecodeCall(r io.Reader) (method string, params []any, err error) {
	var root node
	if err := xml.NewDecoder(r).Decode(&root); err != nil {
		return "", nil, fmt.Errorf("decode methodCall: %w", err)
	}
	if root.XMLName.Local != "methodCall" {
		return "", nil, fmt.Errorf("decode methodCall: root element is %s", root.XMLName.Local)
	}
	name, ok := root.child("methodName")
	if !ok {
		return "", nil, errors.New("decode methodCall: no methodName")
	}
	ps, _ := root.child("params")
	for _, p := range ps.Nodes {
		v, ok := p.child("value")
		if !ok {
			return "", nil, errors.New("decode methodCall: param without value")
		}
		val, err := decodeValue(v)
		if err != nil {
			return "", nil, err
		}
		params = append(params, val)
	}
	return strings.TrimSpace(name.Text), params, nil
}

// DecodeResponse reads a methodResponse; a fault is returned as *Fault.
func DecodeResponse(r io.Reader) (any, error) {
	var root node
	if err := xml.NewDecoder(r).Decode(&root); err != nil {
		return nil, fmt.Errorf("decode methodResponse: %w", err)
	}
	if root.XMLName.Local != "methodResponse" {
		return nil, fmt.Errorf("decode methodResponse: root element is %s", root.XMLName.Local)
	}
	if f, ok := root.child("fault"); ok {
		v, _ := f.child("value")
		val, err := decodeValue(v)
		if err != nil {
			return nil, err
		}
		m, _ := val.(map[string]any)
		code, _ := m["faultCode"].(int)
		msg, _ := m["faultString"].(string)
		return nil, &Fault{Code: code, String: msg}
	}
	ps, _ := root.child("params")
	p, _ := ps.child("param")
	v, ok := p.child("value")
	if !ok {
		return nil, errors.New("decode methodResponse: no value")
	}
	return decodeValue(v)
}

func decodeValue(v node) (any, error) {
	if len(v.Nodes) == 0 {
		return v.Text, nil // a value with no type element is a string
	}
	t := v.Nodes[0]
	text := strings.TrimSpace(t.Text)
	switch t.XMLName.Local {
	case "string", "dateTime.iso8601", "base64":
		return t.Text, nil
	case "boolean":
		return text == "1", nil
	case "int", "i4", "i8":
		n, err := strconv.Atoi(text)
		if err != nil {
			return nil, fmt.Errorf("decode %s %q: %w", t.XMLName.Local, text, err)
		}
		return n, nil
	case "double":
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("decode double %q: %w", text, err)
		}
		return f, nil
	case "nil":
		return nil, nil
	case "array":
		data, _ := t.child("data")
		items := []any{}
		for _, c := range data.Nodes {
			x, err := decodeValue(c)
			if err != nil {
				return nil, err
			}
			items = append(items, x)
		}
		return items, nil
	case "struct":
		m := map[string]any{}
		for _, member := range t.Nodes {
			name, _ := member.child("name")
			val, _ := member.child("value")
			x, err := decodeValue(val)
			if err != nil {
				return nil, err
			}
			m[strings.TrimSpace(name.Text)] = x
		}
		return m, nil
	}
	return nil, fmt.Errorf("decode value: unknown type %s", t.XMLName.Local)
}
