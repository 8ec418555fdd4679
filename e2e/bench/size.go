//go:build !js

package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// wasmFlags are the Makefile's WASMFLAGS: the empty program must be built
// exactly like dist/wsbeat.wasm for the size ratio to mean anything.
var wasmFlags = []string{"-trimpath", "-ldflags=-s -w"}

// Size compares wsbeat.wasm with the empty Go program.
type Size struct {
	WSBeat, Empty Bytes

	// Packages is the code of each Go package in both binaries, largest
	// addition first; Sections the wasm sections of both.
	Packages []PackageSize
	Sections []SectionSize
}

// Bytes is one file raw and as the server sends it.
type Bytes struct {
	Raw, Gzip, Brotli int64
}

// PackageSize is the size of a package's functions in the code section.
type PackageSize struct {
	Package       string
	WSBeat, Empty int64
	Funcs         int
}

// SectionSize is the size of one wasm section.
type SectionSize struct {
	Name          string
	WSBeat, Empty int64
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

func goCmd(root string, env []string, args ...string) error {
	cmd := exec.Command(goTool(), args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

var wasmEnv = []string{"GOOS=js", "GOARCH=wasm"}

// buildEmpty builds e2e/bench/emptywasm into dir as empty.wasm and writes its
// .gz and .br with make build's own precompress command, so that the
// server sends it as it sends dist/wsbeat.wasm.
func buildEmpty(root, dir string) error {
	dev := filepath.Join(root, "e2e") // the nested module that holds both
	args := append(append([]string{"build"}, wasmFlags...), "-o", filepath.Join(dir, "empty.wasm"), "./bench/emptywasm")
	if err := goCmd(dev, wasmEnv, args...); err != nil {
		return err
	}
	return goCmd(dev, nil, "run", "./cmd/precompress", dir)
}

func fileBytes(path string) (Bytes, error) {
	var b Bytes
	for _, f := range []struct {
		ext string
		n   *int64
	}{{"", &b.Raw}, {".gz", &b.Gzip}, {".br", &b.Brotli}} {
		fi, err := os.Stat(path + f.ext)
		if err != nil {
			return b, err
		}
		*f.n = fi.Size()
	}
	return b, nil
}

// measureSize reads the sizes and builds both programs once more with
// their symbols, to attribute code to packages.
func measureSize(tb testing.TB, root, dir string) *Size {
	tb.Helper()
	wasm := filepath.Join(root, "dist", "wsbeat.wasm")
	raw, err1 := os.Stat(wasm)
	br, err2 := os.Stat(wasm + ".br")
	if err := errors.Join(err1, err2); err != nil {
		tb.Fatalf("bench: %v; run make build", err)
	}
	if br.ModTime().Before(raw.ModTime()) {
		tb.Fatalf("bench: %s.br is older than %s; run make build", wasm, wasm)
	}
	s := &Size{}
	var err error
	if s.WSBeat, err = fileBytes(wasm); err != nil {
		tb.Fatalf("bench: %v", err)
	}
	if s.Empty, err = fileBytes(filepath.Join(dir, "empty.wasm")); err != nil {
		tb.Fatalf("bench: %v", err)
	}

	var mods [2]*wasmModule
	// wsbeat's main is in the main module; the empty program in e2e/.
	for i, pkg := range [][2]string{{root, "./wasm"}, {filepath.Join(root, "e2e"), "./bench/emptywasm"}} {
		out := filepath.Join(dir, fmt.Sprintf("syms%d.wasm", i))
		if err := goCmd(pkg[0], wasmEnv, "build", "-trimpath", "-o", out, pkg[1]); err != nil {
			tb.Fatalf("bench: %v", err)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			tb.Fatalf("bench: %v", err)
		}
		if mods[i], err = parseWasm(data); err != nil {
			tb.Fatalf("bench: %s: %v", pkg, err)
		}
	}
	paths, err := linkedPackages(root, "./wasm")
	if err != nil {
		tb.Fatalf("bench: %v", err)
	}
	s.Packages = comparePackages(newPackageNamer(append(paths, "main")), mods[0], mods[1])
	s.Sections = compareSections(mods[0], mods[1])
	return s
}

func comparePackages(names *packageNamer, w, e *wasmModule) []PackageSize {
	by := map[string]*PackageSize{}
	get := func(p string) *PackageSize {
		if by[p] == nil {
			by[p] = &PackageSize{Package: p}
		}
		return by[p]
	}
	for _, f := range w.funcs {
		ps := get(names.of(f.name))
		ps.WSBeat += f.size
		ps.Funcs++
	}
	for _, f := range e.funcs {
		get(names.of(f.name)).Empty += f.size
	}
	var out []PackageSize
	for _, p := range by {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool {
		di, dj := out[i].WSBeat-out[i].Empty, out[j].WSBeat-out[j].Empty
		if di != dj {
			return di > dj
		}
		return out[i].Package < out[j].Package
	})
	return out
}

func compareSections(w, e *wasmModule) []SectionSize {
	var out []SectionSize
	seen := map[string]bool{}
	for _, s := range w.sections {
		out = append(out, SectionSize{Name: s.name, WSBeat: s.size, Empty: e.section(s.name)})
		seen[s.name] = true
	}
	for _, s := range e.sections {
		if !seen[s.name] {
			out = append(out, SectionSize{Name: s.name, Empty: s.size})
		}
	}
	return out
}

// packageNamer maps the function names of a Go wasm binary to packages.
// The linker writes "pkg/path.(*T).M" with every character other than a
// letter, digit, '_' or '.' turned into '_' (cmd/link/internal/wasm,
// nameRegexp), so a name is matched against the linked packages' paths
// mangled the same way, longest first.
type packageNamer struct {
	mangled []string          // longest first
	real    map[string]string // mangled → import path
}

var nameMangle = regexp.MustCompile(`[^\w.]`)

func newPackageNamer(paths []string) *packageNamer {
	n := &packageNamer{real: map[string]string{}}
	for _, p := range paths {
		m := nameMangle.ReplaceAllString(p, "_")
		n.real[m] = p
		n.mangled = append(n.mangled, m)
	}
	sort.Slice(n.mangled, func(i, j int) bool { return len(n.mangled[i]) > len(n.mangled[j]) })
	return n
}

// of returns the package of a function name. Type equality and hash
// functions the compiler generates are put together.
func (n *packageNamer) of(name string) string {
	switch {
	case strings.HasPrefix(name, "type_."):
		return "(generated type eq/hash)"
	case strings.HasPrefix(name, "go_"):
		return "(linker)"
	}
	for _, m := range n.mangled {
		if strings.HasPrefix(name, m+".") {
			return n.real[m]
		}
	}
	return "(other)"
}

// linkedPackages lists the packages a js/wasm build of pkg links.
func linkedPackages(root, pkg string) ([]string, error) {
	cmd := exec.Command(goTool(), "list", "-deps", pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), wasmEnv...)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out)), nil
}

