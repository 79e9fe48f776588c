package netns

import (
	"errors"
	"io/fs"
	"runtime"
	"sync"
	"testing"
)

func TestDoNamedMissing(t *testing.T) {
	called := false
	err := DoNamed("qvd-ha-no-such-namespace", func() error {
		called = true
		return nil
	})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("want an error matching fs.ErrNotExist, got %v", err)
	}
	if called {
		t.Fatal("fn ran although the namespace is missing")
	}
}

// TestOnThreadAsCaller checks that fn's ways of ending reach the caller as
// if fn had run on the caller's own goroutine.
func TestOnThreadAsCaller(t *testing.T) {
	errFn := errors.New("fn failed")
	tests := []struct {
		name      string
		fn        func() error
		wantErr   error
		wantPanic any
		wantExit  bool
	}{
		{name: "returns nil", fn: func() error { return nil }},
		{name: "returns an error", fn: func() error { return errFn }, wantErr: errFn},
		{name: "panics", fn: func() error { panic("boom") }, wantPanic: "boom"},
		{name: "exits its goroutine", fn: func() error { runtime.Goexit(); return nil }, wantExit: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				err      error
				panicked any
				returned bool
				wg       sync.WaitGroup
			)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { panicked = recover() }()
				err = OnThread(tt.fn)
				returned = true
			}()
			wg.Wait()
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error: want %v, got %v", tt.wantErr, err)
			}
			if panicked != tt.wantPanic {
				t.Errorf("panic: want %v, got %v", tt.wantPanic, panicked)
			}
			if wantReturn := tt.wantPanic == nil && !tt.wantExit; returned != wantReturn {
				t.Errorf("OnThread returned: %v, want %v", returned, wantReturn)
			}
		})
	}
}
