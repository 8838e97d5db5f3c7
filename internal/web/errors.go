package web

import (
	"bytes"
	"errors"
	"net/http"
	"slices"

	"piazza/internal/apperr"
)

// statusOf maps an error kind to its HTTP status.
func statusOf(k apperr.Kind) int {
	switch k {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.TooManyRequests:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// errorPage is the data of the error templates.
type errorPage struct {
	Status  int
	Message string // catalogue key
}

// fail renders the error page for err: a translated, safe message for domain errors;
// "Internal error" for anything else, which is logged with the request id. It never
// writes err.Error() to the response.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
		return
	}
	e := apperr.As(err)
	if e == nil || e.Kind == apperr.Internal {
		s.serverError(w, r, err)
		return
	}
	code := e.Code
	if code == "" {
		code = "error." + e.Kind.String()
	}
	s.errorPage(w, r, statusOf(e.Kind), code)
}

// serverError logs err and renders the generic 500 page.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	ri := info(r)
	s.log.ErrorContext(r.Context(), "internal error", "err", err, "request_id", ri.ID, "path", r.URL.Path)
	s.errorPage(w, r, http.StatusInternalServerError, "error.internal")
}

// errorPage renders an error page in the layout that fits the host.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, code string) {
	ri := info(r)
	tmpl := "errors/bare.html"
	switch {
	case ri.Tenant != nil:
		tmpl = "errors/public.html"
	case ri.Platform:
		tmpl = "errors/platform.html"
	}
	t, ok := s.tmpl.pages[tmpl]
	if !ok || ri.localizer == nil {
		ri.localizer = s.localizer(ri.Lang)
	}
	v := &view{s: s, ri: ri, r: r, w: w, Title: "error.title", Data: errorPage{Status: status, Message: code}, Status: status}
	var buf bytes.Buffer
	if ok {
		if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
			s.log.Error("render error page", "err", err, "request_id", ri.ID)
			buf.Reset()
		}
	}
	if buf.Len() == 0 {
		buf.WriteString(http.StatusText(status))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "3600")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// notFound renders the 404 page.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "error.not_found")
}

// onField attaches a domain error that names no field to the form field it is
// about, so the error summary links to the field and the field shows the message.
// With codes, only errors with one of those codes are attached.
func onField(err error, field string, codes ...string) error {
	e := apperr.As(err)
	if e == nil || len(e.Fields) > 0 || len(codes) > 0 && !slices.Contains(codes, e.Code) {
		return err
	}
	c := *e
	c.Fields = []apperr.FieldError{{Field: field, Code: e.Code, Args: e.Args}}
	return &c
}
