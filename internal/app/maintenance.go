package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"piazza/internal/audit"
	"piazza/internal/booking"
	"piazza/internal/jobs"
	"piazza/internal/protocol"
	"piazza/internal/tenants"
)

const pruneJob = "maintenance.prune"

// schedule enqueues the hourly clean-up. Every node does it, but the unique key per
// hour makes only one job exist, so only one node does the work.
func (a *App) schedule(ctx context.Context) {
	tick := time.NewTicker(10 * time.Minute)
	defer tick.Stop()
	for {
		hour := time.Now().UTC().Format("2006-01-02T15")
		if err := a.Jobs.Enqueue(ctx, 0, pruneJob, struct{}{}, jobs.Unique("prune:"+hour), jobs.MaxAttempts(3)); err != nil && ctx.Err() == nil {
			a.Log.Warn("schedule clean-up", "err", err)
		}
		// The daily protocol registers: once per day in Europe/Rome, the first tick
		// after midnight (and at start-up, to make up for downtime).
		if err := a.Jobs.Enqueue(ctx, 0, protocol.DailyJob, struct{}{}, jobs.Unique("protocol.daily:"+protocol.DayOf(time.Now())), jobs.MaxAttempts(20)); err != nil && ctx.Err() == nil {
			a.Log.Warn("schedule daily protocol registers", "err", err)
		}
		// The reminders of tomorrow's appointments: once per day, at ReminderHour in
		// Rome (at once when the node starts later than that).
		day, at := booking.ReminderDue(time.Now())
		if err := a.Jobs.Enqueue(ctx, 0, booking.ReminderJob, reminderPayload{Day: day.String()}, jobs.Unique(booking.ReminderJob+":"+day.String()),
			jobs.At(at.UTC()), jobs.MaxAttempts(20)); err != nil && ctx.Err() == nil {
			a.Log.Warn("schedule booking reminders", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// prune deletes what is no longer needed: expired sessions, sign-in attempts older
// than 30 days (they only serve throttling), finished jobs older than 14 days and
// application drafts untouched for over a year. The audit log is never pruned.
func (a *App) prune(ctx context.Context, _ jobs.Job) error {
	now := time.Now().UTC()
	s, err := a.DB.PruneSessions(ctx, now)
	if err != nil {
		return err
	}
	at, err := a.DB.PruneAuthAttempts(ctx, now.AddDate(0, 0, -30))
	if err != nil {
		return err
	}
	j, err := a.DB.PruneJobs(ctx, now.AddDate(0, 0, -14))
	if err != nil {
		return err
	}
	drafts, err := a.Applications.PruneDrafts(ctx)
	if err != nil {
		return err
	}
	a.Log.Info("clean-up", "sessions", s, "auth_attempts", at, "jobs", j, "application_drafts", drafts)
	return nil
}

// protocolDaily produces the daily protocol registers of the days that have none.
func (a *App) protocolDaily(ctx context.Context, _ jobs.Job) error {
	made, err := a.Protocol.RunDaily(audit.WithActor(ctx, audit.Actor{Kind: audit.ActorSystem, Label: "registro giornaliero"}))
	if len(made) > 0 {
		a.Log.Info("daily protocol registers", "produced", len(made))
	}
	return err
}

type reminderPayload struct {
	Day string `json:"day"`
}

// bookingReminders enqueues the reminder emails of the payload's day for every
// tenant with the booking module. A retry after a partial failure sends nothing
// twice: each reminder email is unique per booking and time.
func (a *App) bookingReminders(ctx context.Context, j jobs.Job) error {
	var p reminderPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	day, err := booking.ParseDay(p.Day)
	if err != nil {
		return jobs.Permanent(err)
	}
	all, err := a.Tenants.List(ctx)
	if err != nil {
		return err
	}
	var errs []error
	sent := 0
	for _, t := range all {
		if !t.Has(tenants.ModuleBooking) || !t.Active() {
			continue
		}
		n, err := a.Booking.Remind(audit.WithActor(ctx, audit.Actor{Kind: audit.ActorSystem, Label: "promemoria appuntamenti"}), t.ID, day)
		if err != nil {
			errs = append(errs, fmt.Errorf("tenant %d: %w", t.ID, err))
		}
		sent += n
	}
	a.Log.Info("booking reminders", "day", p.Day, "bookings", sent)
	return errors.Join(errs...)
}
