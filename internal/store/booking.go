package store

import (
	"context"
	"database/sql"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/booking"
)

const calendarCols = `c.tenant_id, c.office_id, c.enabled, c.slot_minutes, c.desks, c.min_days_ahead, c.max_days_ahead,
	c.hours, c.topics, c.updated_at, o.name, o.slug`

func scanCalendar(r interface{ Scan(...any) error }) (booking.Calendar, error) {
	var c booking.Calendar
	var hours, topics string
	err := r.Scan(&c.TenantID, &c.OfficeID, &c.Enabled, &c.SlotMinutes, &c.Desks, &c.MinDaysAhead, &c.MaxDaysAhead,
		&hours, &topics, ts(&c.UpdatedAt), &c.OfficeName, &c.OfficeSlug)
	if err != nil {
		return c, err
	}
	return c, c.DecodeStored(hours, topics)
}

// BookingCalendar returns an office's calendar.
func (db *DB) BookingCalendar(ctx context.Context, tenantID, officeID int64) (booking.Calendar, error) {
	c, err := scanCalendar(db.queryRow(ctx, `SELECT `+calendarCols+` FROM booking_calendars c
		JOIN offices o ON o.tenant_id = c.tenant_id AND o.id = c.office_id
		WHERE c.tenant_id = ? AND c.office_id = ?`, tenantID, officeID))
	return c, notFound(err, "booking.office.not_bookable")
}

// BookingCalendars lists the tenant's calendars by office name.
func (db *DB) BookingCalendars(ctx context.Context, tenantID int64) ([]booking.Calendar, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (booking.Calendar, error) { return scanCalendar(r) },
		`SELECT `+calendarCols+` FROM booking_calendars c
		JOIN offices o ON o.tenant_id = c.tenant_id AND o.id = c.office_id
		WHERE c.tenant_id = ? ORDER BY o.name, o.id`, tenantID)
}

// SaveBookingCalendar creates or replaces an office's calendar. An office of another
// tenant is "not found" (the foreign key is on (tenant_id, office_id)).
func (db *DB) SaveBookingCalendar(ctx context.Context, c *booking.Calendar) error {
	_, err := db.exec(ctx, `INSERT INTO booking_calendars (tenant_id, office_id, enabled, slot_minutes, desks, min_days_ahead,
		max_days_ahead, hours, topics, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, office_id) DO UPDATE SET enabled = excluded.enabled, slot_minutes = excluded.slot_minutes,
		desks = excluded.desks, min_days_ahead = excluded.min_days_ahead, max_days_ahead = excluded.max_days_ahead,
		hours = excluded.hours, topics = excluded.topics, updated_at = excluded.updated_at`,
		c.TenantID, c.OfficeID, c.Enabled, c.SlotMinutes, c.Desks, c.MinDaysAhead, c.MaxDaysAhead,
		c.HoursJSON(), c.TopicsJSON(), db.t(c.UpdatedAt))
	if isForeignKey(err) {
		return apperr.E(apperr.NotFound, "error.not_found")
	}
	return err
}

// BookingSettings returns the tenant's booking settings (zero when never saved).
func (db *DB) BookingSettings(ctx context.Context, tenantID int64) (booking.Settings, error) {
	s := booking.Settings{TenantID: tenantID}
	err := db.queryRow(ctx, `SELECT patron_month, patron_day, patron_name FROM booking_settings WHERE tenant_id = ?`, tenantID).
		Scan(&s.PatronMonth, &s.PatronDay, &s.PatronName)
	if isNoRows(err) {
		err = nil
	}
	return s, err
}

// SaveBookingSettings stores the tenant's booking settings.
func (db *DB) SaveBookingSettings(ctx context.Context, s *booking.Settings) error {
	_, err := db.exec(ctx, `INSERT INTO booking_settings (tenant_id, patron_month, patron_day, patron_name) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant_id) DO UPDATE SET patron_month = excluded.patron_month, patron_day = excluded.patron_day,
		patron_name = excluded.patron_name`, s.TenantID, s.PatronMonth, s.PatronDay, s.PatronName)
	return err
}

