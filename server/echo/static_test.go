//go:build !js

package echo_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/server/echo"
	"github.com/wsbeat/wsbeat/server/internal/assert"
)

// staticRoot writes files under a new directory "root" in a temporary
// directory and returns both.
func staticRoot(t *testing.T, files map[string]string) (dir, root string) {
	t.Helper()
	dir = t.TempDir()
	root = filepath.Join(dir, "root")
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		assert.Success(t, os.MkdirAll(filepath.Dir(p), 0o755))
		assert.Success(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir, root
}

// get fetches path with the given Accept-Encoding, without the client's
// transparent decompression and without following redirects.
func get(t *testing.T, ts *httptest.Server, method, path, acceptEncoding string, header http.Header) (*http.Response, string) {
	t.Helper()
	h := http.Header{}
	if acceptEncoding != "" {
		h.Set("Accept-Encoding", acceptEncoding)
	}
	for k, v := range header {
		h[k] = v
	}
	return request(t, ts, method, path, h)
}

func startStatic(t *testing.T, root string) *httptest.Server {
	t.Helper()
	_, ts := startServer(t, echo.Config{Root: root})
	ts.Client().CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ts.Client().Transport.(*http.Transport).DisableCompression = true
	return ts
}

func TestStaticPrecompressed(t *testing.T) {
	_, root := staticRoot(t, map[string]string{
		"app.wasm":    "identity wasm",
		"app.wasm.br": "brotli wasm",
		"app.wasm.gz": "gzip wasm",
		"main.js":     "identity js",
		"main.js.gz":  "gzip js",
	})
	ts := startStatic(t, root)

	for _, tc := range []struct {
		path, accept, body, encoding, ctype string
	}{
		{"/app.wasm", "gzip, deflate, br, zstd", "brotli wasm", "br", "application/wasm"},
		{"/app.wasm", "br", "brotli wasm", "br", "application/wasm"},
		{"/app.wasm", "gzip", "gzip wasm", "gzip", "application/wasm"},
		{"/app.wasm", "br;q=0, gzip", "gzip wasm", "gzip", "application/wasm"},
		{"/app.wasm", "*", "brotli wasm", "br", "application/wasm"},
		{"/app.wasm", "*, br;q=0", "gzip wasm", "gzip", "application/wasm"},
		{"/app.wasm", "identity", "identity wasm", "", "application/wasm"},
		{"/app.wasm", "", "identity wasm", "", "application/wasm"},
		{"/main.js", "br, gzip", "gzip js", "gzip", "text/javascript; charset=utf-8"},
		{"/main.js", "br", "identity js", "", "text/javascript; charset=utf-8"},
	} {
		name := tc.path + " with Accept-Encoding " + tc.accept
		resp, body := get(t, ts, http.MethodGet, tc.path, tc.accept, nil)
		assert.Equal(t, "status of "+name, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "body of "+name, tc.body, body)
		assert.Equal(t, "Content-Encoding of "+name, tc.encoding, resp.Header.Get("Content-Encoding"))
		assert.Equal(t, "Content-Type of "+name, tc.ctype, resp.Header.Get("Content-Type"))
		assert.Equal(t, "Vary of "+name, "Accept-Encoding", resp.Header.Get("Vary"))
		assert.Equal(t, "Cache-Control of "+name, "no-cache", resp.Header.Get("Cache-Control"))
	}
}

func TestStaticETag(t *testing.T) {
	_, root := staticRoot(t, map[string]string{
		"app.wasm":    "identity wasm",
		"app.wasm.br": "brotli wasm",
	})
	ts := startStatic(t, root)

	resp, _ := get(t, ts, http.MethodGet, "/app.wasm", "br", nil)
	brTag := resp.Header.Get("ETag")
	assert.True(t, "strong quoted ETag, got "+brTag, strings.HasPrefix(brTag, `"`) && strings.HasSuffix(brTag, `"`) && len(brTag) > 8)

	resp, plain := get(t, ts, http.MethodGet, "/app.wasm", "", nil)
	tag := resp.Header.Get("ETag")
	assert.True(t, "identity and br share ETag "+tag, tag != brTag)

	resp, body := get(t, ts, http.MethodGet, "/app.wasm", "br", http.Header{"If-None-Match": {brTag}})
	assert.Equal(t, "status for a matching ETag", http.StatusNotModified, resp.StatusCode)
	assert.Equal(t, "body of 304", "", body)
	assert.Equal(t, "ETag of 304", brTag, resp.Header.Get("ETag"))

	resp, body = get(t, ts, http.MethodGet, "/app.wasm", "", http.Header{"If-None-Match": {brTag}})
	assert.Equal(t, "status for another encoding's ETag", http.StatusOK, resp.StatusCode)
	assert.Equal(t, "body", plain, body)

	// Same content, same ETag; changed content, new ETag.
	resp, _ = get(t, ts, http.MethodGet, "/app.wasm", "", nil)
	assert.Equal(t, "ETag of an unchanged file", tag, resp.Header.Get("ETag"))
	p := filepath.Join(root, "app.wasm")
	assert.Success(t, os.WriteFile(p, []byte("identity wasm, rebuilt"), 0o644))
	later := time.Now().Add(time.Second)
	assert.Success(t, os.Chtimes(p, later, later))
	resp, body = get(t, ts, http.MethodGet, "/app.wasm", "", http.Header{"If-None-Match": {tag}})
	assert.Equal(t, "status after a rebuild", http.StatusOK, resp.StatusCode)
	assert.Equal(t, "body after a rebuild", "identity wasm, rebuilt", body)
	assert.True(t, "ETag changed after a rebuild", resp.Header.Get("ETag") != tag)
}

func TestStaticFiles(t *testing.T) {
	_, root := staticRoot(t, map[string]string{
		"index.html":       "<h1>home</h1>",
		"sub/index.html":   "<h1>sub</h1>",
		"empty/readme.txt": "no index here",
		"types.d.ts":       "export {}",
		"logo.svg":         "<svg/>",
		"logo.png":         "\x89PNG\r\n\x1a\n",
		"lib.mjs":          "export {}",
		"LICENSE":          "plain text, no extension",
	})
	ts := startStatic(t, root)

	for _, tc := range []struct{ path, body, ctype string }{
		{"/", "<h1>home</h1>", "text/html; charset=utf-8"},
		{"/index.html", "<h1>home</h1>", "text/html; charset=utf-8"},
		{"/sub/", "<h1>sub</h1>", "text/html; charset=utf-8"},
		{"/types.d.ts", "export {}", "text/plain; charset=utf-8"},
		{"/logo.svg", "<svg/>", "image/svg+xml"},
		{"/logo.png", "\x89PNG\r\n\x1a\n", "image/png"},
		{"/lib.mjs", "export {}", "text/javascript; charset=utf-8"},
		{"/LICENSE", "plain text, no extension", "application/octet-stream"},
	} {
		resp, body := get(t, ts, http.MethodGet, tc.path, "", nil)
		assert.Equal(t, "status of "+tc.path, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "body of "+tc.path, tc.body, body)
		assert.Equal(t, "Content-Type of "+tc.path, tc.ctype, resp.Header.Get("Content-Type"))
	}

	resp, _ := get(t, ts, http.MethodGet, "/sub?x=1", "", nil)
	assert.Equal(t, "status of a directory without slash", http.StatusMovedPermanently, resp.StatusCode)
	assert.Equal(t, "Location", "sub/?x=1", resp.Header.Get("Location"))

	for _, path := range []string{"/empty/", "/missing.js", "/echo/"} {
		resp, _ = get(t, ts, http.MethodGet, path, "", nil)
		assert.Equal(t, "status of "+path, http.StatusNotFound, resp.StatusCode)
	}

	resp, body := get(t, ts, http.MethodHead, "/index.html", "", nil)
	assert.Equal(t, "status of HEAD", http.StatusOK, resp.StatusCode)
	assert.Equal(t, "body of HEAD", "", body)
	assert.Equal(t, "Content-Length of HEAD", "13", resp.Header.Get("Content-Length"))

	resp, _ = get(t, ts, http.MethodPost, "/index.html", "", nil)
	assert.Equal(t, "status of POST", http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestStaticStaysInsideRoot(t *testing.T) {
	dir, root := staticRoot(t, map[string]string{"index.html": "home"})
	assert.Success(t, os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("TOP SECRET"), 0o644))
	s := echo.New(echo.Config{Root: root})

	for _, target := range []string{"/../secret.txt", "/sub/../../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt"} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path = target
		req.URL.RawPath = ""
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		assert.True(t, target+" served the secret", !strings.Contains(rec.Body.String(), "TOP SECRET"))
	}

	if runtime.GOOS == "windows" {
		return
	}
	assert.Success(t, os.Symlink("../secret.txt", filepath.Join(root, "link.txt")))
	assert.Success(t, os.Symlink("index.html", filepath.Join(root, "alias.html")))
	ts := startStatic(t, root)
	resp, body := get(t, ts, http.MethodGet, "/link.txt", "", nil)
	assert.Equal(t, "status of a symlink leaving root", http.StatusNotFound, resp.StatusCode)
	assert.True(t, "symlink served the secret", !strings.Contains(body, "TOP SECRET"))
	resp, body = get(t, ts, http.MethodGet, "/alias.html", "", nil)
	assert.Equal(t, "status of a symlink inside root", http.StatusOK, resp.StatusCode)
	assert.Equal(t, "body of a symlink inside root", "home", body)
}

func TestNoStaticFilesWithoutRoot(t *testing.T) {
	_, ts := startServer(t, echo.Config{})
	resp, _ := get(t, ts, http.MethodGet, "/", "", nil)
	assert.Equal(t, "status", http.StatusNotFound, resp.StatusCode)
}
