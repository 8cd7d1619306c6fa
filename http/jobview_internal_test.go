package http

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The finished jobs kept are bounded in bytes: the least recently read go
// first, a replaced answer is not counted twice, and one answer too large
// for its share is not kept at all.
func TestFinishedJobsAreBoundedInBytes(t *testing.T) {
	f := newFinishedJobs(16 << 10)
	view := func(n int) jobView {
		return jobView{owner: "u", etag: "e", body: encodedJob(strings.Repeat("x", n))}
	}
	for i := range 40 {
		f.add(fmt.Sprint(i), view(900))
		f.get("0") // read often: stays
	}
	require.LessOrEqual(t, f.bytes, 16<<10)
	kept := f.views.Len()
	require.Equal(t, kept*view(900).size(), f.bytes)
	_, ok := f.get("0")
	require.True(t, ok, "the job read most recently stays")
	_, ok = f.get("1")
	require.False(t, ok, "the least recently read went first")

	f.add("0", view(900))
	f.add("0", view(900))
	require.Equal(t, kept*view(900).size(), f.bytes, "a replaced answer is counted once")

	f.add("huge", view(2<<10))
	_, ok = f.get("huge")
	require.False(t, ok)
}
