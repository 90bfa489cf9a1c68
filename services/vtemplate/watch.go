package vtemplate

import (
	"context"
	"errors"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

// Run keeps live interfaces' access lists current until ctx ends: when a
// list changes, every virtual-access interface filtering with it is
// programmed again, so that the change applies to sessions already up, as
// it does on IOS. Without Run, a list is compiled when an interface is
// cloned or changed by a CoA.
func (s *Service) Run(ctx context.Context) {
	if s.db == nil {
		return
	}
	for ctx.Err() == nil {
		w, err := s.db.Watch(schema.KindACL, 0)
		if err != nil {
			return
		}
		err = s.followACLs(ctx, w)
		w.Close()
		if !errors.Is(err, configdb.ErrCompacted) {
			return
		}
	}
}

func (s *Service) followACLs(ctx context.Context, w *configdb.Watcher) error {
	// What changed before the watcher started (or while it restarted)
	// shows in no event: reconcile every interface with a list first.
	s.refreshACLs(nil)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-w.C():
			if !ok {
				return w.Err()
			}
			changed := map[string]bool{}
			for _, c := range ev.Changes {
				changed[c.Name] = true
			}
			s.refreshACLs(changed)
		}
	}
}

// refreshACLs programs again the live interfaces that filter with one of
// the named lists (names nil: with any list).
func (s *Service) refreshACLs(names map[string]bool) {
	for _, va := range s.List() {
		uses := func(acl string) bool { return acl != "" && (names == nil || names[acl]) }
		if !uses(va.Spec.InACL) && !uses(va.Spec.OutACL) {
			continue
		}
		e := s.lookup(va.Name)
		if e == nil {
			continue
		}
		e.mu.Lock()
		if !e.removed {
			if cur, err := e.render(e.cfg); err == nil {
				s.ensure(cur.Spec, e.cfg)
			}
		}
		e.mu.Unlock()
	}
}
