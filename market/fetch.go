package market

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// ErrUpstream is wrapped by every error of an upstream service that answered
// badly or not at all.
var ErrUpstream = errors.New("upstream unavailable")

// Client makes the outbound GETs of the providers: rate-limited, each
// attempt bounded by Timeout, and retried with exponential backoff on
// network errors, timeouts, 429 and 5xx. Other statuses are not retried: a
// 401 or 404 stays one whatever we do. The zero value is not usable; use
// NewClient.
type Client struct {
	HTTP    *http.Client
	Limiter *rate.Limiter
	// Timeout bounds one attempt, from request to the last byte of the body.
	Timeout time.Duration
	// Retries is the number of attempts after the first.
	Retries int
	// Backoff is the wait before the first retry; it doubles each time, with
	// jitter, capped by MaxBackoff. A Retry-After header of a 429 or 503 is
	// honoured up to MaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// MaxBody is the largest body read; a larger one is an error.
	MaxBody int64
}

// ClientOptions configure NewClient; zero values take the defaults.
type ClientOptions struct {
	RequestsPerSecond float64 // 0 = unlimited
	Burst             int
	Timeout           time.Duration // default 10 s
	Retries           int           // default 3; negative = none
	Backoff           time.Duration // default 500 ms
	MaxBackoff        time.Duration // default 10 s
}

// NewClient returns a Client with the options over the defaults.
func NewClient(o ClientOptions) *Client {
	c := &Client{
		HTTP:       &http.Client{Transport: http.DefaultTransport, CheckRedirect: sameHostRedirects},
		Limiter:    rate.NewLimiter(rate.Inf, 1),
		Timeout:    durationOr(o.Timeout, 10*time.Second),
		Retries:    3,
		Backoff:    durationOr(o.Backoff, 500*time.Millisecond),
		MaxBackoff: durationOr(o.MaxBackoff, 10*time.Second),
		MaxBody:    64 << 20,
	}
	if o.RequestsPerSecond > 0 {
		c.Limiter = rate.NewLimiter(rate.Limit(o.RequestsPerSecond), max(o.Burst, 1))
	}
	switch {
	case o.Retries < 0:
		c.Retries = 0
	case o.Retries > 0:
		c.Retries = o.Retries
	}
	return c
}

// maxRedirects is how many redirects a provider may send a request through.
const maxRedirects = 5

// sameHostRedirects follows a provider's redirects on its own host only:
// net/http would carry a custom key header (X-RapidAPI-Key) to any host a
// redirect names.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if req.URL.Host != via[0].URL.Host {
		return fmt.Errorf("redirect from %s to another host (%s) refused: it would carry the provider's key", via[0].URL.Host, req.URL.Host)
	}
	return nil
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// statusError is an upstream answer with a status other than 200.
type statusError struct {
	status     int
	retryAfter time.Duration
}

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d", e.status) }

func (e *statusError) retryable() bool {
	return e.status == http.StatusTooManyRequests || e.status >= 500
}

// Get fetches target with the headers and returns the body of a 200 answer.
// Errors wrap ErrUpstream; the URL is left out of them because it may carry
// an API key.
func (c *Client) Get(ctx context.Context, target string, header http.Header) ([]byte, error) {
	var err error
	for attempt := 0; ; attempt++ {
		if err = c.Limiter.Wait(ctx); err != nil {
			return nil, fmt.Errorf("%w: rate limit wait: %w", ErrUpstream, err)
		}
		var body []byte
		body, err = c.attempt(ctx, target, header)
		if err == nil {
			return body, nil
		}
		if attempt >= c.Retries || !retryable(ctx, err) {
			break
		}
		if werr := sleep(ctx, c.wait(attempt, err)); werr != nil {
			break
		}
	}
	return nil, fmt.Errorf("%w: %w", ErrUpstream, err)
}

func (c *Client) attempt(ctx context.Context, target string, header http.Header) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // drop the URL and its key
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &statusError{status: resp.StatusCode, retryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > c.MaxBody {
		return nil, fmt.Errorf("body larger than %d bytes", c.MaxBody)
	}
	return body, nil
}

// retryable: the caller's own cancellation ends the retries; a timeout of
// one attempt does not.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.retryable()
	}
	return true // network errors and attempt timeouts
}

func (c *Client) wait(attempt int, err error) time.Duration {
	var se *statusError
	if errors.As(err, &se) && se.retryAfter > 0 {
		return min(se.retryAfter, c.MaxBackoff)
	}
	d := c.Backoff << attempt
	if d <= 0 || d > c.MaxBackoff {
		d = c.MaxBackoff
	}
	// Full jitter over the upper half keeps replicas from retrying in step.
	return d/2 + rand.N(d/2+1)
}

func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
