package client_test

import (
	"net/http"
	"testing"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/client"
)

func TestTime(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	if tm, err := e.Client(t).Time(ctx); err != nil || tm.UnixMS != t0.UnixMilli() {
		t.Fatalf("time: %+v %v, want %d", tm, err, t0.UnixMilli())
	}
}

// The audit log, newest first, page by page.
func TestAuditEvents(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	c, _, _ := e.enrolled(t, "audit@example.com") // sign-up, enrolment, activation, ...
	all, err := c.AuditEvents(ctx, client.AuditPage{})
	if err != nil || len(all.Events) < 3 || all.NextBefore != nil {
		t.Fatalf("audit events: %+v %v", all, err)
	}
	var paged []int64
	page := client.AuditPage{Limit: 2}
	for {
		p, err := c.AuditEvents(ctx, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range p.Events {
			paged = append(paged, ev.ID)
		}
		if p.NextBefore == nil {
			break
		}
		page.Before = *p.NextBefore
	}
	if len(paged) != len(all.Events) {
		t.Fatalf("pages of 2 gave %v; one page %d events", paged, len(all.Events))
	}
	for i, ev := range all.Events {
		if paged[i] != ev.ID || i > 0 && ev.ID >= all.Events[i-1].ID {
			t.Fatalf("pages %v, one page %+v: not the same, newest first", paged, all.Events)
		}
	}
	_, err = c.AuditEvents(ctx, client.AuditPage{Limit: -1})
	wantCode(t, err, http.StatusBadRequest, "invalid_query")
}
