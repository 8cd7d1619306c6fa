package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The simulation's draws are math/rand/v2's, bit for bit: a seed gives the
// projections it gave before normals replaced Rand.NormFloat64. A million
// draws take the slow paths (wedges, the tail) thousands of times.
func TestNormalsMatchMathRand(t *testing.T) {
	for _, seed := range []uint64{1, 42, 2024} {
		want := rand.New(rand.NewPCG(seed, pcgStream))
		got := newNormals(seed, pcgStream)
		for i := range 1_000_000 {
			w, g := want.NormFloat64(), got.next()
			if math.Float64bits(w) != math.Float64bits(g) {
				t.Fatalf("seed %d, draw %d: got %v, want %v", seed, i, g, w)
			}
		}
	}
}
