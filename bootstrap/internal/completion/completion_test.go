package completion

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
	"github.com/qvd-ha/qvd-ha/test/gobuild"
)

// programs builds both binaries into a directory for PATH and writes each
// one's completion script next to it, as make install does.
func programs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	for name, pkg := range map[string]string{"qvd-ha-bootstrap": "/bootstrap", "qvd-ha": "/bootstrap/ops"} {
		bin := filepath.Join(dir, name)
		if err := gobuild.Static(ctx, gobuild.Module+pkg, bin); err != nil {
			t.Fatal(err)
		}
		res, err := runner.Exec{}.Run(ctx, runner.Cmd{Path: bin, Args: []string{"completion", "bash"}})
		if err != nil {
			t.Fatalf("%s completion bash: %v\n%s", name, err, res.Stderr)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".bash"), res.Stdout, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBashCompletion sources each program's script in bash, checks that it
// registers the program, and completes a command and an option the way
// bash does on TAB: COMP_WORDS and COMP_CWORD set, the function called,
// COMPREPLY read.
func TestBashCompletion(t *testing.T) {
	dir := programs(t)
	// Arguments: the script, the function the registration must name, then
	// the words typed, the last one being completed.
	const driver = `set -u
source "$1" || exit 1
reg=$(complete -p "$3")
[[ $reg == "complete -o bashdefault -o default -F $2 $3" ]] || { echo "registered: $reg"; exit 1; }
fn=$2
shift 2
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
"$fn"
printf '%s\n' ${COMPREPLY[@]+"${COMPREPLY[@]}"}
`
	for _, tc := range []struct {
		name  string
		words []string
		want  []string
	}{
		{"bootstrap command", []string{"qvd-ha-bootstrap", "ti"}, []string{"timers"}},
		{"bootstrap command after a global option", []string{"qvd-ha-bootstrap", "-c", "/etc/qvd-ha/bootstrap.conf", "disa"}, []string{"disable-units"}},
		{"bootstrap hidden commands are not offered", []string{"qvd-ha-bootstrap", "m"}, nil},
		{"bootstrap command option", []string{"qvd-ha-bootstrap", "timers", "--d"}, []string{"--disable", "--dry-run"}},
		{"bootstrap global options", []string{"qvd-ha-bootstrap", "--"}, []string{"--config", "--help", "--quiet", "--set", "--version"}},
		{"an option's value is left to bash", []string{"qvd-ha-bootstrap", "--config", ""}, nil},
		// After "--" the program would run the command itself.
		{"nothing is asked after --", []string{"qvd-ha-bootstrap", "timers", "--", "x"}, nil},
		{"qvd-ha command", []string{"qvd-ha", "st"}, []string{"status"}},
		{"qvd-ha command option", []string{"qvd-ha", "status", "--w"}, []string{"--watch"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.words[0]
			fn := "_" + strings.ReplaceAll(name, "-", "_")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := runner.Exec{}.Run(ctx, runner.Cmd{
				Path: "bash",
				Args: append([]string{"-c", driver, "bash", filepath.Join(dir, name+".bash"), fn}, tc.words...),
				Env:  []string{"PATH=" + dir + ":/usr/bin:/bin"},
			})
			if err != nil {
				t.Fatalf("bash: %v\n%s%s", err, res.Stdout, res.Stderr)
			}
			// bash shows the words sorted; the program prints them in the
			// order it declares them.
			got := strings.Fields(string(res.Stdout))
			slices.Sort(got)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("%q: COMPREPLY %q, want %q", tc.words, got, tc.want)
			}
		})
	}
}
