//go:build root

package netns

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/vishvananda/netns"
)

// newNamed creates a named network namespace for the test, without
// touching the test's own threads.
func newNamed(t *testing.T) (string, netns.NsHandle) {
	t.Helper()
	name := fmt.Sprintf("qvdnetns%d", os.Getpid())
	var ns netns.NsHandle
	err := OnThread(func() (err error) {
		ns, err = netns.NewNamed(name)
		return err
	})
	if err != nil {
		t.Fatalf("creating network namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		ns.Close()
		if err := netns.DeleteNamed(name); err != nil {
			t.Errorf("deleting network namespace %s: %v", name, err)
		}
	})
	return name, ns
}

// TestEnter checks that fn runs inside the namespace and that afterwards
// every thread of the process is back in its own: a thread left behind
// would run unrelated goroutines in the test's namespace.
func TestEnter(t *testing.T) {
	name, target := newNamed(t)
	own := threadNamespaces(t)
	if len(own) != 1 {
		t.Fatalf("threads in several network namespaces before the test: %v", own)
	}
	tests := []struct {
		name string
		do   func(fn func() error) error
	}{
		{"by name", func(fn func() error) error { return DoNamed(name, fn) }},
		{"by handle", func(fn func() error) error { return Do(target, fn) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inside bool
			err := tt.do(func() error {
				cur, err := netns.Get()
				if err != nil {
					return err
				}
				defer cur.Close()
				inside = cur.Equal(target)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !inside {
				t.Error("fn did not run inside the namespace")
			}
			if after := threadNamespaces(t); len(after) != 1 || !after[first(own)] {
				t.Errorf("threads' network namespaces: before %v, after %v", own, after)
			}
		})
	}
}

// threadNamespaces returns the network namespaces of the process's threads.
func threadNamespaces(t *testing.T) map[string]bool {
	t.Helper()
	links, err := filepath.Glob("/proc/self/task/*/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, l := range links {
		ns, err := os.Readlink(l)
		if os.IsNotExist(err) {
			continue // the thread ended meanwhile
		}
		if err != nil {
			t.Fatal(err)
		}
		seen[ns] = true
	}
	return seen
}

func first(set map[string]bool) string {
	for k := range set {
		return k
	}
	return ""
}
