package registry

import (
	"context"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// EntryKind is what a mempool entry holds; each has its TTL from the
// validation design.
type EntryKind string

// Entry kinds.
const (
	KindPending       EntryKind = "pending"       // a request known but not yet validated
	KindPreprocessing EntryKind = "preprocessing" // a preprocessing validation and its signatures
	KindCompletion    EntryKind = "completion"    // a completion validation and its signatures
)

// TTL of an entry kind.
func (k EntryKind) TTL() time.Duration {
	switch k {
	case KindPending:
		return 10 * time.Minute
	case KindPreprocessing:
		return 15 * time.Minute
	case KindCompletion:
		return 5 * time.Minute
	}
	return 0
}

// Entry is one mempool item: opaque data about a request.
type Entry struct {
	Kind      EntryKind
	RequestID common.Hash
	Data      []byte
	Created   time.Time
}

type entryKey struct {
	kind EntryKind
	id   common.Hash
}

// Mempool holds pending validations until their TTL passes. It is safe for
// concurrent use.
type Mempool struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[entryKey]Entry
	// onChange, if set, sees each stored or removed entry, with mu held.
	onChange func(e Entry, deleted bool)
}

// NewMempool returns an empty mempool on the given clock.
func NewMempool(now func() time.Time) *Mempool {
	if now == nil {
		now = time.Now
	}
	return &Mempool{now: now, m: map[entryKey]Entry{}}
}

// Put stores e (Created defaults to now); an entry already there for the
// same kind and request is replaced only by a newer one.
func (p *Mempool) Put(e Entry) {
	if e.Created.IsZero() {
		e.Created = p.now()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	k := entryKey{e.Kind, e.RequestID}
	if old, ok := p.m[k]; ok && old.Created.After(e.Created) {
		return
	}
	p.m[k] = e
	if p.onChange != nil {
		p.onChange(e, false)
	}
}

// Get returns the entry unless it is missing or expired.
func (p *Mempool) Get(kind EntryKind, id common.Hash) (Entry, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.m[entryKey{kind, id}]
	if !ok || !p.now().Before(e.Created.Add(kind.TTL())) {
		return Entry{}, false
	}
	return e, true
}

// Len is the number of entries, expired ones included until Cleanup.
func (p *Mempool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.m)
}

// Cleanup removes expired entries and returns how many.
func (p *Mempool) Cleanup() int {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for k, e := range p.m {
		if !now.Before(e.Created.Add(k.kind.TTL())) {
			delete(p.m, k)
			if p.onChange != nil {
				p.onChange(e, true)
			}
			n++
		}
	}
	return n
}

// Run cleans up every interval until ctx ends.
func (p *Mempool) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.Cleanup()
		}
	}
}
