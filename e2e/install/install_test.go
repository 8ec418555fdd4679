// Package install checks that the main module installs alone: what a user's
// build of github.com/wsbeat/wsbeat downloads is what that build needs, not
// the browser automation, proxies and compressors that the tests and the
// benchmark use (they live in this nested module).
package install

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// testOnly are modules that only the nested module e2e/ may require.
var testOnly = []string{
	"github.com/chromedp/",
	"github.com/Shopify/toxiproxy",
	"github.com/rs/zerolog",
	"github.com/andybalholm/brotli",
	"github.com/hack-pad/safejs", // the patched copy is internal/safejs
}

func TestMainModuleHasNoReplaceOrTestOnlyRequirement(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(browsertest.RepoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == "replace" || strings.Contains(line, "=>") {
			t.Errorf("go.mod: %q: a replace breaks go install of the module", line)
		}
		for _, m := range testOnly {
			if strings.Contains(line, m) {
				t.Errorf("go.mod requires %q, which only tests need", strings.TrimSpace(line))
			}
		}
	}
}

// TestFreshModuleBuildsWithoutTestDependencies builds every package of the
// main module from a new module that requires it, as a user's project
// would, and lists the modules that build selects.
func TestFreshModuleBuildsWithoutTestDependencies(t *testing.T) {
	root := browsertest.RepoRoot(t)
	dir := t.TempDir()
	gomod := "module example.com/user\n\ngo 1.26\n\nrequire github.com/wsbeat/wsbeat v0.0.0\n\n" +
		"replace github.com/wsbeat/wsbeat => " + root + "\n"
	main := "package main\n\nimport (\n\t_ \"github.com/wsbeat/wsbeat\"\n\t_ \"github.com/wsbeat/wsbeat/server/echo\"\n)\n\nfunc main() {}\n"
	for name, body := range map[string]string{"go.mod": gomod, "main.go": main} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gocmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	gocmd("build", "./...")
	gocmd("build", "github.com/wsbeat/wsbeat/...")
	mods := gocmd("list", "-m", "all")
	for _, m := range testOnly {
		if strings.Contains(mods, m) {
			t.Errorf("a user's build selects %s:\n%s", m, mods)
		}
	}
	if !strings.Contains(mods, "github.com/coder/websocket") {
		t.Errorf("go list -m all does not list coder/websocket, so it listed nothing useful:\n%s", mods)
	}
}
