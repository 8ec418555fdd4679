package wire

import (
	"os/exec"
	"strings"
	"testing"
)

// TestWasmDeps fails if the package links, in the engine's WebAssembly
// build, a package that would make wsbeat.wasm much larger.
func TestWasmDeps(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", ".")
	cmd.Env = append(cmd.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch dep {
		case "fmt", "reflect", "os", "net/url", "net/http":
			t.Errorf("reliable/wire links %s in js/wasm", dep)
		}
	}
}
