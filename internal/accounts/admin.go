package accounts

import (
	"context"
	"crypto/rand"
	"slices"
	"strconv"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/check"
)

// Account administration by the platform (the command line and, later, the
// platform console): the actions that do not belong to one tenant. They are
// recorded on the platform audit log (tenant audit.PlatformTenant).

// NewAccount is an account created by an operator with a password they chose or
// generated.
type NewAccount struct {
	Email            string
	Name             string
	Password         string
	PlatformOperator bool
}

// CreateAccount creates an account with a password that passes CheckPassword.
// Conflict (field "email") when the email is taken. To make the person staff of a
// tenant, call AddStaff afterwards (in the same Atomic for a single transaction).
func (s *Service) CreateAccount(ctx context.Context, in NewAccount) (Account, error) {
	in.Email = NormalizeEmail(in.Email)
	in.Name = check.Clean(in.Name)
	if err := ValidateAccountFields(in.Email, in.Name); err != nil {
		return Account{}, err
	}
	if err := CheckPassword(in.Password, in.Email, in.Name); err != nil {
		return Account{}, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return Account{}, err
	}
	acc := Account{Email: in.Email, Name: in.Name, PasswordHash: hash, PasswordChangedAt: s.now().UTC(), PlatformOperator: in.PlatformOperator}
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.CreateAccount(ctx, &acc); err != nil {
			return err
		}
		detail := acc.Email
		if acc.PlatformOperator {
			detail += " (platform operator)"
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, audit.PlatformTenant, "account.create", "account", strconv.FormatInt(acc.ID, 10), detail))
	})
	return acc, err
}

// SetPassword sets a password chosen by an operator. Like a reset, it unlocks the
// account and signs the person out everywhere.
func (s *Service) SetPassword(ctx context.Context, accountID int64, password string) error {
	acc, err := s.store.Account(ctx, accountID)
	if err != nil {
		return err
	}
	if err := CheckPassword(password, acc.Email, acc.Name); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.SetPassword(ctx, accountID, hash, now); err != nil {
			return err
		}
		if err := s.store.SetLockedUntil(ctx, accountID, time.Time{}); err != nil {
			return err
		}
		if err := s.store.DeleteAccountSessions(ctx, accountID); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, audit.PlatformTenant, "account.password_set", "account", strconv.FormatInt(accountID, 10), acc.Email))
	})
}

// SetDisabled disables an account (it can no longer sign in anywhere, and its
// sessions end) or enables it again. Disabling the last active admin of a tenant is
// refused (Conflict "staff.last_admin"). The change is recorded on the platform log
// and on the log of every tenant where the person is staff.
func (s *Service) SetDisabled(ctx context.Context, accountID int64, disabled bool) error {
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		acc, err := s.store.Account(ctx, accountID)
		if err != nil {
			return err
		}
		if acc.Disabled == disabled {
			return nil
		}
		tenantIDs, err := s.store.StaffTenantIDs(ctx, accountID)
		if err != nil {
			return err
		}
		if disabled {
			for _, tid := range tenantIDs {
				st, err := s.store.StaffMember(ctx, tid, accountID)
				if err != nil {
					return err
				}
				if slices.Contains(st.Roles, RoleAdmin) {
					if err := s.keepAnAdmin(ctx, tid, accountID); err != nil {
						return err
					}
				}
			}
		}
		if err := s.store.SetAccountDisabled(ctx, accountID, disabled); err != nil {
			return err
		}
		action := "account.enable"
		if disabled {
			action = "account.disable"
			if err := s.store.DeleteAccountSessions(ctx, accountID); err != nil {
				return err
			}
		}
		id := strconv.FormatInt(accountID, 10)
		for _, tid := range append([]int64{audit.PlatformTenant}, tenantIDs...) {
			if err := s.store.AppendAudit(ctx, audit.New(ctx, tid, action, "account", id, acc.Email)); err != nil {
				return err
			}
		}
		return nil
	})
}

// AccountByEmail returns an account by email; NotFound "account.not_found".
func (s *Service) AccountByEmail(ctx context.Context, email string) (Account, error) {
	email = NormalizeEmail(email)
	if email == "" {
		return Account{}, apperr.E(apperr.NotFound, "account.not_found")
	}
	return s.store.AccountByEmail(ctx, email)
}

// Accounts returns every account, by email.
func (s *Service) Accounts(ctx context.Context) ([]Account, error) { return s.store.Accounts(ctx) }

// Memberships returns the tenants where an account is staff, with its roles there,
// ordered by tenant id.
func (s *Service) Memberships(ctx context.Context, accountID int64) ([]Staff, error) {
	ids, err := s.store.StaffTenantIDs(ctx, accountID)
	if err != nil {
		return nil, err
	}
	out := make([]Staff, 0, len(ids))
	for _, tid := range ids {
		st, err := s.store.StaffMember(ctx, tid, accountID)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// GeneratePassword returns a random password for the person that passes
// CheckPassword: 24 characters from an alphabet without look-alikes (about 138
// bits), in groups of four so that it can be read out and typed.
func GeneratePassword(email, name string) string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
	var b strings.Builder
	for range 100 {
		b.Reset()
		for i := range 24 {
			if i > 0 && i%4 == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(alphabet[randIndex(len(alphabet))])
		}
		// A very short email local part can occur in a random string by chance,
		// which the policy refuses: draw again (a hundred draws that all fail mean
		// an address the policy can never pass; CreateAccount then says so).
		if CheckPassword(b.String(), email, name) == nil {
			break
		}
	}
	return b.String()
}

// randIndex returns a uniformly random number in [0, n), n ≤ 256.
func randIndex(n int) int {
	limit := 256 - 256%n // reject bytes above the last full multiple of n
	b := make([]byte, 1)
	for {
		rand.Read(b)
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}
