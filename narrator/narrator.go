// Package narrator owns the optional LLM rewrite of the analysis report: one
// call to an OpenAI-compatible chat completions API, the report's facts in,
// friendlier prose with the same section headings out.
// It may import analysis (the report it rewrites) and the standard library.
package narrator

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/alex-advisor/alex/analysis"
)

const (
	defaultNarratorTimeout = 20 * time.Second
	// maxNarrationBytes bounds how much of a reply is read.
	maxNarrationBytes   = 1 << 20
	narratorTemperature = 0.3
)

// Narrator rewrites a report in friendlier prose with an OpenAI-compatible
// chat completions API. It is optional: on a failure the caller keeps the
// report as computed, and says so with Unavailable.
type Narrator struct {
	BaseURL, APIKey, Model string
	Client                 *http.Client  // nil = http.DefaultClient
	Timeout                time.Duration // per request; 0 = 20s
}

// Rewrite returns report with its content rewritten by the model and agent
// "reporter+llm" (its currency, rates and date kept), or an error: unset
// narrator, timeout, non-2xx status, malformed or empty reply, or a reply
// that lost one of the report's section headings.
func (n *Narrator) Rewrite(ctx context.Context, report analysis.ReportPayload, m analysis.Metrics) (analysis.ReportPayload, error) {
	content, err := n.rewrite(ctx, report.Content, m)
	if err != nil {
		return report, err
	}
	report.Content, report.Agent = content, "reporter+llm"
	return report, nil
}

// unavailableNote is what a reader of a report the narrator failed on reads
// under its title.
const unavailableNote = "_The narrated version of this report was not available; this is the standard report._"

// Unavailable is report with a note under its title that the narrated
// version was not available: what a reader sees when Rewrite failed.
func Unavailable(report analysis.ReportPayload) analysis.ReportPayload {
	title, rest, found := strings.Cut(report.Content, "\n")
	if !found || !strings.HasPrefix(title, "# ") {
		report.Content = unavailableNote + "\n\n" + report.Content
		return report
	}
	report.Content = title + "\n\n" + unavailableNote + "\n" + rest
	return report
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model       string        `json:"model"`
	Messages    []chatMessage `json:"messages"`
	Temperature float64       `json:"temperature"`
}

type chatResponse struct {
	Choices []struct {
		Message chatMessage `json:"message"`
	} `json:"choices"`
}

func (n *Narrator) rewrite(ctx context.Context, content string, m analysis.Metrics) (string, error) {
	if n == nil || n.BaseURL == "" || n.Model == "" {
		return "", errors.New("narrator not configured")
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(n.Timeout, defaultNarratorTimeout))
	defer cancel()
	req, err := n.newRequest(ctx, content, m)
	if err != nil {
		return "", err
	}
	resp, err := cmp.Or(n.Client, http.DefaultClient).Do(req)
	if err != nil {
		return "", fmt.Errorf("chat completion: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", fmt.Errorf("chat completion: status %s", resp.Status)
	}
	var reply chatResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxNarrationBytes)).Decode(&reply); err != nil {
		return "", fmt.Errorf("chat completion: decode reply: %w", err)
	}
	if len(reply.Choices) == 0 {
		return "", errors.New("chat completion: no choices")
	}
	rewritten := stripCodeFence(reply.Choices[0].Message.Content)
	if err := analysis.CheckSections(rewritten); err != nil {
		return "", err
	}
	return rewritten, nil
}

func (n *Narrator) newRequest(ctx context.Context, content string, m analysis.Metrics) (*http.Request, error) {
	facts, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(chatRequest{
		Model:       n.Model,
		Temperature: narratorTemperature,
		Messages: []chatMessage{
			{Role: "system", Content: narratorInstructions()},
			{Role: "user", Content: "Report:\n\n" + content + "\n\nFacts (JSON):\n" + string(facts)},
		},
	})
	if err != nil {
		return nil, err
	}
	url := strings.TrimRight(n.BaseURL, "/") + "/chat/completions"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if n.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+n.APIKey)
	}
	return req, nil
}

func narratorInstructions() string {
	sections := analysis.ReportSections()
	headings := make([]string, len(sections))
	for i, s := range sections {
		headings[i] = "## " + s
	}
	return "You are a careful personal financial advisor. Rewrite the user's portfolio report in clear, warm, plain English. " +
		"Keep every number exactly as given and invent none; use the facts only to explain. " +
		"Answer with markdown only, keeping these section headings verbatim and in this order: " + strings.Join(headings, ", ") + "."
}

// stripCodeFence removes a ```markdown fence some models wrap answers in.
func stripCodeFence(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") || !strings.HasSuffix(s, "```") || len(s) < 6 {
		return s
	}
	s = strings.TrimSuffix(s, "```")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}
