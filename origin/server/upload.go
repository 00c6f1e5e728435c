package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/upload"
	"github.com/imgorigin/imgorigin/signer"
)

// Uploads is what the write path's handlers need (upload.Service).
type Uploads interface {
	Authorize(source, key, token string) (*upload.Grant, error)
	Store(ctx context.Context, g *upload.Grant, data []byte, idemKey string) (upload.Result, error)
	Delete(ctx context.Context, source, key, token string) (upload.Deleted, error)
	CORSOrigins() []string
}

// Headers and form fields of the write path (upload package comment).
const (
	headerPolicy      = "X-Upload-Policy"
	headerIdempotency = "Idempotency-Key"
	headerReplayed    = "Idempotent-Replayed"
	fieldPolicy       = "policy"
	fieldKey          = "key"
	fieldIdempotency  = "idempotency_key"
	fieldFile         = "file"
)

// maxFormParts bounds the fields of an upload form: policy, key, idempotency_key, file.
const maxFormParts = 4

// uploadBodyTime is how long a client may take to send an upload body (the public listener's
// read timeout is made for bodiless GETs).
const uploadBodyTime = 5 * time.Minute

var (
	errNoUploads     = failure.New(failure.KindUnknownName, "this node has no write path configured", nil)
	errFormOrder     = failure.New(failure.KindBadRequest, "multipart form: the policy field must come before the file, and the file must be the last field", nil)
	errFormNoFile    = failure.New(failure.KindBadRequest, "multipart form: no file field", nil)
	errFieldTooLarge = failure.New(failure.KindBadRequest, "multipart form: a field is too long", nil)
)

func (s *Server) routeUploads(r interface {
	Post(string, http.HandlerFunc)
	Put(string, http.HandlerFunc)
	Delete(string, http.HandlerFunc)
	Options(string, http.HandlerFunc)
}) {
	r.Post(signer.UploadPrefix+"*", s.handle(s.uploadPost))
	r.Put(signer.UploadPrefix+"*", s.handle(s.uploadPut))
	r.Delete(signer.UploadPrefix+"*", s.handle(s.uploadDelete))
	r.Options(signer.UploadPrefix+"*", s.uploadPreflight)
}

