//go:build !js

// Command matrix runs browser test packages once per engine (Chromium,
// Firefox, WebKit), one engine after another, with $WSBEAT_BROWSER set,
// and prints what each engine's run took, how many cases passed, failed
// and were skipped in it, and every skip with its reason.
//
//	go run ./internal/browsertest/matrix [-browsers chromium,firefox,webkit] [-timeout 12m] PKG...
//
// It prints the output of failed tests as go test does, and exits 1 when
// any case failed in any engine.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"
)

// event is one line of go test -json.
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

// caseKey names one test case.
type caseKey struct{ pkg, test string }

// run is what one engine's go test run gave.
type run struct {
	engine  string
	took    time.Duration
	results map[caseKey]string   // pass, fail or skip
	output  map[caseKey][]string // each case's own output lines
	pkgFail []string             // packages that failed outside any case (build errors, panics, timeouts)
	flaky   []caseKey            // cases that failed, then passed when run again alone
	err     error
}

func main() {
	browsers := flag.String("browsers", "chromium,firefox,webkit", "engines to run, comma-separated")
	timeout := flag.String("timeout", "12m", "go test -timeout for each engine's run")
	flag.Parse()
	pkgs := flag.Args()
	if len(pkgs) == 0 {
		fmt.Fprintln(os.Stderr, "matrix: no packages")
		os.Exit(2)
	}
	var runs []*run
	for _, e := range strings.Split(*browsers, ",") {
		if e = strings.TrimSpace(e); e != "" {
			fmt.Printf("matrix: %s: go test %s\n", e, strings.Join(pkgs, " "))
			r := runEngine(e, *timeout, pkgs)
			retryFailed(r, *timeout)
			runs = append(runs, r)
		}
	}
	if !report(os.Stdout, runs) {
		os.Exit(1)
	}
}

// runEngine runs go test -json for the packages with $WSBEAT_BROWSER=engine
// and prints failed cases' output as it goes.
func runEngine(engine, timeout string, pkgs []string, extra ...string) *run {
	r := &run{engine: engine, results: map[caseKey]string{}, output: map[caseKey][]string{}}
	args := append(append([]string{"test", "-race", "-count=1", "-json", "-timeout", timeout}, extra...), pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "WSBEAT_BROWSER="+engine)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		r.err = err
		return r
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		r.err = err
		return r
	}
	pkgOut := map[string][]string{}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev event
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			fmt.Println(sc.Text()) // not JSON: a build error, say
			continue
		}
		k := caseKey{ev.Package, ev.Test}
		switch ev.Action {
		case "output":
			if ev.Test == "" {
				pkgOut[ev.Package] = append(pkgOut[ev.Package], ev.Output)
			} else {
				r.output[k] = append(r.output[k], ev.Output)
			}
		case "pass", "fail", "skip":
			if ev.Test != "" {
				r.results[k] = ev.Action
				if ev.Action == "fail" && !hasSubtests(r.results, k) {
					fmt.Printf("[%s] %s", engine, strings.Join(r.output[k], ""))
				}
				continue
			}
			fmt.Printf("[%s] %-4s %s (%.1fs)\n", engine, strings.ToUpper(ev.Action), ev.Package, ev.Elapsed)
			if ev.Action == "fail" {
				// Output outside any case: a panic, a timeout, a build error.
				lines := slices.DeleteFunc(pkgOut[ev.Package], func(l string) bool {
					return l == "FAIL\n" || strings.HasPrefix(l, "FAIL\t") || strings.HasPrefix(l, "ok  \t")
				})
				if len(lines) > 0 {
					fmt.Printf("[%s] %s", engine, strings.Join(lines, ""))
				}
				r.pkgFail = append(r.pkgFail, ev.Package)
			}
		}
	}
	r.err = cmd.Wait()
	r.took = time.Since(start)
	return r
}

// retryFailed runs each failed case of r once more, alone, and counts it
// as passed, and flaky, when it passes then. Three browsers on a shared
// 2-core machine miss a timing now and then; a case that fails because of
// a bug fails twice, and a flaky case is still listed in the summary. A
// package that failed with no failed case (a build error) is not retried.
func retryFailed(r *run, timeout string) {
	if r.err == nil {
		return
	}
	var failed []caseKey
	for k, res := range r.results {
		if res == "fail" && !hasSubtests(r.results, k) {
			failed = append(failed, k)
		}
	}
	if len(failed) == 0 {
		return
	}
	for _, pkg := range r.pkgFail {
		if !slices.ContainsFunc(failed, func(k caseKey) bool { return k.pkg == pkg }) {
			return
		}
	}
	for _, k := range failed {
		parts := strings.Split(k.test, "/")
		for i, p := range parts {
			parts[i] = "^" + regexp.QuoteMeta(p) + "$"
		}
		fmt.Printf("matrix: %s: running %s %s again\n", r.engine, shortPkg(k.pkg), k.test)
		again := runEngine(r.engine, timeout, []string{k.pkg}, "-run", strings.Join(parts, "/"))
		if again.err != nil || again.results[k] != "pass" {
			return // a real failure: r keeps its error
		}
		r.results[k] = "pass"
		r.flaky = append(r.flaky, k)
	}
	r.err = nil
	r.pkgFail = nil
}

// hasSubtests reports whether k has subtests among results so far.
func hasSubtests(results map[caseKey]string, k caseKey) bool {
	for o := range results {
		if o.pkg == k.pkg && strings.HasPrefix(o.test, k.test+"/") {
			return true
		}
	}
	return false
}

// report prints the table and the skips, and reports whether every run
// passed.
func report(w io.Writer, runs []*run) bool {
	ok := true
	fmt.Fprintf(w, "\nmatrix: cases per engine (leaf tests and subtests)\n")
	fmt.Fprintf(w, "%-10s %8s %6s %6s %6s\n", "engine", "time", "pass", "fail", "skip")
	for _, r := range runs {
		n := map[string]int{}
		for k, res := range r.results {
			if !hasSubtests(r.results, k) {
				n[res]++
			}
		}
		fmt.Fprintf(w, "%-10s %8s %6d %6d %6d\n", r.engine, r.took.Round(time.Second), n["pass"], n["fail"], n["skip"])
		if r.err != nil || n["fail"] > 0 || len(r.pkgFail) > 0 {
			ok = false
		}
	}
	for _, r := range runs {
		var skips []string
		for k, res := range r.results {
			if res == "skip" && !hasSubtests(r.results, k) {
				skips = append(skips, fmt.Sprintf("  %s %s: %s", shortPkg(k.pkg), k.test, skipReason(r.output[k])))
			}
		}
		slices.Sort(skips)
		fmt.Fprintf(w, "\nmatrix: %s: %d skipped\n", r.engine, len(skips))
		for _, s := range skips {
			fmt.Fprintln(w, s)
		}
		for _, k := range r.flaky {
			fmt.Fprintf(w, "matrix: %s: flaky (failed, then passed alone): %s %s\n", r.engine, shortPkg(k.pkg), k.test)
		}
		if r.err != nil {
			fmt.Fprintf(w, "matrix: %s: go test: %v\n", r.engine, r.err)
		}
	}
	return ok
}

// skipReason is the last line a skipped case logged before its
// "--- SKIP" line: the message of t.Skip.
func skipReason(lines []string) string {
	reason := "(no reason given)"
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
			continue
		}
		reason = t
	}
	return reason
}

func shortPkg(p string) string {
	return strings.TrimPrefix(p, "github.com/wsbeat/wsbeat/e2e/")
}
