// Package completion gives qvd-ha-bootstrap and qvd-ha their bash
// completion: a hidden command that prints a script which asks the program
// itself for the words (urfave/cli's --generate-bash-completion). The
// script names no command and no option, so it cannot fall behind the
// program it completes; make install writes it to the distribution's
// completion directory.
package completion

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// Command is the hidden `completion bash`, printing the script for the
// program it belongs to.
func Command() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the bash completion script (installed in /usr/share/bash-completion/completions)",
		ArgsUsage: "bash",
		Hidden:    true,
		Action: func(cCtx *cli.Context) error {
			if shell := cCtx.Args().First(); shell != "bash" || cCtx.Args().Len() != 1 {
				return fmt.Errorf("completion: %q: only bash is supported (completion bash)", strings.Join(cCtx.Args().Slice(), " "))
			}
			if _, err := io.WriteString(cCtx.App.Writer, Script(cCtx.App.Name)); err != nil {
				return fmt.Errorf("completion: %w", err)
			}
			return nil
		},
	}
}

// Script is the bash completion of the program called name.
//
// The words typed so far go to the program as arguments, never through
// eval. A "--" among them ends urfave/cli's completion mode and the
// program would run the command for real, so the script then asks nothing
// (bash completes file names), and a lone "--" being typed is asked for as
// "-", which lists the same options. The program prints options only when
// the last word begins with "-", so the word being typed goes along then.
func Script(name string) string {
	fn := "_" + strings.NewReplacer("-", "_", ".", "_").Replace(name)
	return strings.NewReplacer("NAME", name, "FUNC", fn).Replace(`# bash completion for NAME, printed by ` + "`NAME completion bash`" + `: NAME lists
# its own commands and options (--generate-bash-completion).
FUNC() {
	local cur=${COMP_WORDS[COMP_CWORD]} w
	local -a words=("${COMP_WORDS[@]:0:COMP_CWORD}")
	for w in "${words[@]}"; do
		[[ $w == -- ]] && return 0
	done
	case $cur in
	--) words+=(-) ;;
	-*) words+=("$cur") ;;
	esac
	local IFS=$'\n'
	COMPREPLY=($(compgen -W "$("${words[@]}" --generate-bash-completion 2>/dev/null)" -- "$cur"))
}
complete -o bashdefault -o default -F FUNC NAME
`)
}
