package demo

import (
	"embed"
	"path"
	"strings"
)

// formFS holds the JSON definitions of the demo's online services, one file per
// form key (the keys of OnlineServices).
//
//go:embed forms/*.json
var formFS embed.FS

// Forms returns the demo's form definitions by key, to be loaded (as live
// versions) into every demo comune.
func Forms() map[string][]byte {
	entries, err := formFS.ReadDir("forms")
	if err != nil {
		panic(err) // embedded at build time: cannot fail
	}
	out := make(map[string][]byte, len(entries))
	for _, e := range entries {
		data, err := formFS.ReadFile(path.Join("forms", e.Name()))
		if err != nil {
			panic(err)
		}
		out[strings.TrimSuffix(e.Name(), ".json")] = data
	}
	return out
}
