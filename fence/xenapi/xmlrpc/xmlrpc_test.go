package xmlrpc

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want any
	}{
		{"string", "OpaqueRef:1 <&>", "OpaqueRef:1 <&>"},
		{"empty string", "", ""},
		{"bool", true, true},
		{"int", -42, -42},
		{"double", 1.5, 1.5},
		{"strings", []string{"a", "b"}, []any{"a", "b"}},
		{"empty array", []any{}, []any{}},
		{"struct", map[string]any{"Status": "Success", "Value": []any{"x", map[string]any{"n": 1}}},
			map[string]any{"Status": "Success", "Value": []any{"x", map[string]any{"n": 1}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var call bytes.Buffer
			if err := EncodeCall(&call, "VM.get_record", "OpaqueRef:s", c.in); err != nil {
				t.Fatal(err)
			}
			method, params, err := DecodeCall(&call)
			if err != nil {
				t.Fatal(err)
			}
			if method != "VM.get_record" || len(params) != 2 || !reflect.DeepEqual(params[1], c.want) {
				t.Fatalf("call decoded as %s %#v, want %#v", method, params, c.want)
			}
			var resp bytes.Buffer
			if err := EncodeResponse(&resp, c.in); err != nil {
				t.Fatal(err)
			}
			got, err := DecodeResponse(&resp)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("response decoded as %#v, want %#v", got, c.want)
			}
		})
	}
}

func TestDecodeForms(t *testing.T) {
	cases := []struct {
		name string
		xml  string
		want any
		err  string
	}{
		{"untyped value is a string", `<methodResponse><params><param><value>plain</value></param></params></methodResponse>`, "plain", ""},
		{"i4", `<methodResponse><params><param><value><i4>7</i4></value></param></params></methodResponse>`, 7, ""},
		{"nil", `<methodResponse><params><param><value><nil/></value></param></params></methodResponse>`, nil, ""},
		{"whitespace", "<methodResponse>\n <params>\n  <param>\n   <value><boolean> 1 </boolean></value>\n  </param>\n </params>\n</methodResponse>", true, ""},
		{"fault", `<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>4</int></value></member><member><name>faultString</name><value><string>Too many parameters.</string></value></member></struct></value></fault></methodResponse>`, nil, "XML-RPC fault 4: Too many parameters."},
		{"bad int", `<methodResponse><params><param><value><int>x</int></value></param></params></methodResponse>`, nil, "decode int"},
		{"not XML-RPC", `<html>502 Bad Gateway</html>`, nil, "root element is html"},
		{"unknown type", `<methodResponse><params><param><value><blob/></value></param></params></methodResponse>`, nil, "unknown type blob"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodeResponse(strings.NewReader(c.xml))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v, %v; want %#v", got, err, c.want)
			}
		})
	}
}
