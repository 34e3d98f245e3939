package apitest

import (
	"net"
	"sync"
	"testing"
	"time"
)

// Proxy is a TCP proxy between the server and one of its dependencies (MariaDB, MinIO, Redis) that a test
// takes down, slows or cuts in the middle of a request, and brings back: the faults of a flaky network,
// without stopping the dependency itself.
//
//   - Down resets every open connection and every new one (the client sees its connection refused or reset);
//   - Slow holds every chunk in both directions for a delay (an hour is a dependency that never answers);
//   - CutAfter lets n more chunks through towards the dependency and resets the connection that carries the
//     next one: a request cut off in the middle, wherever n puts it;
//   - Up ends every fault and resets the connections held meanwhile.
type Proxy struct {
	t        testing.TB
	ln       net.Listener
	upstream string

	mu      sync.Mutex
	down    bool
	delay   time.Duration
	cutLeft int  // chunks still let through before the cut; -1: no cut armed
	cut     bool // the armed cut happened
	conns   map[net.Conn]struct{}
	wake    chan struct{} // closed by Up: held chunks stop waiting
}

// NewProxy listens on a loopback port and forwards every connection to upstream (host:port) until the
// test ends.
func NewProxy(t testing.TB, upstream string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{t: t, ln: ln, upstream: upstream, cutLeft: -1, conns: map[net.Conn]struct{}{}, wake: make(chan struct{})}
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		p.Up()
	})
	return p
}

// Addr is where the server connects instead of the dependency.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Down makes the dependency unreachable: open connections are reset, new ones reset as they come.
func (p *Proxy) Down() {
	p.mu.Lock()
	p.down = true
	p.mu.Unlock()
	p.resetAll()
}

// Slow delays every chunk, both ways, by d from now on.
func (p *Proxy) Slow(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

// CutAfter lets n more chunks through towards the dependency, then resets the connection carrying the
// next one (once).
func (p *Proxy) CutAfter(n int) {
	p.mu.Lock()
	p.cutLeft, p.cut = n, false
	p.mu.Unlock()
}

// Cut reports whether the cut armed by CutAfter has happened.
func (p *Proxy) Cut() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.cut }

// Up ends every fault; connections that were held or half cut are reset, and the client reconnects.
func (p *Proxy) Up() {
	p.mu.Lock()
	held := p.delay > 0
	p.down, p.delay, p.cutLeft = false, 0, -1
	close(p.wake)
	p.wake = make(chan struct{})
	p.mu.Unlock()
	if held {
		p.resetAll()
	}
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			reset(c)
			continue
		}
		go p.serve(c)
	}
}

func (p *Proxy) serve(client net.Conn) {
	server, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		reset(client)
		return
	}
	if !p.track(client, server) {
		return
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pipe(client, server, true) }()
	go func() { defer wg.Done(); p.pipe(server, client, false) }()
	wg.Wait()
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}

// track registers a pair of connections, unless the proxy went down meanwhile.
func (p *Proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		for _, c := range conns {
			reset(c)
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

// pipe copies src to dst chunk by chunk, applying the faults; either side ending resets both.
func (p *Proxy) pipe(src, dst net.Conn, towardsDependency bool) {
	defer func() { reset(src); reset(dst) }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			delay, wake, down := p.delay, p.wake, p.down
			cutNow := false
			if towardsDependency {
				if p.cutLeft == 0 {
					p.cutLeft, p.cut, cutNow = -1, true, true
				} else if p.cutLeft > 0 {
					p.cutLeft--
				}
			}
			p.mu.Unlock()
			if cutNow || down {
				return
			}
			if delay > 0 {
				select {
				case <-time.After(delay):
				case <-wake:
					return
				}
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *Proxy) resetAll() {
	p.mu.Lock()
	conns := make([]net.Conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		reset(c)
	}
}

// reset closes a connection with an RST rather than a FIN, as a network that drops it does.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