// corsAllowed sets the CORS answer headers when the request's Origin is a configured page
// origin, and reports whether it is.
func (s *Server) corsAllowed(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	h := w.Header()
	h.Add("Vary", "Origin")
	if origin == "" || s.deps.Uploads == nil || !slices.Contains(s.deps.Uploads.CORSOrigins(), origin) {
		return false
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", headerReplayed)
	return true
}

func (s *Server) uploadPreflight(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !s.corsAllowed(w, r) {
		s.writeError(w, r, failure.New(failure.KindForbidden, "uploads from this page origin are not allowed", nil))
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "POST, PUT, DELETE")
	h.Set("Access-Control-Allow-Headers", "Content-Type, "+headerPolicy+", "+headerIdempotency)
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// uploadTarget parses /u/{source}[/{key}] of r.
func uploadTarget(r *http.Request) (source, key string, err error) {
	source, key, err = signer.ParseUploadPath(r.URL.EscapedPath())
	if err != nil {
		return "", "", failure.New(failure.KindBadRequest, err.Error(), err)
	}
	return source, key, nil
}

// uploadPost is POST /u/{source}: a multipart form (browsers) or a raw body.
func (s *Server) uploadPost(w http.ResponseWriter, r *http.Request) error {
	s.corsAllowed(w, r)
	if s.deps.Uploads == nil {
		return errNoUploads
	}
	src, key, err := uploadTarget(r)
	if err != nil {
		return err
	}
	if key != "" {
		return failure.New(failure.KindBadRequest, "POST goes to /u/{source}; name the key in the form, the query or the policy, or PUT /u/{source}/{key}", nil)
	}
	extendRead(w)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		return s.uploadForm(w, r, src)
	}
	q := r.URL.Query()
	return s.uploadRaw(w, r, src, q.Get(fieldKey))
}

// uploadPut is PUT /u/{source}/{key} with a raw body.
func (s *Server) uploadPut(w http.ResponseWriter, r *http.Request) error {
	s.corsAllowed(w, r)
	if s.deps.Uploads == nil {
		return errNoUploads
	}
	src, key, err := uploadTarget(r)
	if err != nil {
		return err
	}
	if key == "" {
		return failure.New(failure.KindBadRequest, "PUT needs /u/{source}/{key}", nil)
	}
	extendRead(w)
	return s.uploadRaw(w, r, src, key)
}

func (s *Server) uploadRaw(w http.ResponseWriter, r *http.Request, src, key string) error {
	token := r.Header.Get(headerPolicy)
	if token == "" {
		token = r.URL.Query().Get(fieldPolicy)
	}
	g, err := s.deps.Uploads.Authorize(src, key, token)
	if err != nil {
		return err
	}
	defer g.Release()
	data, err := readBounded(r.Body, g.Limit(), r.ContentLength)
	if err != nil {
		return err
	}
	return s.finishUpload(w, r, g, data, r.Header.Get(headerIdempotency))
}

// uploadForm reads a multipart form as OSS's PostObject takes it: small fields first, the
// file last; the policy is checked before a byte of the file is read.
func (s *Server) uploadForm(w http.ResponseWriter, r *http.Request, src string) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return failure.New(failure.KindBadRequest, "multipart form: "+err.Error(), err)
	}
	var token, key string
	idem := r.Header.Get(headerIdempotency)
	for parts := 0; ; parts++ {
		if parts == maxFormParts {
			return errFormOrder
		}
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return errFormNoFile
		}
		if err != nil {
			return failure.New(failure.KindBadRequest, "multipart form: "+err.Error(), err)
		}
		switch part.FormName() {
		case fieldPolicy:
			token, err = readField(part, signer.MaxPolicyLen)
		case fieldKey:
			key, err = readField(part, 1024)
		case fieldIdempotency:
			idem, err = readField(part, 255)
		case fieldFile:
			if token == "" {
				return errFormOrder
			}
			g, err := s.deps.Uploads.Authorize(src, key, token)
			if err != nil {
				return err
			}
			defer g.Release()
			data, err := readBounded(part, g.Limit(), -1)
			if err != nil {
				return err
			}
			if _, err := mr.NextPart(); !errors.Is(err, io.EOF) {
				return errFormOrder
			}
			return s.finishUpload(w, r, g, data, idem)
		default:
			return failure.New(failure.KindBadRequest, "multipart form: unknown field "+strconv.Quote(part.FormName())+" (policy, key, idempotency_key, file)", nil)
		}
		if err != nil {
			return err
		}
	}
}

func (s *Server) finishUpload(w http.ResponseWriter, r *http.Request, g *upload.Grant, data []byte, idem string) error {
	res, err := s.deps.Uploads.Store(r.Context(), g, data, idem)
	if err != nil {
		return err
	}
	if res.Replayed {
		w.Header().Set(headerReplayed, "true")
	}
	return writeJSON(w, http.StatusCreated, res)
}

// uploadDelete is DELETE /u/{source}/{key}?token=….
func (s *Server) uploadDelete(w http.ResponseWriter, r *http.Request) error {
	s.corsAllowed(w, r)
	if s.deps.Uploads == nil {
		return errNoUploads
	}
	src, key, err := uploadTarget(r)
	if err != nil {
		return err
	}
	if key == "" {
		return failure.New(failure.KindBadRequest, "DELETE needs /u/{source}/{key}", nil)
	}
	d, err := s.deps.Uploads.Delete(r.Context(), src, key, r.URL.Query().Get(signer.DefaultParam))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return nil
}

// readBounded reads at most limit bytes of body; more is a 413.
func readBounded(body io.Reader, limit, sizeHint int64) ([]byte, error) {
	var buf bytes.Buffer
	if sizeHint > 0 {
		buf.Grow(int(min(sizeHint, limit) + 1))
	}
	n, err := buf.ReadFrom(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, failure.New(failure.KindBadRequest, "the upload body could not be read", err)
	}
	if n > limit {
		return nil, failure.New(failure.KindTooLarge, "the upload is larger than the "+strconv.FormatInt(limit, 10)+" bytes allowed", nil)
	}
	return buf.Bytes(), nil
}

func readField(r io.Reader, max int) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return "", failure.New(failure.KindBadRequest, "multipart form: "+err.Error(), err)
	}
	if len(b) > max {
		return "", errFieldTooLarge
	}
	return strings.TrimSpace(string(b)), nil
}

// extendRead gives an upload's body more time than the listener's read timeout allows.
func extendRead(w http.ResponseWriter) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadBodyTime))
}
