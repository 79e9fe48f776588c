package drbdconf

import (
	"errors"
	"strings"
)

// GlobalCommonPath is drbd-utils' file with the global section, which
// drbd.conf includes before the resource files. The runbook's
// "usage-count no" can only go there: drbdadm allows one global section.
const GlobalCommonPath = Dir + "/global_common.conf"

// ErrNoGlobal reports a file without a global section.
var ErrNoGlobal = errors.New("no global section")

// UsageCountOff returns text, a DRBD configuration file, with "usage-count
// no" in its global section (runbook 6): the option's value replaced, or
// the option added after the section's brace. Everything else, comments
// included, is kept byte for byte.
func UsageCountOff(text string) (string, error) {
	toks := tokens(text)
	open, end := -1, -1
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].depth == 0 && toks[i].text == "global" && toks[i+1].text == "{" {
			open = i + 1
			break
		}
	}
	if open < 0 {
		return "", ErrNoGlobal
	}
	for i := open + 1; i < len(toks); i++ {
		if toks[i].text == "}" && toks[i].depth == toks[open].depth {
			end = i
			break
		}
	}
	if end < 0 {
		return "", errors.New("the global section is not closed")
	}
	for i := open + 1; i+2 < end; i++ {
		if toks[i].text == "usage-count" && toks[i+2].text == ";" {
			v := toks[i+1]
			return text[:v.at] + "no" + text[v.at+len(v.text):], nil
		}
	}
	at := toks[open].at + 1
	return text[:at] + "\n\tusage-count no;" + text[at:], nil
}

type token struct {
	text  string
	at    int // offset in the file
	depth int // braces open before it (a closing brace counts its own)
}

// tokens splits a DRBD configuration into words, quoted strings, braces and
// semicolons, skipping "#" comments.
func tokens(text string) []token {
	var toks []token
	depth := 0
	for i := 0; i < len(text); {
		switch c := text[i]; {
		case c == '#':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '{' || c == '}' || c == ';':
			if c == '}' {
				depth--
			}
			toks = append(toks, token{text[i : i+1], i, depth})
			if c == '{' {
				depth++
			}
			i++
		case c == '"':
			j := i + 1
			for j < len(text) && text[j] != '"' {
				if text[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(text))
			toks = append(toks, token{text[i:j], i, depth})
			i = j
		default:
			j := i
			for j < len(text) && !strings.ContainsRune(" \t\r\n{};#\"", rune(text[j])) {
				j++
			}
			toks = append(toks, token{text[i:j], i, depth})
			i = j
		}
	}
	return toks
}
