package analysis

import (
	"strings"
	"testing"
)

func TestSummarizeEveryFixture(t *testing.T) {
	for _, tc := range goldenPortfolios {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.portfolio()
			m := Analyze(p)
			ret := Simulate(p, quickOptions(), SeedFor(tc.name), testNow)
			s := Summarize(m, Charts(p), ret)
			if n := len(s.KeyFindings); n < 3 || n > 6 {
				t.Errorf("%d findings: %q", n, s.KeyFindings)
			}
			if n := len(s.Recommendations); n < 3 || n > 6 {
				t.Errorf("%d recommendations: %q", n, s.Recommendations)
			}
			if !strings.Contains(s.Summary, formatMoneyIn(m.Value, m.Currency)) {
				t.Errorf("summary %q lacks the value", s.Summary)
			}
			if ret.Paths > 0 && !strings.Contains(s.Summary, formatPercent(ret.SuccessRate)) {
				t.Errorf("summary %q lacks the success rate %v", s.Summary, ret.SuccessRate)
			}
		})
	}
}

func TestSummarizePutsSavingFirstWhenThePlanIsAtRisk(t *testing.T) {
	m := Analyze(singleStockPortfolio())
	ret := stubRetirement(m) // 68.4% success
	s := Summarize(m, Charts(singleStockPortfolio()), ret)
	if !strings.HasPrefix(s.Recommendations[0], "Only 68.4% of simulated paths") {
		t.Errorf("first recommendation = %q", s.Recommendations[0])
	}
	for _, r := range s.Recommendations[1:] {
		if strings.HasPrefix(r, "Save about") {
			t.Errorf("savings advice repeated: %q", s.Recommendations)
		}
	}
}
