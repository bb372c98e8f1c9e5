//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const bigFile = 8 << 20

func nginx() *program {
	return &program{
		name: "nginx",
		debs: []string{"nginx"},
		training: "`nginx -g 'daemon off; master_process on;'` (a master, two workers as nobody) with a configuration, " +
			"document root and logs in a temporary directory, on a free port of 127.0.0.1; one GET of a small static page; SIGTERM.",
		heldOut: "the same configuration; static pages on kept-alive connections, a directory listing (autoindex), an 8 MiB " +
			"file (sendfile), gzip-compressed text, 404 and HEAD; a 2 MiB response proxied from an upstream on 127.0.0.1 " +
			"(buffered through a temporary file), a 256 KiB POST proxied upstream (request body buffered to disk), a 64 KiB " +
			"POST refused with 413 (lingering close); a reload (SIGHUP: the master re-reads its configuration, starts new workers " +
			"and retires the old ones); then four clients at once repeat the mix; SIGTERM. Passes when every " +
			"answer is right, nginx exits 0 and its error log has no [crit], [alert] or [emerg].",
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
			conf := strings.NewReplacer("DIR", dir, "PORT", strconv.Itoa(port), "UPSTREAM", strconv.Itoa(env.upstream.port)).Replace(nginxConf)
			if err := writeFiles(dir, map[string]string{
				"nginx.conf":         conf,
				"tmp/.keep":          "",
				"www/index.html":     "<html><body>hello from nginx</body></html>\n",
				"www/files/a.txt":    "a\n",
				"www/files/b.txt":    "b\n",
				"www/files/sub/c.md": "c\n",
				"www/text.txt":       strings.Repeat("compressible text\n", 5000),
			}); err != nil {
				return nil, err
			}
			if err := writeBig(dir+"/www/files/big.bin", bigFile); err != nil {
				return nil, err
			}
			w := &workload{
				argv:       []string{"/usr/sbin/nginx", "-p", dir, "-c", dir + "/nginx.conf", "-e", dir + "/error.log", "-g", "daemon off; master_process on;"},
				ready:      dialable(port),
				wantStatus: 0,
				logFile:    dir + "/error.log",
			}
			c := newWeb(port)
			w.web = c
			if ph == trainingPhase {
				w.drive = func(ctx context.Context) error {
					return c.do(ctx, req{path: "/index.html", contains: "hello from nginx"})
				}
				return w, nil
			}
			mix := []req{
				{path: "/index.html", contains: "hello from nginx"},
				{path: "/", contains: "hello from nginx"},
				{path: "/files/", contains: "big.bin"},
				{path: "/files/sub/", contains: "c.md"},
				{path: "/files/big.bin", size: bigFile},
				{path: "/text.txt", header: map[string]string{"Accept-Encoding": "gzip"}, gunzip: true, size: 5000 * 18},
				{path: "/nothing-here", status: http.StatusNotFound},
				{method: http.MethodHead, path: "/files/big.bin"},
				{path: "/api/hello", contains: "hello from upstream"},
				{path: "/api/large", size: upstreamLarge},
				{method: http.MethodPost, path: "/api/echo", body: bytes.Repeat([]byte("p"), 256<<10), contains: "received 262144 bytes"},
				{method: http.MethodPost, path: "/small/", body: bytes.Repeat([]byte("q"), 64<<10), status: http.StatusRequestEntityTooLarge, closeConn: true},
			}
			w.drive = func(ctx context.Context) error {
				return steps(ctx,
					step{"one client, kept alive", func(ctx context.Context) error { return c.all(ctx, mix...) }},
					step{"reload (SIGHUP)", func(ctx context.Context) error {
						if err := w.signal(syscall.SIGHUP); err != nil {
							return err
						}
						return waitFor(ctx, 10*time.Second, func() bool {
							return strings.Contains(readFile(dir+"/error.log"), "gracefully shutting down")
						})
					}},
					step{"four clients at once", func(ctx context.Context) error { return c.concurrently(ctx, 4, 3, mix...) }},
				)
			}
			w.check = func(_, log string) error {
				errlog := readFile(dir + "/error.log")
				if m := regexp.MustCompile(`(?m)^.*\[(crit|alert|emerg)\].*$`).FindString(errlog); m != "" {
					return fmt.Errorf("nginx error.log: %s", m)
				}
				return nil
			}
			return w, nil
		},
	}
}

// nginxConf: DIR, PORT and UPSTREAM are replaced. Every path is in DIR;
// the workers run as nobody (the default for a root master).
const nginxConf = `worker_processes 2;
pid DIR/nginx.pid;
error_log DIR/error.log notice;
events { worker_connections 128; }
http {
	access_log DIR/access.log;
	client_body_temp_path DIR/tmp/body;
	proxy_temp_path DIR/tmp/proxy;
	fastcgi_temp_path DIR/tmp/fastcgi;
	uwsgi_temp_path DIR/tmp/uwsgi;
	scgi_temp_path DIR/tmp/scgi;
	types { text/html html; text/plain txt md; application/octet-stream bin; }
	default_type application/octet-stream;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 10;
	gzip on;
	gzip_types text/plain;
	server {
		listen 127.0.0.1:PORT;
		root DIR/www;
		location / { index index.html; }
		location /files/ { autoindex on; }
		location /small/ { client_max_body_size 1k; }
		location /api/ {
			proxy_pass http://127.0.0.1:UPSTREAM/;
			proxy_http_version 1.1;
			proxy_buffering on;
			proxy_buffers 4 4k;
			proxy_buffer_size 4k;
			client_body_buffer_size 8k;
		}
	}
}
`
