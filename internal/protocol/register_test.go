package protocol_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"piazza/internal/protocol"
)

// failingCommit is a register store whose transactions all fail at commit, after
// the batch's work was done.
type failingCommit struct {
	mu       sync.Mutex
	inserted int
}

var errCommit = errors.New("commit: disk full")

func (f *failingCommit) Atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := fn(ctx); err != nil {
		return err
	}
	return errCommit
}
func (f *failingCommit) Savepoint(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(ctx)
}
func (f *failingCommit) LockProtocolCounter(context.Context, int64, int) (int64, error) {
	return 0, nil
}
func (f *failingCommit) SetProtocolCounter(context.Context, int64, int, int64) error { return nil }
func (f *failingCommit) InsertProtocolRecord(_ context.Context, r *protocol.Record) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inserted++
	r.ID = int64(f.inserted)
	return nil
}
func (f *failingCommit) InsertProtocolRecords(ctx context.Context, recs []*protocol.Record) error {
	for _, r := range recs {
		f.InsertProtocolRecord(ctx, r)
	}
	return nil
}

// TestCommitFailureFailsTheBatch: when the commit fails, every caller of the batch
// gets the error, none gets a record.
func TestCommitFailureFailsTheBatch(t *testing.T) {
	reg := protocol.NewRegister(&failingCommit{})
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := reg.Register(ctx, 1, valid(), func(context.Context, protocol.Record) error { return nil })
			if !errors.Is(err, errCommit) || r.Number != 0 {
				t.Errorf("caller got %+v, %v; want the commit error and no record", r, err)
			}
		}()
	}
	wg.Wait()
}

func TestRegisterRefusesBadInput(t *testing.T) {
	reg := protocol.NewRegister(&failingCommit{})
	e := valid()
	e.Subject = ""
	if _, err := reg.Register(ctx, 1, e, nil); err == nil || errors.Is(err, errCommit) {
		t.Fatalf("invalid entry: %v", err)
	}
	if _, err := reg.Register(ctx, 0, valid(), nil); err == nil || errors.Is(err, errCommit) {
		t.Fatalf("no tenant: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := reg.Register(cctx, 1, valid(), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}
