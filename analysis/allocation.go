package analysis

import (
	"cmp"
	"maps"
	"math"
	"slices"
)

// allocation maps a category key to a percentage (or, in charts, to dollars).
type allocation = map[string]float64

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// orderedKeys lists keys in the contract's order, then any others alphabetically.
func orderedKeys(keys []string, order []string) []string {
	rank := func(k string) int {
		if i := slices.Index(order, k); i >= 0 {
			return i
		}
		return len(order)
	}
	out := slices.Clone(keys)
	slices.SortFunc(out, func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
	})
	return slices.Compact(out)
}

// normalizePercentages rescales m to percentages with two decimals that add
// up to exactly 100, dropping non-positive entries. It returns nil when m
// holds nothing positive, so callers can treat the map as unknown.
func normalizePercentages(m allocation) allocation {
	if isNormalized(m) {
		return maps.Clone(m)
	}
	keys := sortedKeys(m)
	shares := make([]float64, len(keys))
	for i, k := range keys {
		shares[i] = amount(m[k])
	}
	hundredths := apportion(shares, 100*100)
	if hundredths == nil {
		return nil
	}
	out := make(allocation, len(keys))
	for i, k := range keys {
		if hundredths[i] > 0 {
			out[k] = float64(hundredths[i]) / 100
		}
	}
	return out
}

// isNormalized reports whether m already holds positive percentages in
// whole hundredths that add up to exactly 100, as seeded and known
// allocations do; normalizing those again would only cost allocations.
func isNormalized(m allocation) bool {
	var hundredths int64
	for _, v := range m {
		h := math.Round(v * 100)
		if !(v > 0) || math.Abs(h-v*100) > 1e-6 { // 33.33*100 is 3332.9999999999995
			return false
		}
		hundredths += int64(h)
	}
	return hundredths == 100*100
}

// apportion splits total units in proportion to shares with the largest
// remainder method: every part is within one unit of its exact share and the
// parts add up to total exactly. Ties go to the earlier share, so callers get
// deterministic results by passing shares in a fixed order. It returns nil
// when no share is positive.
func apportion(shares []float64, total int64) []int64 {
	sum := 0.0
	for _, s := range shares {
		sum += amount(s)
	}
	if sum <= 0 || total <= 0 {
		return nil
	}
	parts := make([]int64, len(shares))
	fractions := make([]float64, len(shares))
	left := total
	for i, s := range shares {
		exact := amount(s) / sum * float64(total)
		parts[i] = int64(math.Floor(exact))
		fractions[i] = exact - float64(parts[i])
		left -= parts[i]
	}
	order := make([]int, len(shares))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(fractions[b], fractions[a]) })
	// Floating-point error can leave left slightly off from the exact
	// remainder in either direction; walk the order until it is zero.
	for i := 0; left != 0; i = (i + 1) % len(order) {
		j := order[i]
		switch {
		case left > 0 && amount(shares[j]) > 0:
			parts[j]++
			left--
		case left < 0 && parts[j] > 0:
			parts[j]--
			left++
		}
	}
	return parts
}

// blend mixes percentage maps: parts[k] contributes in proportion to
// weights[k], as a 60/40 fund's sectors are 60% its equity sectors and 40%
// its bond sectors.
func blend(parts map[string]allocation, weights allocation) allocation {
	out := allocation{}
	for _, k := range sortedKeys(weights) {
		for key, pct := range parts[k] {
			out[key] += weights[k] * pct / 100
		}
	}
	return normalizePercentages(out)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
