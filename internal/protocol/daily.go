package protocol

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/pdfdoc"
	"piazza/internal/tenants"
)

// DailyJob is the job kind that produces the daily registers. The scheduler
// enqueues it once per day (Europe/Rome); any node may run it.
const DailyJob = "protocol.daily"

// catchUpDays is how far back the daily job looks for days without a register
// (after downtime), never before the tenant existed.
const catchUpDays = 7

// dayLayout is the form of Daily.Day.
const dayLayout = "2006-01-02"

// DayBounds returns the start and end (exclusive) of the day (YYYY-MM-DD) in
// Europe/Rome, in UTC. Days are 23 or 25 hours long when the clocks change.
func DayBounds(day string) (from, to time.Time, err error) {
	d, err := time.ParseInLocation(dayLayout, day, Rome)
	if err != nil {
		return time.Time{}, time.Time{}, apperr.E(apperr.Invalid, "proto.err.day")
	}
	return d.UTC(), d.AddDate(0, 0, 1).UTC(), nil
}

// DayOf is the day (YYYY-MM-DD, Europe/Rome) of t.
func DayOf(t time.Time) string { return t.In(Rome).Format(dayLayout) }

// RunDaily produces, for every tenant with the protocol module, the daily
// registers of the days up to yesterday (Europe/Rome) that have none yet, looking
// back a week (to make up for downtime); days before the tenant was created get a
// register only if they have records. It is idempotent:
// a day that has its register is left alone. It returns the registers produced.
func (s *Service) RunDaily(ctx context.Context) ([]Daily, error) {
	all, err := s.store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	today := DayOf(s.now())
	var out []Daily
	var errs []error
	for _, t := range all {
		if !t.Has(tenants.ModuleProtocol) {
			continue
		}
		created := DayOf(t.CreatedAt)
		for day := shiftDay(today, -catchUpDays); day < today; day = shiftDay(day, 1) {
			// Before the tenant existed only days with records (imported ones) get a
			// register.
			d, made, err := s.produce(ctx, t, day, day < created)
			if err != nil {
				errs = append(errs, fmt.Errorf("tenant %d, %s: %w", t.ID, day, err))
				continue
			}
			if made {
				out = append(out, d)
			}
		}
	}
	return out, errors.Join(errs...)
}

func shiftDay(day string, n int) string {
	d, _ := time.ParseInLocation(dayLayout, day, Rome)
	return d.AddDate(0, 0, n).Format(dayLayout)
}

// ProduceDaily produces the tenant's register of a past day and stores its PDF
// and CSV with their digests. If the day already has one it returns it with
// made false. Only days before today (Europe/Rome) have a register: Invalid
// otherwise.
func (s *Service) ProduceDaily(ctx context.Context, t tenants.Tenant, day string) (d Daily, made bool, err error) {
	return s.produce(ctx, t, day, false)
}

// produce is ProduceDaily; with skipEmpty a day without records gets no register.
func (s *Service) produce(ctx context.Context, t tenants.Tenant, day string, skipEmpty bool) (d Daily, made bool, err error) {
	from, to, err := DayBounds(day)
	if err != nil {
		return Daily{}, false, err
	}
	if !to.After(from) || day >= DayOf(s.now()) {
		return Daily{}, false, apperr.E(apperr.Invalid, "proto.err.day_not_over")
	}
	if d, err := s.store.ProtocolDaily(ctx, t.ID, day); err == nil {
		return d, false, nil
	} else if !apperr.Is(err, apperr.NotFound) {
		return Daily{}, false, err
	}
	recs, err := s.store.ProtocolBetween(ctx, t.ID, from, to)
	if err != nil || (skipEmpty && len(recs) == 0) {
		return Daily{}, false, err
	}
	sigs, err := s.correctedSignatures(ctx, t.ID, recs)
	if err != nil {
		return Daily{}, false, err
	}
	// The files are dated at the end of the day they cover, so producing a day
	// twice gives the same bytes.
	pdf, err := dailyPDF(t.Name, day, recs, sigs, to, false)
	if err != nil {
		return Daily{}, false, err
	}
	csvData := dailyCSV(recs, sigs)
	d = Daily{TenantID: t.ID, Day: day, Records: len(recs), CreatedAt: s.now().UTC()}
	if len(recs) > 0 {
		d.First, d.Last = recs[0].Signature(), recs[len(recs)-1].Signature()
	}
	if d.PDF, err = s.put(ctx, t.ID, day, "pdf", pdf); err != nil {
		return Daily{}, false, err
	}
	if d.CSV, err = s.put(ctx, t.ID, day, "csv", csvData); err != nil {
		return Daily{}, false, err
	}
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.InsertProtocolDaily(ctx, &d); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.Entry{TenantID: t.ID, Actor: audit.ActorFrom(ctx), Action: "protocol.daily",
			ObjectType: "protocol_daily", ObjectID: day, Detail: fmt.Sprintf("%d registrazioni", len(recs))})
	})
	if apperr.Is(err, apperr.Conflict) { // another node was quicker
		d, err = s.store.ProtocolDaily(ctx, t.ID, day)
		return d, false, err
	}
	return d, err == nil, err
}

