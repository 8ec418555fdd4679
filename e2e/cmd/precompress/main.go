// Command precompress writes NAME.gz and NAME.br next to every .js, .wasm
// and .d.ts file in a directory, for a server that picks them by
// Accept-Encoding. It is part of make build, so it must need nothing but
// the Go module proxy.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/andybalholm/brotli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "precompress:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".wasm") || strings.HasSuffix(name, ".d.ts")) {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(data)
		if err := zw.Close(); err != nil {
			return err
		}
		var br bytes.Buffer
		bw := brotli.NewWriterLevel(&br, brotli.BestCompression)
		bw.Write(data)
		if err := bw.Close(); err != nil {
			return err
		}
		if err := os.WriteFile(path+".gz", gz.Bytes(), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(path+".br", br.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Printf("%-16s %9d raw %9d gzip %9d brotli\n", name, len(data), gz.Len(), br.Len())
	}
	return nil
}
