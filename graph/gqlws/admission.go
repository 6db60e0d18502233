package gqlws

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"backbone/internal/ratelimit"
)

// Limits bound the connections a Server holds: websockets from their upgrade to their
// close, and the streams of other transports that call Reserve. Zero: no limit.
type Limits struct {
	// Total is the ceiling over all of them; keep it below the process's open-file
	// limit, so that a flood of sockets cannot starve the database, Redis and HTTP.
	Total int
	// PerIP bounds the connections from one client address, signed in or not.
	PerIP int
	// AnonymousPerIP bounds one address's connections that have no user: websockets
	// before connection_init has named one, anonymous websockets and streams.
	AnonymousPerIP int
}

// The limit a refusal names, as the websocket_refused_total metric labels it.
const (
	limitTotal     = "total"
	limitPerIP     = "ip"
	limitAnonymous = "anonymous_ip"
	limitPerUser   = "user"
	limitNoAnon    = "anonymous"
)

// admission counts open connections by address and user. A connection takes a slot
// when it opens, anonymous, and names its user once authenticated (signIn).
type admission struct {
	limits  Limits
	perUser int

	mu    sync.Mutex
	total int
	ips   map[string]int
	anon  map[string]int
	users map[string]int

	refused map[string]*atomic.Int64 // by limit; read by the metrics
}

// slot is one admitted connection.
type slot struct {
	ip, user string
	released bool
}

func newAdmission(limits Limits, perUser int) *admission {
	a := &admission{limits: limits, perUser: perUser,
		ips: map[string]int{}, anon: map[string]int{}, users: map[string]int{}, refused: map[string]*atomic.Int64{}}
	for _, l := range []string{limitTotal, limitPerIP, limitAnonymous, limitPerUser, limitNoAnon, limitHandshake} {
		a.refused[l] = new(atomic.Int64)
	}
	return a
}

// open admits a connection from ip for user ("": anonymous, or not yet known), or says
// which limit refuses it.
func (a *admission) open(ip, user string) (*slot, *CloseError) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch l := a.limits; {
	case l.Total > 0 && a.total >= l.Total:
		return nil, a.refuse(limitTotal, CloseServerBusy,
			fmt.Sprintf("server busy: %d connections open (limit %d), try again later", a.total, l.Total))
	case l.PerIP > 0 && a.ips[ip] >= l.PerIP:
		return nil, a.refuse(limitPerIP, CloseTooManyConnections,
			fmt.Sprintf("too many connections: this address has %d open (limit %d)", a.ips[ip], l.PerIP))
	case user == "" && l.AnonymousPerIP > 0 && a.anon[ip] >= l.AnonymousPerIP:
		return nil, a.refuse(limitAnonymous, CloseTooManyConnections,
			fmt.Sprintf("too many connections: this address has %d open without signing in (limit %d)", a.anon[ip], l.AnonymousPerIP))
	case user != "" && a.perUser > 0 && a.users[user] >= a.perUser:
		return nil, a.tooManyForUser(user)
	}
	a.total++
	a.ips[ip]++
	if user == "" {
		a.anon[ip]++
	} else {
		a.users[user]++
	}
	return &slot{ip: ip, user: user}, nil
}

// signIn moves s from its address's anonymous connections to user's, within the
// per-user limit.
func (a *admission) signIn(s *slot, user string) *CloseError {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.perUser > 0 && a.users[user] >= a.perUser {
		return a.tooManyForUser(user)
	}
	a.users[user]++
	decrement(a.anon, s.ip)
	s.user = user
	return nil
}

func (a *admission) tooManyForUser(user string) *CloseError {
	return a.refuse(limitPerUser, CloseTooManyConnections,
		fmt.Sprintf("too many connections: this user has %d open (limit %d)", a.users[user], a.perUser))
}

// release frees s; a second release does nothing.
func (a *admission) release(s *slot) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s.released {
		return
	}
	s.released = true
	a.total--
	decrement(a.ips, s.ip)
	if s.user == "" {
		decrement(a.anon, s.ip)
	} else {
		decrement(a.users, s.user)
	}
}

// refuseAnonymous counts a connection refused for want of a user.
func (a *admission) refuseAnonymous() *CloseError {
	return a.refuse(limitNoAnon, CloseUnauthorized,
		"Unauthorized: sign in (connection_init payload Authorization or X-API-Key); nothing here is served to anonymous connections")
}

func (a *admission) refuse(limit string, code int, reason string) *CloseError {
	a.refused[limit].Add(1)
	return &CloseError{Code: code, Reason: reason}
}

func decrement(m map[string]int, key string) {
	if m[key]--; m[key] <= 0 {
		delete(m, key)
	}
}

// clientAddress is r's address as the per-address limits count it: an IPv6 address by
// its /64, since one host usually holds a whole /64.
func (s *Server) clientAddress(r *http.Request) string {
	return ratelimit.AddressKey(s.cfg.ClientIP(r))
}

// peerIP is the default Config.ClientIP: the address the request came from.
func peerIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
