//go:build !js

package contract

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// goDefaults are the option defaults as the browser API states them,
// computed from the one source: the Go engine's wsbeat.Default* constants.
// The defaults that have no Go constant are the browser API's own (JS
// values with no Go counterpart, or where Go's zero means "no limit").
func goDefaults() map[string]string {
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	return map[string]string{
		"minReconnectionDelay":        ms(wsbeat.DefaultMinReconnectionDelay),
		"maxReconnectionDelay":        ms(wsbeat.DefaultMaxReconnectionDelay),
		"reconnectionDelayGrowFactor": strconv.FormatFloat(wsbeat.DefaultReconnectionDelayGrowFactor, 'g', -1, 64),
		"minUptime":                   ms(wsbeat.DefaultMinUptime),
		"connectionTimeout":           ms(wsbeat.DefaultConnectionTimeout),
		"maxRetries":                  "Infinity", // Go: MaxRetries 0, no limit
		"maxEnqueuedMessages":         strconv.Itoa(wsbeat.DefaultMaxEnqueuedMessages),
		"maxEnqueuedBytes":            strconv.Itoa(wsbeat.DefaultMaxEnqueuedBytes),
		"overflow":                    strconv.Quote(wsbeat.DropOldest.String()),
		"heartbeatInterval":           ms(wsbeat.DefaultHeartbeatInterval),
		"heartbeatTimeout":            ms(wsbeat.DefaultHeartbeatTimeout),
		"heartbeatMessage":            strconv.Quote(wsbeat.DefaultHeartbeatMessage),
		"heartbeatResponse":           strconv.Quote(wsbeat.DefaultHeartbeatResponse),
		"startClosed":                 "false",
		"binaryType":                  `"blob"`,
		"debug":                       "false",
	}
}

// TestDefaultsMatchGo fails when a copy of the option defaults drifts from
// the Go engine's: js/src/defaults.js (WSBeat.defaults), the README's
// options table, and the "Default …" of each option's doc comment in
// js/wsbeat.d.ts.
func TestDefaultsMatchGo(t *testing.T) {
	root := browsertest.RepoRoot(t)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	want := goDefaults()
	norm := func(s string) string { return strings.ReplaceAll(strings.Trim(s, "` "), "'", `"`) }

	// js/src/defaults.js: "  name: value," lines.
	js := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(\w+): ([^,\n]+),?$`).FindAllStringSubmatch(read("js/src/defaults.js"), -1) {
		js[m[1]] = norm(m[2])
	}
	// README: "| `name` | default | meaning |" rows of the Options table.
	readme := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(\\w+)` \\| ([^|]+) \\|").FindAllStringSubmatch(read("README.md"), -1) {
		readme[m[1]] = norm(m[2])
	}
	// d.ts: "/** … Default X. */ name?:".
	dts := map[string]string{}
	for _, m := range regexp.MustCompile(`Default ([^\s*]+?)\.? \*/\s+(\w+)\?:`).FindAllStringSubmatch(read("js/wsbeat.d.ts"), -1) {
		dts[m[2]] = norm(m[1])
	}
	for name, v := range want {
		if js[name] != v {
			t.Errorf("js/src/defaults.js: %s is %q, Go says %s", name, js[name], v)
		}
		if readme[name] != v {
			t.Errorf("README options table: %s is %q, Go says %s", name, readme[name], v)
		}
		if dts[name] != v {
			t.Errorf("js/wsbeat.d.ts: the doc comment of %s says Default %q, Go says %s", name, dts[name], v)
		}
	}
	if len(js) != len(want)+1 { // + shouldReconnect: undefined
		t.Errorf("js/src/defaults.js has %d options, the test knows %d and shouldReconnect", len(js), len(want))
	}
}
