package status

import _ "embed"

// SchemaJSON is the JSON Schema (draft 2020-12) of the JSON form,
// qvd-ha-status/1: doc.go says what each field means, this says what it may
// hold, and the tests hold the output to it.
//
//go:embed schema.json
var SchemaJSON []byte
