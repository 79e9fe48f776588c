// Package schematest validates qvd-ha status --json against its schema
// (status.SchemaJSON) for the tests, so that the validator is linked into
// tests only, not into qvd-ha.
package schematest

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/qvd-ha/qvd-ha/bootstrap/status"
)

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(status.SchemaJSON))
	if err != nil {
		return nil, fmt.Errorf("schema.json: %w", err)
	}
	c := jsonschema.NewCompiler()
	// Draft 2020-12 only annotates formats unless told: times must be
	// RFC 3339 (doc.go).
	c.AssertFormat()
	if err := c.AddResource("schema.json", doc); err != nil {
		return nil, fmt.Errorf("schema.json: %w", err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		return nil, fmt.Errorf("schema.json: %w", err)
	}
	return s, nil
})

// Validate says whether data, one JSON document, follows the schema.
func Validate(data []byte) error {
	s, err := compiled()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("%s: %w", status.Schema, err)
	}
	return nil
}