// BookingClosures lists the closures of an office and of every office in [from, to].
func (db *DB) BookingClosures(ctx context.Context, tenantID, officeID int64, from, to booking.Day) ([]booking.Closure, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (booking.Closure, error) {
		var c booking.Closure
		var office sql.NullInt64
		var day string
		if err := r.Scan(&c.ID, &c.TenantID, &office, &day, &c.Reason); err != nil {
			return c, err
		}
		c.OfficeID = office.Int64
		var err error
		c.Day, err = booking.ParseDay(day)
		return c, err
	}, `SELECT id, tenant_id, office_id, day, reason FROM booking_closures
		WHERE tenant_id = ? AND (office_id = ? OR office_id IS NULL) AND day >= ? AND day <= ? ORDER BY day, id`,
		tenantID, officeID, from.String(), to.String())
}

// AddBookingClosure records a closed day.
func (db *DB) AddBookingClosure(ctx context.Context, c *booking.Closure) error {
	var office any
	if c.OfficeID != 0 {
		office = c.OfficeID
	}
	id, err := db.insertID(ctx, `INSERT INTO booking_closures (tenant_id, office_id, day, reason) VALUES (?, ?, ?, ?)`,
		c.TenantID, office, c.Day.String(), c.Reason)
	if isForeignKey(err) {
		return apperr.E(apperr.NotFound, "error.not_found")
	}
	c.ID = id
	return err
}

// DeleteBookingClosure removes a closed day.
func (db *DB) DeleteBookingClosure(ctx context.Context, tenantID, id int64) error {
	return db.execOne(ctx, `DELETE FROM booking_closures WHERE tenant_id = ? AND id = ?`, tenantID, id)
}

// holding is the SQL list of the statuses that hold a place (booking.Status.Holds);
// the partial unique index bookings_slot_place uses the same list.
const holding = `('booked', 'checked_in', 'done', 'no_show')`

// SlotLoad counts the bookings that hold a place, per slot start, in [from, to).
func (db *DB) SlotLoad(ctx context.Context, tenantID, officeID int64, from, to time.Time) (map[int64]int, error) {
	rows, err := db.query(ctx, `SELECT starts_at, COUNT(*) FROM bookings
		WHERE tenant_id = ? AND office_id = ? AND starts_at >= ? AND starts_at < ? AND status IN `+holding+`
		GROUP BY starts_at`, tenantID, officeID, db.t(from), db.t(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var at time.Time
		var n int
		if err := rows.Scan(ts(&at), &n); err != nil {
			return nil, err
		}
		out[at.Unix()] = n
	}
	return out, rows.Err()
}

// HeldPlaces lists the places held at one slot start. Inside a transaction it reads
// through the transaction (SQLite: under the writer's lock).
func (db *DB) HeldPlaces(ctx context.Context, tenantID, officeID int64, start time.Time) ([]int, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (int, error) {
		var p int
		return p, r.Scan(&p)
	}, `SELECT place FROM bookings WHERE tenant_id = ? AND office_id = ? AND starts_at = ? AND status IN `+holding+` ORDER BY place`,
		tenantID, officeID, db.t(start))
}

// placeTaken maps the violation of bookings_slot_place to booking.ErrSlotTaken.
func placeTaken(err error) error {
	if err != nil && uniqueOn(err, "place") {
		return booking.ErrSlotTaken
	}
	return err
}

