package http

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/alex-advisor/alex/store"
)

// finishedJobsKept bounds the finished jobs the API remembers: about 15 KB
// each, so some 15 MB.
const finishedJobsKept = 1024

// jobView is a job's answer as GET /jobs/{id} sends it.
type jobView struct {
	owner string
	etag  string
	body  encodedJob
	// alex is the answer on the /api alias when it differs (a cancelled
	// job, see asAlexSees); nil when it is the same.
	alex *jobView
}

func viewOf(j store.Job) (jobView, error) {
	job := jobOf(j)
	body, err := encodeJSON(job)
	if err != nil {
		return jobView{}, err
	}
	v := jobView{owner: j.ClerkUserID, etag: etagOf(j), body: body}
	if seen := asAlexSees(job); seen.Status != job.Status {
		alexBody, err := encodeJSON(seen)
		if err != nil {
			return jobView{}, err
		}
		// Another body, so another ETag: a cache never mixes the two.
		v.alex = &jobView{owner: v.owner, etag: alexETag(v.etag), body: alexBody}
	}
	return v, nil
}

// servedIn is the view the request's path serves: the /api alias's for a
// request that came in on it.
func (v jobView) servedIn(ctx context.Context) jobView {
	if v.alex != nil && onAlexAlias(ctx) {
		return *v.alex
	}
	return v
}

// finishedJobs remembers the answers of finished jobs. A finished job never
// changes again, so its answer is good for ever and in every replica; the
// frontend reads a finished job whenever a report is opened.
type finishedJobs struct {
	views *lru.Cache[string, jobView]
}

func newFinishedJobs() finishedJobs {
	views, err := lru.New[string, jobView](finishedJobsKept)
	if err != nil {
		panic(err) // only for a size ≤ 0
	}
	return finishedJobs{views: views}
}

// jobView reads one of the user's jobs, from memory if it is finished and
// was read before.
func (s *Server) jobView(ctx context.Context, userID, id string) (jobView, error) {
	if v, ok := s.finished.views.Get(id); ok && v.owner == userID {
		return v, nil
	}
	j, err := s.cfg.Store.Job(ctx, userID, id)
	if err != nil {
		return jobView{}, err
	}
	v, err := viewOf(j)
	if err == nil && j.Terminal() {
		s.finished.views.Add(id, v)
	}
	return v, err
}

// encodedJob is a Job already encoded: jsonFormat writes it as it is,
// instead of encoding/json checking every payload byte again on each read.
type encodedJob []byte

// Schema documents an encodedJob as the Job it is.
func (encodedJob) Schema(r huma.Registry) *huma.Schema {
	return r.Schema(reflect.TypeFor[Job](), true, "")
}

// encodedJSON is a response body that is JSON already.
type encodedJSON interface{ encodedJSON() []byte }

func (e encodedJob) encodedJSON() []byte { return e }

// encodeJSON encodes as huma's JSON format does.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	err := huma.DefaultJSONFormat.Marshal(&buf, v)
	return buf.Bytes(), err
}

// jsonFormat is huma's JSON format, which writes encoded bodies unchanged.
var jsonFormat = huma.Format{
	Marshal: func(w io.Writer, v any) error {
		if e, ok := v.(encodedJSON); ok {
			_, err := w.Write(e.encodedJSON())
			return err
		}
		return huma.DefaultJSONFormat.Marshal(w, v)
	},
	Unmarshal: json.Unmarshal,
}
