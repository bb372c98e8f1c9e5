//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
)

func readFile(path string) string {
	data, _ := os.ReadFile(path)
	return string(data)
}

// staticSite is the document root the file servers share.
func staticSite(dir, greeting string) error {
	if err := writeFiles(dir, map[string]string{
		"www/index.html":     "<html><body>" + greeting + "</body></html>\n",
		"www/hello.txt":      greeting + "\n",
		"www/text.txt":       strings.Repeat("compressible text\n", 5000),
		"www/files/a.txt":    "a\n",
		"www/files/b.txt":    "b\n",
		"www/files/sub/c.md": "c\n",
	}); err != nil {
		return err
	}
	return writeBig(dir+"/www/files/big.bin", bigFile)
}

func caddy() *program {
	return &program{
		name: "caddy",
		debs: []string{"caddy"},
		training: "`caddy run` (a Go program) with a Caddyfile in a temporary directory (admin API and automatic HTTPS off, " +
			"HOME and XDG directories in the temporary directory) on a free port of 127.0.0.1; one GET of a small static page; SIGTERM.",
		heldOut: "the same Caddyfile; static pages, a directory listing (`file_server browse`), an 8 MiB file, gzip-encoded " +
			"text, 404 and HEAD, a 2 MiB response and a 256 KiB POST through `reverse_proxy` to an upstream on 127.0.0.1; then " +
			"four clients at once repeat the mix; SIGTERM. Passes when every answer is right, caddy exits 0 and logs no panic.",
		setUp: func(ctx context.Context, dir string) (*programEnv, error) {
			u, err := startUpstream()
			if err != nil {
				return nil, err
			}
			return &programEnv{dir: dir, upstream: u, cleanup: u.close}, nil
		},
		prepare: func(ctx context.Context, env *programEnv, dir string, ph phase) (*workload, error) {
			port, err := freePort()
			if err != nil {
				return nil, err
			}
			conf := strings.NewReplacer("DIR", dir, "PORT", strconv.Itoa(port), "UPSTREAM", strconv.Itoa(env.upstream.port)).Replace(caddyfile)
			if err := writeFiles(dir, map[string]string{"Caddyfile": conf}); err != nil {
				return nil, err
			}
			if err := staticSite(dir, "hello from caddy"); err != nil {
				return nil, err
			}
			w := &workload{
				argv:       []string{"/usr/bin/caddy", "run", "--config", dir + "/Caddyfile", "--adapter", "caddyfile"},
				env:        []string{"HOME=" + dir, "XDG_DATA_HOME=" + dir + "/data", "XDG_CONFIG_HOME=" + dir + "/config"},
				ready:      dialable(port),
				wantStatus: 0,
			}
			c := newWeb(port)
			w.web = c
			if ph == trainingPhase {
				w.drive = func(ctx context.Context) error {
					return c.do(ctx, req{path: "/hello.txt", contains: "hello from caddy"})
				}
				return w, nil
			}
			mix := []req{
				{path: "/hello.txt", contains: "hello from caddy"},
				{path: "/", contains: "hello from caddy"},
				{path: "/files/", contains: "big.bin"},
				{path: "/files/sub/", contains: "c.md"},
				{path: "/files/big.bin", size: bigFile},
				{path: "/text.txt", header: map[string]string{"Accept-Encoding": "gzip"}, gunzip: true, size: 5000 * 18},
				{path: "/nothing-here", status: http.StatusNotFound},
				{method: http.MethodHead, path: "/files/big.bin"},
				{path: "/api/large", size: upstreamLarge},
				{method: http.MethodPost, path: "/api/echo", body: bytes.Repeat([]byte("p"), 256<<10), contains: "received 262144 bytes"},
			}
			w.drive = func(ctx context.Context) error {
				return steps(ctx,
					step{"one client, kept alive", func(ctx context.Context) error { return c.all(ctx, mix...) }},
					step{"four clients at once", func(ctx context.Context) error { return c.concurrently(ctx, 4, 3, mix...) }},
				)
			}
			w.check = func(_, log string) error {
				if m := regexp.MustCompile(`(?m)^.*(panic:|fatal error:).*$`).FindString(log); m != "" {
					return fmt.Errorf("caddy: %s", m)
				}
				return nil
			}
			return w, nil
		},
	}
}

// caddyfile: DIR, PORT and UPSTREAM are replaced.
const caddyfile = `{
	admin off
	auto_https off
}
http://127.0.0.1:PORT {
	bind 127.0.0.1
	encode gzip
	handle_path /api/* {
		reverse_proxy 127.0.0.1:UPSTREAM
	}
	handle /files/* {
		root * DIR/www
		file_server browse
	}
	handle {
		root * DIR/www
		file_server
	}
}
`

