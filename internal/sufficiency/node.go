//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
)

func node() *program {
	return &program{
		name: "node",
		debs: []string{"nodejs"},
		training: "`node server.js`, a small HTTP server on a free port of 127.0.0.1 (the script is in the harness); one GET of " +
			"its greeting; SIGTERM, which the script handles by closing the server and exiting 0.",
		heldOut: "the same script; a route that spawns a child process (`child_process.execFile` of node itself), one that " +
			"watches a directory with `fs.watch` (inotify) until a file it writes shows up, one that lists a directory " +
			"(`fs.readdir`), a file streamed from disk, gzip (zlib), PBKDF2 on the libuv thread pool, a `dns.lookup` of " +
			"localhost (getaddrinfo: /etc/hosts), a `worker_threads` Worker, a POST written to a file " +
			"and renamed; then four clients at once repeat the mix; SIGTERM. Passes when every answer is right and node exits 0 " +
			"(an uncaught error exits 1).",
		setUp: noSetUp,
		prepare: func(ctx context.Context, env *programEnv, dir string, ph phase) (*workload, error) {
			port, err := freePort()
			if err != nil {
				return nil, err
			}
			if err := writeFiles(dir, map[string]string{
				"server.js":     nodeServer,
				"data/one.txt":  "1\n",
				"data/two.txt":  "2\n",
				"watched/.keep": "",
				"uploads/.keep": "",
				"public/a.txt":  strings.Repeat("node static text\n", 1000),
			}); err != nil {
				return nil, err
			}
			if err := writeBig(dir+"/public/big.bin", bigFile); err != nil {
				return nil, err
			}
			w := &workload{
				argv:       []string{"/usr/bin/node", dir + "/server.js", strconv.Itoa(port), dir},
				ready:      dialable(port),
				wantStatus: 0,
			}
			c := newWeb(port)
			w.web = c
			if ph == trainingPhase {
				w.drive = func(ctx context.Context) error { return c.do(ctx, req{path: "/", contains: "hello from node"}) }
				return w, nil
			}
			mix := func(i int) []req {
				return []req{
					{path: "/", contains: "hello from node"},
					{path: "/spawn", contains: "child says 42"},
					{path: "/watch?name=w" + strconv.Itoa(i), contains: "saw w" + strconv.Itoa(i)},
					{path: "/list", contains: "one.txt two.txt"},
					{path: "/file", size: bigFile},
					{path: "/gzip", header: map[string]string{"Accept-Encoding": "gzip"}, gunzip: true, size: 17000},
					{path: "/hash", contains: "sha256 "},
					{path: "/dns", contains: "localhost is 127."},
					{path: "/worker", contains: "worker says 42"},
					{method: http.MethodPost, path: "/upload?name=u" + strconv.Itoa(i), body: bytes.Repeat([]byte("u"), 100<<10), contains: "stored 102400"},
					{path: "/nothing", status: http.StatusNotFound},
				}
			}
			w.drive = func(ctx context.Context) error {
				var jobs []func(context.Context) error
				for i := 1; i <= 4; i++ {
					jobs = append(jobs, func(ctx context.Context) error { return c.all(ctx, mix(i)...) })
				}
				return steps(ctx,
					step{"one client", func(ctx context.Context) error { return c.all(ctx, mix(0)...) }},
					step{"four clients at once", func(ctx context.Context) error { return parallel(ctx, jobs...) }},
				)
			}
			w.check = func(_, log string) error {
				for i := range 5 {
					if _, err := os.Stat(fmt.Sprintf("%s/uploads/u%d", dir, i)); err != nil {
						return fmt.Errorf("upload u%d not stored", i)
					}
				}
				return nil
			}
			return w, nil
		},
	}
}

// nodeServer: node server.js PORT DIR.
const nodeServer = `'use strict';
const http = require('http'), fs = require('fs'), path = require('path');
const cp = require('child_process'), zlib = require('zlib'), crypto = require('crypto');
const dns = require('dns'), { Worker } = require('worker_threads');
const [port, dir] = process.argv.slice(2);

function fail(res, err) { res.statusCode = 500; res.end(String(err && err.message || err) + '\n'); }

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const name = (url.searchParams.get('name') || 'x').replace(/[^a-z0-9]/g, '');
  switch (url.pathname) {
  case '/':
    return res.end('hello from node\n');
  case '/spawn':
    return cp.execFile(process.execPath, ['-e', 'process.stdout.write("child says " + 6 * 7)'], (err, out) =>
      err ? fail(res, err) : res.end(out + '\n'));
  case '/watch': {
    const d = path.join(dir, 'watched');
    const w = fs.watch(d, (ev, f) => {
      if (f === name) { w.close(); clearTimeout(t); res.end('saw ' + f + '\n'); }
    });
    const t = setTimeout(() => { w.close(); fail(res, 'fs.watch saw nothing'); }, 5000);
    return setTimeout(() => fs.writeFile(path.join(d, name), 'x', err => err && fail(res, err)), 20);
  }
  case '/list':
    return fs.readdir(path.join(dir, 'data'), (err, names) => err ? fail(res, err) : res.end(names.sort().join(' ') + '\n'));
  case '/file': {
    const s = fs.createReadStream(path.join(dir, 'public', 'big.bin'));
    s.on('error', err => fail(res, err));
    return s.pipe(res);
  }
  case '/gzip':
    return fs.readFile(path.join(dir, 'public', 'a.txt'), (err, data) => {
      if (err) return fail(res, err);
      zlib.gzip(data, (err, z) => {
        if (err) return fail(res, err);
        res.setHeader('Content-Encoding', 'gzip');
        res.end(z);
      });
    });
  case '/dns':
    return dns.lookup('localhost', { family: 4 }, (err, addr) => err ? fail(res, err) : res.end('localhost is ' + addr + '\n'));
  case '/worker': {
    const w = new Worker('require("worker_threads").parentPort.postMessage(6 * 7)', { eval: true });
    w.once('error', err => fail(res, err));
    return w.once('message', m => res.end('worker says ' + m + '\n'));
  }
  case '/hash':
    return crypto.pbkdf2('secret', 'salt', 20000, 32, 'sha256', (err, key) =>
      err ? fail(res, err) : res.end('sha256 ' + key.toString('hex') + '\n'));
  case '/upload': {
    const tmp = path.join(dir, 'uploads', '.' + name + '.tmp');
    const out = fs.createWriteStream(tmp);
    let n = 0;
    req.on('data', b => { n += b.length; });
    req.pipe(out);
    out.on('error', err => fail(res, err));
    return out.on('finish', () => fs.rename(tmp, path.join(dir, 'uploads', name), err =>
      err ? fail(res, err) : res.end('stored ' + n + '\n')));
  }
  }
  res.statusCode = 404;
  res.end('not found\n');
});

server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
`
