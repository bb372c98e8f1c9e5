//go:build linux

package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// web is an HTTP client of a server on 127.0.0.1.
type web struct {
	base string
	c    *http.Client
}

func newWeb(port int) *web {
	tr := &http.Transport{
		// Only loopback, whatever a URL says.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			var d net.Dialer
			return d.DialContext(ctx, "tcp4", net.JoinHostPort("127.0.0.1", port))
		},
		MaxIdleConnsPerHost: 8,
		DisableCompression:  true,
		Proxy:               nil,
	}
	return &web{base: fmt.Sprintf("http://127.0.0.1:%d", port), c: &http.Client{Transport: tr, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// req is one request and what a healthy server answers.
type req struct {
	method, path string
	body         []byte
	header       map[string]string
	status       int    // 0: 200
	contains     string // the body must contain this
	size         int    // > 0: the body must be this long
	gunzip       bool   // the body is gzip-encoded: decode before checking
	closeConn    bool   // do not reuse the connection
}

func (w *web) do(ctx context.Context, r req) error {
	method := r.method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	hr, err := http.NewRequestWithContext(ctx, method, w.base+r.path, body)
	if err != nil {
		return err
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	hr.Close = r.closeConn
	resp, err := w.c.Do(hr)
	if err != nil {
		// Not the URL: its port changes from run to run.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%s %s: %v", method, r.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading the body: %v", method, r.path, err)
	}
	want := r.status
	if want == 0 {
		want = http.StatusOK
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d (%s)", method, r.path, resp.StatusCode, want, snippet(data))
	}
	if r.gunzip {
		if resp.Header.Get("Content-Encoding") != "gzip" {
			return fmt.Errorf("%s %s: not gzip-encoded", method, r.path)
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err == nil {
			data, err = io.ReadAll(zr)
		}
		if err != nil {
			return fmt.Errorf("%s %s: gunzip: %v", method, r.path, err)
		}
	}
	if r.size > 0 && len(data) != r.size {
		return fmt.Errorf("%s %s: %d bytes, want %d", method, r.path, len(data), r.size)
	}
	if method != http.MethodHead && r.contains != "" && !bytes.Contains(data, []byte(r.contains)) {
		return fmt.Errorf("%s %s: body lacks %q (%s)", method, r.path, r.contains, snippet(data))
	}
	return nil
}

// all sends the requests one after the other, on kept-alive connections.
func (w *web) all(ctx context.Context, rs ...req) error {
	for _, r := range rs {
		if err := w.do(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// concurrently sends rs rounds times from n clients at once.
func (w *web) concurrently(ctx context.Context, n, rounds int, rs ...req) error {
	jobs := make([]func(context.Context) error, n)
	for i := range jobs {
		jobs[i] = func(ctx context.Context) error {
			for range rounds {
				if err := w.all(ctx, rs...); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return parallel(ctx, jobs...)
}

// parallel runs the jobs at once and returns the first error.
func parallel(ctx context.Context, jobs ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = j(ctx); errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return errors.Join(errs...)
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// steps runs the client's steps in order, naming the one that failed.
func steps(ctx context.Context, ss ...step) error {
	for _, s := range ss {
		if err := s.do(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return nil
}

type step struct {
	what string
	do   func(context.Context) error
}

// upstream is an HTTP server of the harness's own on 127.0.0.1: the
// backend nginx and caddy proxy to, the server curl fetches from.
type upstream struct {
	port int
	srv  *http.Server
	mu   sync.Mutex
	got  map[string]int // bytes received per path
}

const upstreamLarge = 2 << 20

// upstreamModified is /large's Last-Modified, which curl -R sets as the
// file's time.
var upstreamModified = time.Date(2020, 2, 2, 12, 0, 0, 0, time.UTC)

func startUpstream() (*upstream, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("upstream: %w", err)
	}
	u := &upstream{port: l.Addr().(*net.TCPAddr).Port, got: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cr3t", Path: "/"})
		io.WriteString(w, "hello from upstream\n")
	})
	mux.HandleFunc("/large", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Last-Modified", upstreamModified.Format(http.TimeFormat))
		w.Write(pattern(upstreamLarge))
	})
	// /flaky?id=X fails once per X with 503, then answers: a client's
	// retry path.
	mux.HandleFunc("/flaky", func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		u.mu.Lock()
		u.got["flaky:"+id]++
		n := u.got["flaky:"+id]
		u.mu.Unlock()
		if n == 1 {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok after retry\n")
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		u.mu.Lock()
		u.got[r.URL.Path] += int(n)
		u.mu.Unlock()
		fmt.Fprintf(w, "received %d bytes\n", n)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/hello", http.StatusFound) })
	mux.HandleFunc("/gzip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write(bytes.Repeat([]byte("compressible text\n"), 10000))
		zw.Close()
	})
	u.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go u.srv.Serve(l)
	return u, nil
}

func (u *upstream) close() { u.srv.Close() }

// redisConn is a minimal RESP client: enough to drive redis-server.
type redisConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialRedis(ctx context.Context, port int) (*redisConn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	return &redisConn{c: c, r: bufio.NewReader(c)}, nil
}

func (rc *redisConn) close() { rc.c.Close() }

// send writes commands without waiting (a pipeline); recv reads replies.
func (rc *redisConn) send(cmds ...[]string) error {
	var b bytes.Buffer
	for _, args := range cmds {
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	_, err := rc.c.Write(b.Bytes())
	return err
}

// recv reads one reply: a string for simple, bulk and integer replies, a
// joined string for arrays, an error for error replies.
func (rc *redisConn) recv() (string, error) {
	line, err := rc.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", fmt.Errorf("redis: %s", line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rc.r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", err
		}
		var parts []string
		for range max(n, 0) {
			s, err := rc.recv()
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, " "), nil
	}
	return "", fmt.Errorf("redis: unexpected reply %q", line)
}

// do sends one command and returns its reply.
func (rc *redisConn) do(args ...string) (string, error) {
	if err := rc.send(args); err != nil {
		return "", err
	}
	s, err := rc.recv()
	if err != nil {
		return "", fmt.Errorf("%s: %w", strings.Join(args[:min(2, len(args))], " "), err)
	}
	return s, nil
}

// expect sends one command and checks its reply.
func (rc *redisConn) expect(want string, args ...string) error {
	got, err := rc.do(args...)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%s: %q, want %q", strings.Join(args[:min(2, len(args))], " "), got, want)
	}
	return nil
}

// infoField reads one field of INFO's section.
func (rc *redisConn) infoField(section, field string) (string, error) {
	s, err := rc.do("INFO", section)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("INFO %s: no %s", section, field)
}

// waitInfo polls INFO until field has the value want, up to d.
func (rc *redisConn) waitInfo(ctx context.Context, section, field, want string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		v, err := rc.infoField(section, field)
		if err != nil {
			return err
		}
		if v == want {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("INFO %s: %s is %q after %s, want %q", section, field, v, d, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitFor polls cond until it holds, up to d.
func waitFor(ctx context.Context, d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not after %s", d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}
