package config

import (
	"fmt"
	"strings"
)

// Setting describes one setting for documentation: docs/operations.md carries the
// table made by ReferenceTable, and a test keeps the two in step.
type Setting struct {
	Env       string // PIAZZA_…
	Flag      string // without dashes
	Default   string // as the flag shows it; "" when empty
	Usage     string
	ServeOnly bool // only piazza serve reads it
}

// Reference lists every setting in the order of piazza serve --help.
func Reference() []Setting {
	def := Defaults()
	var out []Setting
	for _, o := range options() {
		out = append(out, Setting{Env: o.env, Flag: o.flag, Default: o.get(&def), Usage: o.usage, ServeOnly: o.serveOnly})
	}
	return out
}

// ReferenceTable renders Reference as a Markdown table.
func ReferenceTable() string {
	var b strings.Builder
	b.WriteString("| Variable | Flag | Default | Commands | Meaning |\n|---|---|---|---|---|\n")
	for _, s := range Reference() {
		def := "(empty)"
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		cmds := "all"
		if s.ServeOnly {
			cmds = "serve"
		}
		fmt.Fprintf(&b, "| `%s` | `--%s` | %s | %s | %s |\n", s.Env, s.Flag, def, cmds, strings.ReplaceAll(s.Usage, "|", `\|`))
	}
	return b.String()
}
