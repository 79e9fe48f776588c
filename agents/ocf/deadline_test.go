package ocf

import (
	"testing"
	"time"
)

func TestOpTimeout(t *testing.T) {
	tests := []struct {
		name     string
		meta     map[string]string
		declared time.Duration
		want     time.Duration
	}{
		{"milliseconds from Pacemaker", map[string]string{"timeout": "20000"}, 60 * time.Second, 20 * time.Second},
		{"not seconds", map[string]string{"timeout": "90"}, 0, 90 * time.Millisecond},
		{"odd milliseconds", map[string]string{"timeout": "1500"}, 0, 1500 * time.Millisecond},
		{"large", map[string]string{"timeout": "3600000"}, 0, time.Hour},
		{"absent: declared", map[string]string{}, 60 * time.Second, 60 * time.Second},
		{"nil meta: declared", nil, 45 * time.Second, 45 * time.Second},
		{"empty: declared", map[string]string{"timeout": ""}, 60 * time.Second, 60 * time.Second},
		{"zero: declared", map[string]string{"timeout": "0"}, 60 * time.Second, 60 * time.Second},
		{"negative: declared", map[string]string{"timeout": "-5"}, 60 * time.Second, 60 * time.Second},
		{"garbage: declared", map[string]string{"timeout": "20s"}, 60 * time.Second, 60 * time.Second},
		{"absent, none declared: default", map[string]string{}, 0, defaultTimeout},
		{"garbage, none declared: default", map[string]string{"timeout": "x"}, 0, defaultTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := opTimeout(tt.meta, tt.declared); got != tt.want {
				t.Errorf("opTimeout(%v, %s) = %s, want %s", tt.meta, tt.declared, got, tt.want)
			}
		})
	}
	if defaultTimeout != 20*time.Second {
		t.Errorf("defaultTimeout = %s, want Pacemaker's 20s", defaultTimeout)
	}
}
