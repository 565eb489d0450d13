package service

import (
	"sync"
	"time"
)

// What the sync service keeps in memory, none of it security state: the
// long-polls waiting for an identity's next change (a lost wake-up costs
// at most one poll interval, since waiters also read the database), and
// the per-identity upload limit (an anti-abuse bound per instance; the
// replay guard and every limit that matters are in the database).

// syncWaiters wakes the long-polls of an identity in this process.
type syncWaiters struct {
	mu sync.Mutex
	m  map[string]map[chan struct{}]struct{}
}

// subscribe returns a channel that receives after each wake of the
// identity, and the function that stops it.
func (w *syncWaiters) subscribe(identityID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	if w.m == nil {
		w.m = map[string]map[chan struct{}]struct{}{}
	}
	if w.m[identityID] == nil {
		w.m[identityID] = map[chan struct{}]struct{}{}
	}
	w.m[identityID][ch] = struct{}{}
	w.mu.Unlock()
	return ch, func() {
		w.mu.Lock()
		delete(w.m[identityID], ch)
		if len(w.m[identityID]) == 0 {
			delete(w.m, identityID)
		}
		w.mu.Unlock()
	}
}

// wake tells the identity's waiters that something changed.
func (w *syncWaiters) wake(identityID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch := range w.m[identityID] {
		select {
		case ch <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
}

// windowLimiter allows n events per key in each fixed window.
type windowLimiter struct {
	n      int
	window time.Duration
	mu     sync.Mutex
	m      map[string]*windowCount
}

type windowCount struct {
	start time.Time
	used  int
}

// allow counts an event of key at now, reporting whether it is within the
// limit (always, for n < 0).
func (l *windowLimiter) allow(key string, now time.Time) bool {
	if l.n < 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]*windowCount{}
	}
	if len(l.m) > 10000 { // forget the windows that are over
		for k, c := range l.m {
			if now.Sub(c.start) >= l.window {
				delete(l.m, k)
			}
		}
	}
	c := l.m[key]
	if c == nil || now.Sub(c.start) >= l.window || now.Before(c.start) {
		c = &windowCount{start: now}
		l.m[key] = c
	}
	if c.used >= l.n {
		return false
	}
	c.used++
	return true
}
