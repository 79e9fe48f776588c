package deadline

import (
	"testing"
	"time"
)

func TestWithin(t *testing.T) {
	tests := []struct {
		name          string
		margin        Margin
		timeout, want time.Duration
	}{
		// OCF, small: half a second of margin, but never more than half.
		{"OCF", OCF, 200 * time.Millisecond, 100 * time.Millisecond},
		{"OCF", OCF, time.Second, 500 * time.Millisecond},
		{"OCF", OCF, 2 * time.Second, 1500 * time.Millisecond},
		{"OCF", OCF, 5 * time.Second, 4500 * time.Millisecond},
		// OCF, medium: a tenth.
		{"OCF", OCF, 10 * time.Second, 9 * time.Second},
		{"OCF", OCF, 20 * time.Second, 18 * time.Second},
		{"OCF", OCF, 30 * time.Second, 27 * time.Second},
		{"OCF", OCF, 50 * time.Second, 45 * time.Second},
		// OCF, large: five seconds at most.
		{"OCF", OCF, 60 * time.Second, 55 * time.Second},
		{"OCF", OCF, 100 * time.Second, 95 * time.Second},
		{"OCF", OCF, time.Hour, time.Hour - 5*time.Second},
		// Fencer: a tenth however short, five seconds at most.
		{"Fencer", Fencer, 500 * time.Millisecond, 450 * time.Millisecond},
		{"Fencer", Fencer, time.Second, 900 * time.Millisecond},
		{"Fencer", Fencer, 5 * time.Second, 4500 * time.Millisecond},
		{"Fencer", Fencer, 30 * time.Second, 27 * time.Second},
		{"Fencer", Fencer, 60 * time.Second, 55 * time.Second},
		{"Fencer", Fencer, 120 * time.Second, 115 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.timeout.String(), func(t *testing.T) {
			got := tt.margin.Within(tt.timeout)
			if got != tt.want {
				t.Errorf("Within(%s) = %s, want %s", tt.timeout, got, tt.want)
			}
			if got <= 0 || got >= tt.timeout {
				t.Errorf("Within(%s) = %s, not within (0, timeout)", tt.timeout, got)
			}
		})
	}
}