// InsertBooking stores a new booking; a place held meanwhile is booking.ErrSlotTaken,
// a code in use booking.ErrCodeTaken.
func (db *DB) InsertBooking(ctx context.Context, b *booking.Booking) error {
	var citizen any
	if b.CitizenID != 0 {
		citizen = b.CitizenID
	}
	id, err := db.insertID(ctx, `INSERT INTO bookings (tenant_id, office_id, code, starts_at, ends_at, place, status, topic, reason,
		name, email, phone, citizen_id, lang, nonce, message, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.TenantID, b.OfficeID, b.Code, db.t(b.Start), db.t(b.End), b.Place, string(b.Status), b.Topic, b.Reason,
		b.Name, b.Email, b.Phone, citizen, b.Lang, b.Nonce, b.Message, db.t(b.CreatedAt), db.t(b.UpdatedAt))
	if isForeignKey(err) {
		return apperr.E(apperr.NotFound, "error.not_found")
	}
	if err != nil && uniqueOn(err, "code") {
		return booking.ErrCodeTaken
	}
	if err != nil {
		return placeTaken(err)
	}
	b.ID = id
	return nil
}

// UpdateBooking writes a booking's slot, place, status, nonce and message.
func (db *DB) UpdateBooking(ctx context.Context, b *booking.Booking) error {
	err := db.execOne(ctx, `UPDATE bookings SET starts_at = ?, ends_at = ?, place = ?, status = ?, nonce = ?, message = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ?`,
		db.t(b.Start), db.t(b.End), b.Place, string(b.Status), b.Nonce, b.Message, db.t(b.UpdatedAt), b.TenantID, b.ID)
	return placeTaken(err)
}

const bookingCols = `b.id, b.tenant_id, b.office_id, b.code, b.starts_at, b.ends_at, b.place, b.status, b.topic, b.reason,
	b.name, b.email, b.phone, b.citizen_id, b.lang, b.nonce, b.message, b.created_at, b.updated_at, o.name`

func scanBooking(r interface{ Scan(...any) error }) (booking.Booking, error) {
	var b booking.Booking
	var citizen sql.NullInt64
	var status string
	err := r.Scan(&b.ID, &b.TenantID, &b.OfficeID, &b.Code, ts(&b.Start), ts(&b.End), &b.Place, &status, &b.Topic, &b.Reason,
		&b.Name, &b.Email, &b.Phone, &citizen, &b.Lang, &b.Nonce, &b.Message, ts(&b.CreatedAt), ts(&b.UpdatedAt), &b.OfficeName)
	b.Status = booking.Status(status)
	b.CitizenID = citizen.Int64
	return b, err
}

const bookingFrom = ` FROM bookings b JOIN offices o ON o.tenant_id = b.tenant_id AND o.id = b.office_id `

// BookingByCode returns a booking by its public code.
func (db *DB) BookingByCode(ctx context.Context, tenantID int64, code string) (booking.Booking, error) {
	b, err := scanBooking(db.queryRow(ctx, `SELECT `+bookingCols+bookingFrom+`WHERE b.tenant_id = ? AND b.code = ?`, tenantID, code))
	return b, notFound(err, "booking.not_found")
}

// CitizenBookings lists a citizen's bookings, latest appointment first.
func (db *DB) CitizenBookings(ctx context.Context, tenantID, citizenID int64) ([]booking.Booking, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (booking.Booking, error) { return scanBooking(r) },
		`SELECT `+bookingCols+bookingFrom+`WHERE b.tenant_id = ? AND b.citizen_id = ? ORDER BY b.starts_at DESC, b.id DESC LIMIT 500`,
		tenantID, citizenID)
}

// OfficeBookings lists an office's bookings starting in [from, to), by time and place.
func (db *DB) OfficeBookings(ctx context.Context, tenantID, officeID int64, from, to time.Time) ([]booking.Booking, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (booking.Booking, error) { return scanBooking(r) },
		`SELECT `+bookingCols+bookingFrom+`WHERE b.tenant_id = ? AND b.office_id = ? AND b.starts_at >= ? AND b.starts_at < ?
		ORDER BY b.starts_at, b.place, b.id LIMIT 5000`, tenantID, officeID, db.t(from), db.t(to))
}