// correctedSignatures maps the ids of the records that recs correct to their
// signatures.
func (s *Service) correctedSignatures(ctx context.Context, tenantID int64, recs []Record) (map[int64]string, error) {
	sigs := map[int64]string{}
	for _, r := range recs {
		if r.Corrects == 0 || sigs[r.Corrects] != "" {
			continue
		}
		c, err := s.store.ProtocolRecordByID(ctx, tenantID, r.Corrects)
		if err != nil {
			return nil, err
		}
		sigs[r.Corrects] = c.Signature()
	}
	return sigs, nil
}

// put stores a file under a key that names its digest, so that no file is ever
// overwritten with other content.
func (s *Service) put(ctx context.Context, tenantID int64, day, ext string, data []byte) (File, error) {
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	key := fmt.Sprintf("protocol/%d/registro-%s-%s.%s", tenantID, day, digest[:16], ext)
	if err := s.files.Put(ctx, key, data); err != nil {
		return File{}, err
	}
	return File{Key: key, SHA256: digest, Size: int64(len(data))}, nil
}

// Dailies lists the tenant's daily registers, newest first.
func (s *Service) Dailies(ctx context.Context, tenantID int64, offset, limit int) ([]Daily, error) {
	return s.store.ProtocolDailies(ctx, tenantID, offset, limit)
}

// DailyFile returns the PDF or CSV ("pdf", "csv") of a day's register, checking it
// against its recorded digest, and audits the download. NotFound if the day has no
// register; Internal if the file does not match its digest.
func (s *Service) DailyFile(ctx context.Context, tenantID int64, day, kind string) ([]byte, error) {
	d, err := s.store.ProtocolDaily(ctx, tenantID, day)
	if err != nil {
		return nil, err
	}
	f := d.PDF
	if kind == "csv" {
		f = d.CSV
	} else if kind != "pdf" {
		return nil, apperr.ErrNotFound
	}
	data, err := s.files.Get(ctx, f.Key)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != f.SHA256 {
		return nil, fmt.Errorf("protocol: daily register %s of tenant %d does not match its digest", f.Key, tenantID)
	}
	if err := s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "protocol.daily.download", "protocol_daily", day, kind)); err != nil {
		return nil, err
	}
	return data, nil
}