// wasmModule is what the size breakdown needs of a wasm binary.
type wasmModule struct {
	sections []wasmSection
	funcs    []wasmFunc
}

type wasmSection struct {
	name string
	size int64
}

type wasmFunc struct {
	name string
	size int64
}

func (m *wasmModule) section(name string) int64 {
	var n int64
	for _, s := range m.sections {
		if s.name == name {
			n += s.size
		}
	}
	return n
}

var sectionNames = []string{"custom", "type", "import", "function", "table", "memory",
	"global", "export", "start", "element", "code", "data", "data count"}

// parseWasm reads the section sizes, the code size of every function and
// the function names from the "name" custom section, which Go writes
// unless linked with -s.
func parseWasm(data []byte) (*wasmModule, error) {
	if len(data) < 8 || !bytes.Equal(data[:4], []byte("\x00asm")) {
		return nil, errors.New("not a wasm binary")
	}
	r := &reader{b: data[8:]}
	m := &wasmModule{}
	imports := 0
	var sizes []int64
	names := map[int]string{}
	for r.more() {
		id := r.byte()
		size := int(r.uleb())
		body := &reader{b: r.take(size)}
		if r.err != nil {
			return nil, r.err
		}
		name := "unknown"
		if int(id) < len(sectionNames) {
			name = sectionNames[id]
		}
		switch id {
		case 0:
			name = "custom " + string(body.take(int(body.uleb())))
			if name == "custom name" {
				readNames(body, names)
			}
		case 2:
			for n := body.uleb(); n > 0 && body.err == nil; n-- {
				body.take(int(body.uleb())) // module
				body.take(int(body.uleb())) // field
				kind := body.byte()
				switch kind {
				case 0:
					imports++
					body.uleb()
				case 1: // table: reftype, limits
					body.byte()
					readLimits(body)
				case 2:
					readLimits(body)
				case 3: // global: valtype, mut
					body.byte()
					body.byte()
				}
			}
		case 10:
			for n := body.uleb(); n > 0 && body.err == nil; n-- {
				sz := body.uleb()
				body.take(int(sz))
				sizes = append(sizes, int64(sz))
			}
		}
		if body.err != nil {
			return nil, fmt.Errorf("section %s: %w", name, body.err)
		}
		m.sections = append(m.sections, wasmSection{name: name, size: int64(size)})
	}
	for i, sz := range sizes {
		n := names[imports+i]
		if n == "" {
			n = fmt.Sprintf("func%d", imports+i)
		}
		m.funcs = append(m.funcs, wasmFunc{name: n, size: sz})
	}
	return m, nil
}

func readLimits(r *reader) {
	if flags := r.byte(); flags&1 != 0 {
		r.uleb()
	}
	r.uleb()
}

// readNames reads subsection 1 (function names) of the name section.
func readNames(r *reader, names map[int]string) {
	for r.more() && r.err == nil {
		id := r.byte()
		sub := &reader{b: r.take(int(r.uleb()))}
		if id != 1 {
			continue
		}
		for n := sub.uleb(); n > 0 && sub.err == nil; n-- {
			idx := sub.uleb()
			names[int(idx)] = string(sub.take(int(sub.uleb())))
		}
	}
}

// reader reads a wasm binary; the first error sticks and later reads
// return zero values.
type reader struct {
	b   []byte
	err error
}

func (r *reader) more() bool { return r.err == nil && len(r.b) > 0 }

func (r *reader) byte() byte {
	b := r.take(1)
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

func (r *reader) uleb() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errors.New("bad LEB128")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = fmt.Errorf("truncated: want %d bytes, have %d", n, len(r.b))
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}
