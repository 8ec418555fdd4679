//go:build !js

package contract

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// bannedWasmDeps are packages that must stay out of wsbeat.wasm. Each costs
// tens of kilobytes of brotli and is only a convenience: fmt and reflect
// (behind fmt), net/url (with net/netip and unique), net/http, and os (with
// io/fs and internal/poll).
var bannedWasmDeps = []string{"fmt", "reflect", "net/url", "net/http", "os"}

// TestWasmDeps fails when the js/wasm build of ./wasm links a banned
// package, and names the packages that import it.
func TestWasmDeps(t *testing.T) {
	root := browsertest.RepoRoot(t)
	cmd := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "./wasm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	importers := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		importers[pkg] = nil
		for _, imp := range strings.Fields(imports) {
			importers[imp] = append(importers[imp], pkg)
		}
	}
	if _, ok := importers["github.com/wsbeat/wsbeat/jsbridge"]; !ok {
		t.Fatalf("go list output does not include jsbridge:\n%s", out)
	}
	for _, banned := range bannedWasmDeps {
		if by, ok := importers[banned]; ok {
			t.Errorf("wsbeat.wasm links %s, imported by %s", banned, strings.Join(by, ", "))
		}
	}
}