// Provisional renders today's register so far (PDF or CSV), marked provisional and
// not stored, and audits it: the day's register proper is produced after midnight.
func (s *Service) Provisional(ctx context.Context, t tenants.Tenant, kind string) ([]byte, error) {
	now := s.now()
	from, _, err := DayBounds(DayOf(now))
	if err != nil {
		return nil, err
	}
	recs, err := s.store.ProtocolBetween(ctx, t.ID, from, now.Add(time.Microsecond))
	if err != nil {
		return nil, err
	}
	sigs, err := s.correctedSignatures(ctx, t.ID, recs)
	if err != nil {
		return nil, err
	}
	var data []byte
	switch kind {
	case "pdf":
		data, err = dailyPDF(t.Name, DayOf(now), recs, sigs, now, true)
	case "csv":
		data = dailyCSV(recs, sigs)
	default:
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := s.store.AppendAudit(ctx, audit.New(ctx, t.ID, "protocol.daily.provisional", "protocol_daily", DayOf(now), kind)); err != nil {
		return nil, err
	}
	return data, nil
}

// Labels in the files: the daily register is an Italian legal document.
var directionLabel = map[Direction]string{In: "Entrata", Out: "Uscita"}

func italianDay(day string) string { return Daily{Day: day}.Date() }

// dailyPDF renders the register of a day; at is the time printed as its date.
func dailyPDF(issuer, day string, recs []Record, sigs map[int64]string, at time.Time, provisional bool) ([]byte, error) {
	title := "Registro giornaliero di protocollo"
	if provisional {
		title += " (provvisorio)"
	}
	doc := pdfdoc.New(pdfdoc.Options{Issuer: issuer, Title: title, Subtitle: "Giornata del " + italianDay(day),
		Created: at, Landscape: true, Footer: issuer + " – registro del " + italianDay(day)})
	kv := []pdfdoc.KV{{Key: "Registrazioni", Value: strconv.Itoa(len(recs))}}
	if len(recs) > 0 {
		kv = append(kv, pdfdoc.KV{Key: "Dal numero", Value: recs[0].Signature()},
			pdfdoc.KV{Key: "Al numero", Value: recs[len(recs)-1].Signature()})
	}
	if provisional {
		kv = append(kv, pdfdoc.KV{Key: "Situazione al", Value: at.In(Rome).Format("02/01/2006 15:04")})
	}
	doc.KeyValues(kv)
	if len(recs) == 0 {
		doc.Paragraph("Nessuna registrazione di protocollo in questa giornata.")
		return doc.Bytes()
	}
	rows := make([][]string, len(recs))
	for i, r := range recs {
		rows[i] = []string{r.Signature(), r.At.In(Rome).Format("02/01/2006 15:04"), directionLabel[r.Direction],
			r.Correspondent, r.Subject, documentsText(r.Documents, "\n"), annotation(r, sigs)}
	}
	doc.Table([]pdfdoc.Column{{Header: "Numero", Width: 2}, {Header: "Data e ora", Width: 1.6}, {Header: "Verso", Width: 1},
		{Header: "Corrispondente", Width: 2.3}, {Header: "Oggetto", Width: 3.4}, {Header: "Documenti e impronte SHA-256", Width: 3.7},
		{Header: "Annotazioni", Width: 1.8}}, rows)
	return doc.Bytes()
}

func documentsText(docs []Document, sep string) string {
	parts := make([]string, len(docs))
	for i, d := range docs {
		parts[i] = d.Name + " " + d.SHA256
	}
	return strings.Join(parts, sep)
}

func annotation(r Record, sigs map[int64]string) string {
	var parts []string
	if r.ApplicationID != 0 {
		parts = append(parts, "Pratica "+strconv.FormatInt(r.ApplicationID, 10))
	}
	if r.Corrects != 0 {
		parts = append(parts, "Rettifica della registrazione "+sigs[r.Corrects])
	}
	if r.Note != "" {
		parts = append(parts, r.Note)
	}
	return strings.Join(parts, ". ")
}

// dailyCSV renders the register of a day for spreadsheets as Italian offices use
// them: UTF-8 with a byte-order mark, ";" between fields, CRLF line ends, dates
// dd/mm/yyyy HH:MM.
func dailyCSV(recs []Record, sigs map[int64]string) []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Comma = ';'
	w.UseCRLF = true
	w.Write([]string{"Numero", "Anno", "Segnatura", "Data e ora", "Verso", "Corrispondente", "Oggetto", "Documenti",
		"Pratica", "Rettifica di", "Note"})
	for _, r := range recs {
		app := ""
		if r.ApplicationID != 0 {
			app = strconv.FormatInt(r.ApplicationID, 10)
		}
		corrects := sigs[r.Corrects]
		w.Write([]string{strconv.FormatInt(r.Number, 10), strconv.Itoa(r.Year), r.Signature(),
			r.At.In(Rome).Format("02/01/2006 15:04"), directionLabel[r.Direction], safeCell(r.Correspondent),
			safeCell(r.Subject), safeCell(documentsText(r.Documents, " | ")), app, corrects, safeCell(r.Note)})
	}
	w.Flush()
	return b.Bytes()
}

// safeCell keeps spreadsheets from running a cell as a formula (CSV injection):
// text that starts with = + - @ gets a leading apostrophe.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
