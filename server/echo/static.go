//go:build !js

package echo

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// contentTypes fixes the types that matter to the demo, whatever the
// system's MIME tables say (.ts is often video/mp2t there).
var contentTypes = map[string]string{
	".css":  "text/css; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".json": "application/json",
	".map":  "application/json",
	".md":   "text/markdown; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".png":  "image/png",
	".svg":  "image/svg+xml",
	".ts":   "text/plain; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
	".wasm": "application/wasm",
}

// encodings lists the precompressed variants in order of preference.
var encodings = []struct{ name, ext string }{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// staticFiles serves the files under root. Every lookup opens root anew, so
// that a build that deletes and recreates it is picked up, and goes through
// os.Root, so that neither ".." nor a symbolic link leads outside root.
type staticFiles struct {
	root string

	mu    sync.Mutex
	etags map[string]etagEntry
}

// etagEntry caches a file's ETag while its modification time and size stay.
type etagEntry struct {
	mod  time.Time
	size int64
	tag  string
}

func (sf *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Vary", "Accept-Encoding")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}

	root, err := os.OpenRoot(sf.root)
	if err != nil {
		http.Error(w, "static root unavailable", http.StatusInternalServerError)
		return
	}
	defer root.Close()

	upath := r.URL.Path
	if !strings.HasPrefix(upath, "/") {
		upath = "/" + upath
	}
	name := strings.TrimPrefix(path.Clean(upath), "/")
	if name == "" {
		name = "."
	}
	fi, err := root.Stat(filepath.FromSlash(name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if fi.IsDir() {
		if !strings.HasSuffix(r.URL.Path, "/") {
			localRedirect(w, r, path.Base(upath)+"/")
			return
		}
		name = path.Join(name, "index.html")
		if fi, err = root.Stat(filepath.FromSlash(name)); err != nil {
			http.NotFound(w, r)
			return
		}
	}
	if !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}

	ctype, err := sf.contentType(root, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}

	served, encoding := name, ""
	accept := strings.Join(r.Header.Values("Accept-Encoding"), ",")
	for _, e := range encodings {
		if !acceptsEncoding(accept, e.name) {
			continue
		}
		if vfi, err := root.Stat(filepath.FromSlash(name + e.ext)); err == nil && vfi.Mode().IsRegular() {
			served, encoding = name+e.ext, e.name
			break
		}
	}

	f, err := root.Open(filepath.FromSlash(served))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil {
		http.Error(w, "cannot stat "+served, http.StatusInternalServerError)
		return
	}
	tag, err := sf.etag(served, f, fi)
	if err != nil {
		http.Error(w, "cannot read "+served, http.StatusInternalServerError)
		return
	}

	h := w.Header()
	h.Set("Content-Type", ctype)
	if encoding != "" {
		h.Set("Content-Encoding", encoding)
	}
	h.Set("ETag", tag)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, served, fi.ModTime(), f)
}

// contentType returns the type of the file name by its extension, or by
// sniffing its first bytes when the extension is unknown.
func (sf *staticFiles) contentType(root *os.Root, name string) (string, error) {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t, nil
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t, nil
	}
	f, err := root.Open(filepath.FromSlash(name))
	if err != nil {
		return "", err
	}
	defer f.Close()
	var buf [512]byte
	n, _ := io.ReadFull(f, buf[:])
	return http.DetectContentType(buf[:n]), nil
}

// etag returns the strong ETag of f, a hash of its content, computing it
// only when the file's modification time or size changed. It leaves f at
// offset 0.
func (sf *staticFiles) etag(name string, f io.ReadSeeker, fi fs.FileInfo) (string, error) {
	sf.mu.Lock()
	e, ok := sf.etags[name]
	sf.mu.Unlock()
	if ok && e.mod.Equal(fi.ModTime()) && e.size == fi.Size() {
		return e.tag, nil
	}

	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	tag := `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`

	sf.mu.Lock()
	if sf.etags == nil {
		sf.etags = make(map[string]etagEntry)
	}
	sf.etags[name] = etagEntry{mod: fi.ModTime(), size: fi.Size(), tag: tag}
	sf.mu.Unlock()
	return tag, nil
}

// acceptsEncoding reports whether an Accept-Encoding value allows coding:
// listed with a q-value above zero, or covered by "*" and not refused by
// name.
func acceptsEncoding(header, coding string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		token, params, _ := strings.Cut(part, ";")
		token = strings.TrimSpace(token)
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				var err error
				if q, err = strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
					q = 0
				}
			}
		}
		switch {
		case strings.EqualFold(token, coding):
			return q > 0
		case token == "*":
			star = q > 0
		}
	}
	return star
}

// localRedirect redirects to a path relative to the request, keeping the
// query, as http.FileServer does for directories.
func localRedirect(w http.ResponseWriter, r *http.Request, to string) {
	if q := r.URL.RawQuery; q != "" {
		to += "?" + q
	}
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusMovedPermanently)
}
