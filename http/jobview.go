package http

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"reflect"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/alex-advisor/alex/store"
)

// finishedJobsBytes bounds the memory of the finished jobs the API
// remembers, counted in the bytes of their answers: a job's answer is about
// 15 KB, but its report and options are the user's, so a count of jobs
// would bound nothing.
const finishedJobsBytes = 32 << 20

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
	v := jobView{owner: j.UserID, etag: etagOf(j), body: body}
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
	mu       sync.Mutex
	views    *lru.Cache[string, jobView]
	bytes    int // of the views kept
	maxBytes int
}

func newFinishedJobs(maxBytes int) *finishedJobs {
	f := &finishedJobs{maxBytes: maxBytes}
	// The count is bounded by the bytes; lru wants a size all the same.
	views, err := lru.NewWithEvict(1<<20, func(_ string, v jobView) { f.bytes -= v.size() })
	if err != nil {
		panic(err) // only for a size ≤ 0
	}
	f.views = views
	return f
}

// size is what a view holds in memory, near enough: its answers.
func (v jobView) size() int {
	n := len(v.body) + len(v.etag) + len(v.owner)
	if v.alex != nil {
		n += v.alex.size()
	}
	return n
}

func (f *finishedJobs) get(id string) (jobView, bool) {
	return f.views.Get(id) // lru locks on its own; only adds change bytes
}

// add keeps v, dropping the least recently read views until the bytes fit.
func (f *finishedJobs) add(id string, v jobView) {
	if v.size() > f.maxBytes/16 {
		return // one giant answer must not empty the cache
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.views.Remove(id) // a replaced view leaves through the callback, which counts it out
	f.views.Add(id, v)
	f.bytes += v.size()
	for f.bytes > f.maxBytes {
		f.views.RemoveOldest()
	}
}

// jobView reads one of the user's jobs, from memory if it is finished and
// was read before.
func (s *Server) jobView(ctx context.Context, userID, id string) (jobView, error) {
	if v, ok := s.finished.get(id); ok && v.owner == userID {
		return v, nil
	}
	j, err := s.cfg.Store.Job(ctx, userID, id)
	if err != nil {
		return jobView{}, err
	}
	v, err := viewOf(j)
	if err == nil && j.Terminal() {
		s.finished.add(id, v)
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
