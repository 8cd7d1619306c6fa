package http

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// apiProblem is the problem the API answered a page's call with. Detail is
// a sentence for the person; the field errors say which input was wrong.
type apiProblem struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

func (p *apiProblem) Error() string { return fmt.Sprintf("%d: %s", p.Status, p.Detail) }

// callAPI sends one request of a page through the server's own router, as
// the person's client: the pages get the validation, rules, rate limits and
// problems of /api/v1 itself, not a second copy of them. A non-2xx answer is
// an *apiProblem; out, when not nil, receives the JSON of a 2xx answer.
func (s *Server) callAPI(ctx context.Context, method, path, token string, body, out any) error {
	req := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(req)
	req.Header.SetMethod(method)
	req.SetRequestURI(path)
	req.Header.SetHost("in-process")                       // HTTP/1.1 wants one; nothing reads it
	req.Header.Set(fiber.HeaderXRequestID, requestID(ctx)) // one id in the logs of both
	if ip := clientIPOf(ctx); ip != "" {
		req.Header.Set(fiber.HeaderXForwardedFor, ip) // the sign-in limits count the person's client
	}
	if token != "" {
		req.Header.Set(fiber.HeaderAuthorization, "Bearer "+token)
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode the body of %s %s: %w", method, path, err)
		}
		req.Header.SetContentType(fiber.MIMEApplicationJSON)
		req.SetBody(b)
	}
	res := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseResponse(res)
	if err := s.serveInProcess(req, res); err != nil {
		return fmt.Errorf("%s %s in process: %w", method, path, err)
	}
	status := res.StatusCode()
	if status >= http.StatusBadRequest {
		p := &apiProblem{Status: status}
		if err := json.Unmarshal(res.Body(), p); err != nil || p.Detail == "" {
			p.Detail = http.StatusText(status) + "."
		}
		return p
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(res.Body(), out); err != nil {
		return fmt.Errorf("decode the answer of %s %s: %w", method, path, err)
	}
	return nil
}

// serveInProcess has the app answer req over an in-memory connection: the
// router then runs as for a request from the network (a handler may use the
// request's context, which needs the server a connection gives it).
func (s *Server) serveInProcess(req *fasthttp.Request, res *fasthttp.Response) error {
	conns := fasthttputil.NewPipeConns()
	defer conns.Close()
	served := make(chan error, 1)
	go func() { served <- s.inProcess.ServeConn(conns.Conn2()) }()
	req.SetConnectionClose()
	w := bufio.NewWriter(conns.Conn1())
	if err := req.Write(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := res.Read(bufio.NewReader(conns.Conn1())); err != nil {
		return err
	}
	return <-served
}
