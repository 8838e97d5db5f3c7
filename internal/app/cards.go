package app

import (
	"context"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/applications"
	"piazza/internal/services"
)

// ServiceCards lets the applications module find the cards citizens apply to: a
// published, usable card of the online channel, with what applications need of it.
type ServiceCards struct {
	Services *services.Service
	Now      func() time.Time
}

var _ applications.Cards = ServiceCards{}

// Card returns the tenant's online card with that slug; NotFound when there is
// none, it is not published, not active (suspended, or scheduled for later) or
// has no form.
func (c ServiceCards) Card(ctx context.Context, tenantID int64, slug string) (applications.Card, error) {
	card, err := c.Services.CardBySlug(ctx, tenantID, slug)
	if err != nil {
		return applications.Card{}, err
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	if !card.Online() || !card.Usable(now()) {
		return applications.Card{}, apperr.E(apperr.NotFound, "service.not_found")
	}
	return applications.Card{TenantID: card.TenantID, ID: card.ID, Slug: card.Slug, Title: card.Title, Category: card.Category,
		OfficeID: card.OfficeID, MaxResponseDays: card.MaxResponseDays, AllowsWithdrawal: card.AllowsWithdrawal,
		Business: card.Business, AuthLevel: string(card.AuthLevel), FormKey: card.FormKey, MaxTotalBytes: card.MaxUploadBytes()}, nil
}
