// Command lambda serves the Alex API on AWS Lambda (runtime provided.al2023)
// behind an API Gateway HTTP API, payload format 2.0, route ANY
// /api/{proxy+} (and /health, /ready if wanted). The same Fiber app as
// cmd/api answers; the workers run elsewhere (cmd/worker), fed through the
// same Redis. Build it with deploy/lambda/build.sh.
//
// It may import cmd/internal, config and http; nothing imports it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/gofiber/fiber/v2"

	"github.com/alex-advisor/alex/cmd/internal/apiserver"
	"github.com/alex-advisor/alex/cmd/internal/bootstrap"
	"github.com/alex-advisor/alex/config"
	alexhttp "github.com/alex-advisor/alex/http"
)

func main() {
	// Built once per execution environment and reused by its invocations:
	// database pools, cached keys and Redis connections outlive a request.
	srv, err := newServer(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "lambda:", err)
		os.Exit(1)
	}
	lambda.Start(handler(srv.App()))
}

// handler answers API Gateway HTTP API (v2) events with the Fiber app.
// aws-lambda-go-api-proxy's core turns the event into an *http.Request and
// collects the answer into the response event; in between, app.Test serves
// the request over an in-memory connection. (The library's Fiber adapter
// gives Fiber a request without a connection, and huma's body read
// deadline panics on it.)
func handler(app *fiber.App) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var accessor core.RequestAccessorV2
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		req, err := accessor.EventToRequestWithContext(ctx, ev)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("convert API Gateway event: %w", err)
		}
		res, err := app.Test(req, millisLeft(ctx))
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("serve %s %s: %w", req.Method, req.URL.Path, err)
		}
		defer res.Body.Close()
		w := core.NewProxyResponseWriterV2()
		for name, values := range res.Header {
			for _, v := range values {
				w.Header().Add(name, v)
			}
		}
		w.WriteHeader(res.StatusCode)
		if _, err := io.Copy(w, res.Body); err != nil {
			return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("read answer of %s %s: %w", req.Method, req.URL.Path, err)
		}
		return w.GetProxyResponse()
	}
}

// millisLeft is the invocation's remaining time for app.Test; -1 (no limit)
// outside Lambda, where ctx has no deadline.
func millisLeft(ctx context.Context) int {
	deadline, ok := ctx.Deadline()
	if !ok {
		return -1
	}
	return max(1, int(time.Until(deadline).Milliseconds()))
}

// newServer builds the API as cmd/api does. Migrations are a deploy step
// (`api migrate`), never run from a cold start, and there is no metrics
// port: nothing scrapes a Lambda.
func newServer(ctx context.Context) (*alexhttp.Server, error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, err
	}
	cfg.AutoMigrate = false
	if cfg.EmbeddedDatabase() || cfg.EmbeddedRedis() {
		return nil, errors.New("the Lambda needs DATABASE_URL and REDIS_URL: it has no disk or process to embed them in")
	}
	log := bootstrap.Logger(cfg).With("component", "lambda")
	log.Info("starting api on lambda", "config", cfg)
	s, err := bootstrap.OpenStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	verifier, issuer, err := bootstrap.Auth(ctx, cfg, s)
	if err != nil {
		return nil, errors.Join(err, s.Close())
	}
	q, _, err := bootstrap.OpenQueue(cfg, log)
	if err != nil {
		return nil, errors.Join(err, s.Close())
	}
	m := bootstrap.Market(cfg, q, log)
	return alexhttp.New(apiserver.Config(cfg, s, q, m, verifier, issuer, log)), nil
}
