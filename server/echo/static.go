//go:build !js

package echo

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// contentTypes is the whole table of types the server sends, by extension.
// It does not consult the system's MIME tables, which differ between
// machines and guess wrong for source files (go.mod as audio/x-mod, .ts as
// video/mp2t), and it never sniffs: any other file is
// application/octet-stream, which a browser neither renders nor runs.
var contentTypes = map[string]string{
	".avif":  "image/avif",
	".css":   "text/css; charset=utf-8",
	".csv":   "text/csv; charset=utf-8",
	".gif":   "image/gif",
	".htm":   "text/html; charset=utf-8",
	".html":  "text/html; charset=utf-8",
	".ico":   "image/x-icon",
	".jpeg":  "image/jpeg",
	".jpg":   "image/jpeg",
	".js":    "text/javascript; charset=utf-8",
	".json":  "application/json",
	".map":   "application/json",
	".md":    "text/markdown; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".otf":   "font/otf",
	".pdf":   "application/pdf",
	".png":   "image/png",
	".svg":   "image/svg+xml",
	".ts":    "text/plain; charset=utf-8",
	".ttf":   "font/ttf",
	".txt":   "text/plain; charset=utf-8",
	".wasm":  "application/wasm",
	".webm":  "video/webm",
	".webp":  "image/webp",
	".woff":  "font/woff",
	".woff2": "font/woff2",
	".xml":   "application/xml",
}

// defaultContentType is the type of a file whose extension is not in
// contentTypes.
const defaultContentType = "application/octet-stream"

// encodings lists the precompressed variants in order of preference.
var encodings = []struct{ name, ext string }{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// staticFiles serves the mounted files and directories. Every lookup opens
// the mount's directory anew, so that a build that deletes and recreates it
// is picked up, and goes through os.Root, so that neither ".." nor a
// symbolic link leads outside it. Nothing whose name starts with "." is
// served: no .git, no .env.
type staticFiles struct {
	mounts []staticMount // longest URL first

	mu    sync.Mutex
	etags map[string]etagEntry
}

// staticMount is a Mount as served: a directory (file == "") whose
// contents appear under url, or one file of dir served at exactly url.
type staticMount struct {
	url  string
	dir  string
	file string
}

// etagEntry caches a file's ETag while its modification time and size stay.
type etagEntry struct {
	mod  time.Time
	size int64
	tag  string
}

// newStaticFiles prepares mounts. A mount whose path is a regular file
// serves that file at exactly its URL; any other (a directory, or a path
// that does not exist yet) serves a directory under its URL.
func newStaticFiles(mounts []Mount) *staticFiles {
	sf := &staticFiles{}
	for _, m := range mounts {
		u := "/" + strings.TrimPrefix(m.URL, "/")
		if fi, err := os.Stat(m.Path); err == nil && fi.Mode().IsRegular() {
			sf.mounts = append(sf.mounts, staticMount{url: u, dir: filepath.Dir(m.Path), file: filepath.Base(m.Path)})
			continue
		}
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		sf.mounts = append(sf.mounts, staticMount{url: u, dir: m.Path})
	}
	sort.SliceStable(sf.mounts, func(i, j int) bool { return len(sf.mounts[i].url) > len(sf.mounts[j].url) })
	return sf
}

// resolve finds the mount that serves the cleaned URL path upath, and the
// slash-separated name inside its directory ("." for its top).
func (sf *staticFiles) resolve(upath string) (m staticMount, name string, ok bool) {
	for _, m := range sf.mounts {
		if m.file != "" {
			if upath == m.url {
				return m, m.file, true
			}
			continue
		}
		dirURL := strings.TrimSuffix(m.url, "/")
		if upath == dirURL || strings.HasPrefix(upath, m.url) {
			name = strings.TrimPrefix(strings.TrimPrefix(upath, dirURL), "/")
			if name == "" {
				name = "."
			}
			return m, name, true
		}
	}
	return staticMount{}, "", false
}

// hasDotSegment reports whether any segment of the slash-separated path p
// starts with ".", as .git, .env or .ssh do.
func hasDotSegment(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, ".") && seg != "." {
			return true
		}
	}
	return false
}

func (sf *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Vary", "Accept-Encoding")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}

	upath := r.URL.Path
	if !strings.HasPrefix(upath, "/") {
		upath = "/" + upath
	}
	upath = path.Clean(upath)
	if hasDotSegment(upath) {
		http.NotFound(w, r)
		return
	}
	m, name, ok := sf.resolve(upath)
	if !ok {
		http.NotFound(w, r)
		return
	}

	root, err := os.OpenRoot(m.dir)
	if err != nil {
		http.Error(w, "static root unavailable", http.StatusInternalServerError)
		return
	}
	defer root.Close()

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

	ctype := contentType(name)

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
	tag, err := sf.etag(filepath.Join(m.dir, filepath.FromSlash(served)), f, fi)
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

// contentType returns the type of the file name from contentTypes by its
// extension, or application/octet-stream.
func contentType(name string) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return defaultContentType
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
