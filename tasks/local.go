package tasks

import (
	"context"
	"sync"
)

// local runs stages in this process beside asynq's handlers: the stages a
// completion here unblocks, and those a wake-up hands over. Its slots bound
// how many run at once (the worker's concurrency); none starts once it is
// stopped, and stopping cancels those running, which leaves their stages to
// the sweeper (and, for a woken stage, its asynq task).
type local struct {
	slots chan struct{}

	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	stopped bool
	running sync.WaitGroup
}

func newLocal(concurrency int) *local {
	ctx, cancel := context.WithCancel(context.Background())
	return &local{slots: make(chan struct{}, concurrency), ctx: ctx, cancel: cancel}
}

// reserve takes up to n free slots without waiting: none once stopped.
func (l *local) reserve(n int) int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return 0
	}
	for got := range n {
		select {
		case l.slots <- struct{}{}:
		default:
			return got
		}
	}
	return n
}

// acquire waits for a free slot until ctx ends.
func (l *local) acquire(ctx context.Context) bool {
	select {
	case l.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// release gives back n slots.
func (l *local) release(n int) {
	if l == nil {
		return
	}
	for range n {
		<-l.slots
	}
}

// start runs f in a slot taken with reserve or acquire, which it gives back
// when f returns. Once stopped it runs nothing and gives the slot back.
func (l *local) start(f func(ctx context.Context)) bool {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		l.release(1)
		return false
	}
	l.running.Add(1)
	l.mu.Unlock()
	go func() {
		defer l.running.Done()
		defer l.release(1)
		f(l.ctx)
	}()
	return true
}

// stop cancels the runs and waits for them to return.
func (l *local) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	l.cancel()
	l.running.Wait()
}
