// Package secret reads the QVD database password from the source the
// configuration names (db.password_source): prompt, file:PATH or env:NAME.
// The password is never part of an error, a log line or a command line.
package secret

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Read returns the password from source. prompt asks on the terminal
// without echo (or reads one line when in is not a terminal).
func Read(source string, in io.Reader, prompt io.Writer) (string, error) {
	kind, arg, _ := strings.Cut(source, ":")
	var pw string
	switch {
	case source == "prompt":
		var err error
		if pw, err = ask(in, prompt); err != nil {
			return "", err
		}
	case kind == "file":
		st, err := os.Stat(arg)
		if err != nil {
			return "", fmt.Errorf("password file: %w", err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			return "", fmt.Errorf("password file %s: mode %04o lets others read it; chmod 0600 it", arg, st.Mode().Perm())
		}
		data, err := os.ReadFile(arg)
		if err != nil {
			return "", fmt.Errorf("password file: %w", err)
		}
		pw = strings.TrimRight(string(data), "\r\n")
	case kind == "env":
		pw = os.Getenv(arg)
	default:
		return "", fmt.Errorf("password source %q is not prompt, file:PATH or env:NAME", source)
	}
	if pw == "" {
		return "", fmt.Errorf("password source %s gave an empty password", source)
	}
	if strings.ContainsAny(pw, "\n\r") {
		return "", errors.New("the password holds a line break; node.conf cannot hold it")
	}
	return pw, nil
}

// ask reads a password from in, with echo off when in is a terminal.
func ask(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok {
		fd := int(f.Fd())
		if old, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
			noEcho := *old
			noEcho.Lflag &^= unix.ECHO
			if err := unix.IoctlSetTermios(fd, unix.TCSETS, &noEcho); err != nil {
				return "", fmt.Errorf("terminal: %w", err)
			}
			defer func() {
				unix.IoctlSetTermios(fd, unix.TCSETS, old)
				fmt.Fprintln(prompt)
			}()
		}
	}
	fmt.Fprint(prompt, "Password of the QVD database user: ")
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
