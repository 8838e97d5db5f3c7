package store_test

import (
	"testing"
	"time"

	"piazza/internal/feedback"
)

func init() {
	isolationChecks["AddFeedback"] = nil // inserts for the tenant it is given; FeedbackSince checks the reads
	isolationChecks["FeedbackSince"] = func(t *testing.T, w *world) {
		at := time.Now().UTC()
		for _, e := range []feedback.Entry{{TenantID: w.a, Path: "/servizi", Stars: 5, At: at}, {TenantID: w.b, Path: "/novita", Stars: 1, At: at}} {
			if err := w.db.AddFeedback(ctx, &e); err != nil {
				t.Fatal(err)
			}
		}
		list, err := w.db.FeedbackSince(ctx, w.a, at.Add(-time.Hour))
		if err != nil || len(list) != 1 || list[0].Path != "/servizi" || list[0].Stars != 5 {
			t.Fatalf("FeedbackSince(A) = %+v, %v", list, err)
		}
	}
}
