//go:build !js

package contract

import (
	"go/build/constraint"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// jsOnlyDirs hold the code that exists only in the browser build.
var jsOnlyDirs = []string{"jsbridge", "wasm"}

// TestWasmBuildTags fails when a .go file under jsbridge/ or wasm/, tests
// included, lacks the constraint //go:build js && wasm. Without it the
// file would compile natively, where syscall/js does not exist, or, in a
// directory whose other files are js-only, make `go test ./...` try to
// build a package it must skip.
func TestWasmBuildTags(t *testing.T) {
	root := browsertest.RepoRoot(t)
	checked := 0
	for _, dir := range jsOnlyDirs {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") {
				return nil
			}
			checked++
			rel, _ := filepath.Rel(root, path)
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			expr, err := buildConstraint(string(src))
			switch {
			case err != nil:
				t.Errorf("%s: %v", rel, err)
			case expr == nil:
				t.Errorf("%s: no //go:build line; want //go:build js && wasm", rel)
			case expr.String() != "js && wasm":
				t.Errorf("%s: //go:build %s; want //go:build js && wasm", rel, expr)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walking %s: %v", dir, err)
		}
	}
	if checked == 0 {
		t.Fatalf("no .go files under %v", jsOnlyDirs)
	}
}

// buildConstraint returns the //go:build expression of a Go source file:
// the one in the comments before the package clause, or nil.
func buildConstraint(src string) (constraint.Expr, error) {
	for line := range strings.Lines(src) {
		line = strings.TrimSpace(line)
		switch {
		case constraint.IsGoBuild(line):
			return constraint.Parse(line)
		case line == "" || strings.HasPrefix(line, "//"):
			continue
		default:
			return nil, nil // the package clause or a block comment: no constraint follows
		}
	}
	return nil, nil
}

// TestBuildConstraintParsing checks the parser on the cases that matter,
// so that TestWasmBuildTags can fail.
func TestBuildConstraintParsing(t *testing.T) {
	for _, tc := range []struct {
		src, want string
	}{
		{"//go:build js && wasm\n\npackage x\n", "js && wasm"},
		{"// Copyright\n\n//go:build js && wasm\n\npackage x\n", "js && wasm"},
		{"//go:build js\n\npackage x\n", "js"},
		{"package x\n\n//go:build js && wasm\n", ""},
		{"// +build js,wasm\n\npackage x\n", ""},
	} {
		expr, err := buildConstraint(tc.src)
		got := ""
		if expr != nil {
			got = expr.String()
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: got %q, %v; want %q", tc.src, got, err, tc.want)
		}
	}
}