func pythonHTTP() *program {
	return &program{
		name: "python-http",
		debs: []string{"python3"},
		training: "`python3 -m http.server` (Debian's /usr/bin/python3, a thread per request) serving a temporary directory " +
			"on a free port of 127.0.0.1; one GET of a small file; SIGTERM (which kills it: status 143).",
		heldOut: "the same server; directory listings, an 8 MiB file, index.html, 404 and HEAD, a conditional GET " +
			"(If-Modified-Since, 304); then eight clients at once repeat the mix; SIGTERM. Passes when every answer is right and " +
			"python dies of the SIGTERM (143) with no traceback in its log.",
		setUp: noSetUp,
		prepare: func(ctx context.Context, env *programEnv, dir string, ph phase) (*workload, error) {
			port, err := freePort()
			if err != nil {
				return nil, err
			}
			if err := staticSite(dir, "hello from python"); err != nil {
				return nil, err
			}
			w := &workload{
				argv:       []string{"/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", dir + "/www", strconv.Itoa(port)},
				env:        []string{"PYTHONDONTWRITEBYTECODE=1"},
				ready:      dialable(port),
				wantStatus: 128 + 15,
			}
			c := newWeb(port)
			w.web = c
			if ph == trainingPhase {
				w.drive = func(ctx context.Context) error {
					return c.do(ctx, req{path: "/hello.txt", contains: "hello from python"})
				}
				return w, nil
			}
			mix := []req{
				{path: "/hello.txt", contains: "hello from python"},
				{path: "/", contains: "hello from python"},
				{path: "/files/", contains: "big.bin"},
				{path: "/files/sub/", contains: "c.md"},
				{path: "/files/big.bin", size: bigFile},
				{path: "/nothing-here", status: http.StatusNotFound},
				{method: http.MethodHead, path: "/files/big.bin"},
				{path: "/hello.txt", header: map[string]string{"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}, status: http.StatusNotModified},
			}
			w.drive = func(ctx context.Context) error {
				return steps(ctx,
					step{"one client", func(ctx context.Context) error { return c.all(ctx, mix...) }},
					step{"eight clients at once", func(ctx context.Context) error { return c.concurrently(ctx, 8, 2, mix...) }},
				)
			}
			w.check = func(_, log string) error {
				if i := strings.Index(log, "Traceback"); i >= 0 {
					return fmt.Errorf("python: %s", lastLine(log[i:]))
				}
				return nil
			}
			return w, nil
		},
	}
}

func busyboxHTTPD() *program {
	return &program{
		name: "busybox-httpd",
		debs: []string{"busybox-static"},
		training: "`busybox httpd -f` (a static binary that forks a process per connection) serving a temporary directory " +
			"on a free port of 127.0.0.1; one GET of a small file; SIGTERM (which kills it: status 143).",
		heldOut: "the same server; index.html, an 8 MiB file, 404 and HEAD, and a CGI script (`#!/bin/busybox sh`: httpd " +
			"forks, pipes and executes it, the script runs `ls` and `cat`); then four clients at once repeat the mix; SIGTERM. " +
			"Passes when every answer is right and httpd dies of the SIGTERM (143).",
		setUp: noSetUp,
		prepare: func(ctx context.Context, env *programEnv, dir string, ph phase) (*workload, error) {
			port, err := freePort()
			if err != nil {
				return nil, err
			}
			if err := staticSite(dir, "hello from busybox"); err != nil {
				return nil, err
			}
			if err := writeFiles(dir, map[string]string{
				"www/cgi-bin/info": "#!/bin/busybox sh\necho 'Content-Type: text/plain'\necho\necho \"cgi says $REQUEST_METHOD\"\n" +
					"/bin/busybox ls ../files\n/bin/busybox cat ../hello.txt\n",
			}); err != nil {
				return nil, err
			}
			w := &workload{
				argv:       []string{"/bin/busybox", "httpd", "-f", "-v", "-p", "127.0.0.1:" + strconv.Itoa(port), "-h", dir + "/www"},
				ready:      dialable(port),
				wantStatus: 128 + 15,
			}
			c := newWeb(port)
			w.web = c
			if ph == trainingPhase {
				w.drive = func(ctx context.Context) error {
					return c.do(ctx, req{path: "/hello.txt", contains: "hello from busybox"})
				}
				return w, nil
			}
			mix := []req{
				{path: "/hello.txt", contains: "hello from busybox"},
				{path: "/", contains: "hello from busybox"},
				{path: "/files/big.bin", size: bigFile},
				{path: "/nothing-here", status: http.StatusNotFound},
				{method: http.MethodHead, path: "/files/big.bin"},
				{path: "/cgi-bin/info", contains: "cgi says GET"},
				{path: "/cgi-bin/info", contains: "big.bin"},
			}
			w.drive = func(ctx context.Context) error {
				return steps(ctx,
					step{"one client", func(ctx context.Context) error { return c.all(ctx, mix...) }},
					step{"four clients at once", func(ctx context.Context) error { return c.concurrently(ctx, 4, 3, mix...) }},
				)
			}
			return w, nil
		},
	}
}
