package guest

import (
	"context"
	"fmt"
	"strings"
)

// OCFTester runs resource-agents' ocf-tester in the guest against the OCF
// agent at path, as resource name with params ("key=value"), and returns
// what it printed; the error says when it did not pass every test. The
// guest needs ocf-tester and xmllint.
func (g *Guest) OCFTester(ctx context.Context, name, path string, params ...string) (string, error) {
	cmd := "ocf-tester -n " + name
	for _, p := range params {
		cmd += " -o " + p
	}
	r, err := g.Run(ctx, cmd+" "+path)
	out := r.Stdout + r.Stderr
	if err != nil {
		return out, err
	}
	// ocf-tester marks each failed check with "* rc=" yet may exit 0.
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, path+" passed all tests") || strings.Contains(r.Stdout, "* rc=") {
		return out, fmt.Errorf("ocf-tester on %s in %s: exit %d, want 0 and no failures", path, g.Name, r.ExitCode)
	}
	return out, nil
}
