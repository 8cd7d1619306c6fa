package analysis

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
)

const (
	defaultNarratorTimeout = 20 * time.Second
	// maxNarrationBytes bounds how much of a reply is read.
	maxNarrationBytes   = 1 << 20
	narratorTemperature = 0.3
)

// Narrator rewrites a report in friendlier prose with an OpenAI-compatible
// chat completions API. It is the only part of this package that does I/O,
// and it is optional: any failure leaves the report as it was.
type Narrator struct {
	BaseURL, APIKey, Model string
	Client                 *http.Client  // nil = http.DefaultClient
	Timeout                time.Duration // per request; 0 = 20s
}

// Rewrite returns report with its content rewritten by the model and agent
// "reporter+llm", or report unchanged on any error: unset narrator, timeout,
// non-2xx status, malformed or empty reply, or a reply that lost one of the
// report's section headings.
func (n *Narrator) Rewrite(ctx context.Context, report ReportPayload, m Metrics) ReportPayload {
	content, err := n.rewrite(ctx, report.Content, m)
	if err != nil {
		return report
	}
	return ReportPayload{Content: content, GeneratedAt: report.GeneratedAt, Agent: "reporter+llm"}
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

func (n *Narrator) rewrite(ctx context.Context, content string, m Metrics) (string, error) {
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
	if err := checkSections(rewritten); err != nil {
		return "", err
	}
	return rewritten, nil
}

func (n *Narrator) newRequest(ctx context.Context, content string, m Metrics) (*http.Request, error) {
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
	headings := make([]string, len(reportSections))
	for i, s := range reportSections {
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

// checkSections requires every report heading, as its own line, in order.
func checkSections(content string) error {
	if strings.TrimSpace(content) == "" {
		return errors.New("chat completion: empty content")
	}
	lines := strings.Split(content, "\n")
	next := 0
	for _, line := range lines {
		if next < len(reportSections) && strings.TrimSpace(line) == "## "+reportSections[next] {
			next++
		}
	}
	if next < len(reportSections) {
		return fmt.Errorf("chat completion: missing section %q", reportSections[next])
	}
	return nil
}
