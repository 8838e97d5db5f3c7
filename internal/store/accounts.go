package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
)

const accountColumns = `id, email, name, password_hash, password_changed_at, totp_secret_enc, totp_enabled, totp_last_step,
	platform_operator, disabled, locked_until, created_at, updated_at`

func scanAccount(row interface{ Scan(...any) error }) (accounts.Account, error) {
	var a accounts.Account
	err := row.Scan(&a.ID, &a.Email, &a.Name, &a.PasswordHash, ts(&a.PasswordChangedAt), &a.TOTPSecretEnc, &a.TOTPEnabled,
		&a.TOTPLastStep, &a.PlatformOperator, &a.Disabled, ts(&a.LockedUntil), ts(&a.CreatedAt), ts(&a.UpdatedAt))
	return a, err
}

// CreateAccount inserts an account; Conflict when the email is taken.
func (db *DB) CreateAccount(ctx context.Context, a *accounts.Account) error {
	now := db.Now()
	id, err := db.insertID(ctx, `INSERT INTO accounts (email, name, password_hash, password_changed_at, platform_operator, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.Email, a.Name, a.PasswordHash, db.nt(a.PasswordChangedAt), a.PlatformOperator, a.Disabled, db.t(now), db.t(now))
	if err != nil {
		if isUnique(err) {
			return fieldConflict("email", "account.email.taken")
		}
		return err
	}
	a.ID, a.CreatedAt, a.UpdatedAt = id, now, now
	return nil
}

// Account returns an account by id.
func (db *DB) Account(ctx context.Context, id int64) (accounts.Account, error) {
	a, err := scanAccount(db.queryRow(ctx, "SELECT "+accountColumns+" FROM accounts WHERE id = ?", id))
	return a, notFound(err, "account.not_found")
}

// AccountByEmail returns an account by (lower-case) email.
func (db *DB) AccountByEmail(ctx context.Context, email string) (accounts.Account, error) {
	a, err := scanAccount(db.queryRow(ctx, "SELECT "+accountColumns+" FROM accounts WHERE email = ?", strings.ToLower(email)))
	return a, notFound(err, "account.not_found")
}

// Accounts returns every account, by email (for the CLI and the platform console).
func (db *DB) Accounts(ctx context.Context) ([]accounts.Account, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (accounts.Account, error) { return scanAccount(r) },
		"SELECT "+accountColumns+" FROM accounts ORDER BY email")
}

func (db *DB) updateAccount(ctx context.Context, id int64, set string, args ...any) error {
	args = append(args, db.t(db.Now()), id)
	return notFound(db.execOne(ctx, "UPDATE accounts SET "+set+", updated_at = ? WHERE id = ?", args...), "account.not_found")
}

// UpdateAccountName changes the display name.
func (db *DB) UpdateAccountName(ctx context.Context, id int64, name string) error {
	return db.updateAccount(ctx, id, "name = ?", name)
}

// SetPlatformOperator grants or removes access to the platform console.
func (db *DB) SetPlatformOperator(ctx context.Context, id int64, on bool) error {
	return db.updateAccount(ctx, id, "platform_operator = ?", on)
}

// SetAccountDisabled disables or re-enables an account.
func (db *DB) SetAccountDisabled(ctx context.Context, id int64, disabled bool) error {
	return db.updateAccount(ctx, id, "disabled = ?", disabled)
}

// SetPassword stores a new password hash.
func (db *DB) SetPassword(ctx context.Context, id int64, hash string, at time.Time) error {
	return db.updateAccount(ctx, id, "password_hash = ?, password_changed_at = ?", hash, db.nt(at))
}

// SetTOTP stores the sealed TOTP seed and whether it is enabled.
func (db *DB) SetTOTP(ctx context.Context, id int64, secretEnc string, enabled bool) error {
	return db.updateAccount(ctx, id, "totp_secret_enc = ?, totp_enabled = ?", secretEnc, enabled)
}

// UseTOTPStep records the time step of an accepted code; Conflict when the step is
// not after the last accepted one (a replayed code).
func (db *DB) UseTOTPStep(ctx context.Context, id int64, step int64) error {
	err := db.execOne(ctx, "UPDATE accounts SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?", step, id, step)
	if apperr.Is(err, apperr.NotFound) {
		return apperr.E(apperr.Conflict, "auth.code_used")
	}
	return err
}

// SetLockedUntil locks the account until t (zero unlocks).
func (db *DB) SetLockedUntil(ctx context.Context, id int64, t time.Time) error {
	return db.updateAccount(ctx, id, "locked_until = ?", db.nt(t))
}

// RecordAuthAttempt stores a sign-in attempt.
func (db *DB) RecordAuthAttempt(ctx context.Context, a accounts.AuthAttempt) error {
	_, err := db.exec(ctx, "INSERT INTO auth_attempts (tenant_id, email, ip, kind, success, at) VALUES (?, ?, ?, ?, ?, ?)",
		a.TenantID, a.Email, a.IP, a.Kind, a.Success, db.t(a.At))
	return err
}

// AuthFailures counts failures by "email" or "ip" since a time.
func (db *DB) AuthFailures(ctx context.Context, by, value string, since time.Time) (int, error) {
	if by != "email" && by != "ip" {
		return 0, fmt.Errorf("store: AuthFailures by %q", by)
	}
	var n int
	err := db.queryRow(ctx, "SELECT COUNT(*) FROM auth_attempts WHERE "+by+" = ? AND success = ? AND at >= ?", value, false, db.t(since)).Scan(&n)
	return n, err
}

// LastAuthSuccess returns when the email last signed in, or zero.
func (db *DB) LastAuthSuccess(ctx context.Context, email string) (time.Time, error) {
	var t time.Time
	err := db.queryRow(ctx, "SELECT at FROM auth_attempts WHERE email = ? AND success = ? ORDER BY at DESC LIMIT 1", email, true).Scan(ts(&t))
	if isNoRows(err) {
		return time.Time{}, nil
	}
	return t, err
}

// PruneAuthAttempts deletes attempts older than before (they only serve throttling).
func (db *DB) PruneAuthAttempts(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.exec(ctx, "DELETE FROM auth_attempts WHERE at < ?", db.t(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CreatePasswordReset stores the hash of a reset token.
func (db *DB) CreatePasswordReset(ctx context.Context, tokenHash string, accountID, tenantID int64, expires time.Time) error {
	_, err := db.exec(ctx, "INSERT INTO password_resets (token_hash, account_id, tenant_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		tokenHash, accountID, tenantID, db.t(db.Now()), db.t(expires))
	return err
}

// ConsumePasswordReset marks a usable token used and returns its account.
func (db *DB) ConsumePasswordReset(ctx context.Context, tokenHash string, now time.Time) (int64, error) {
	var id int64
	err := db.writer(ctx).QueryRowContext(ctx, db.dialect.rebind(`UPDATE password_resets SET used_at = ?
		WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING account_id`),
		db.t(now), tokenHash, db.t(now)).Scan(&id)
	return id, notFound(err, "auth.reset_invalid")
}

// PasswordResetUsable reports whether a token exists, is unused and unexpired.
func (db *DB) PasswordResetUsable(ctx context.Context, tokenHash string, now time.Time) (bool, error) {
	var n int
	err := db.queryRow(ctx, "SELECT COUNT(*) FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
		tokenHash, db.t(now)).Scan(&n)
	return n > 0, err
}

// CountPasswordResets counts the links sent to an account since a time.
func (db *DB) CountPasswordResets(ctx context.Context, accountID int64, since time.Time) (int, error) {
	var n int
	err := db.queryRow(ctx, "SELECT COUNT(*) FROM password_resets WHERE account_id = ? AND created_at >= ?", accountID, db.t(since)).Scan(&n)
	return n, err
}

// AddStaff makes an account staff of a tenant (without roles); Conflict if it is already.
func (db *DB) AddStaff(ctx context.Context, tenantID, accountID int64) error {
	_, err := db.exec(ctx, "INSERT INTO staff (tenant_id, account_id, created_at) VALUES (?, ?, ?)", tenantID, accountID, db.t(db.Now()))
	if isUnique(err) {
		return apperr.E(apperr.Conflict, "staff.exists")
	}
	if isForeignKey(err) {
		return apperr.E(apperr.NotFound, "account.not_found")
	}
	return err
}

// StaffMember returns an account's membership of the tenant, with roles and offices.
func (db *DB) StaffMember(ctx context.Context, tenantID, accountID int64) (accounts.Staff, error) {
	list, err := db.staff(ctx, tenantID, accountID)
	if err != nil {
		return accounts.Staff{}, err
	}
	if len(list) == 0 {
		return accounts.Staff{}, apperr.E(apperr.NotFound, "staff.not_found")
	}
	return list[0], nil
}

// StaffList returns a tenant's staff by name.
func (db *DB) StaffList(ctx context.Context, tenantID int64) ([]accounts.Staff, error) {
	return db.staff(ctx, tenantID, 0)
}

func (db *DB) staff(ctx context.Context, tenantID, accountID int64) ([]accounts.Staff, error) {
	q := "SELECT s.created_at, " + prefixed("a.", accountColumns) + " FROM staff s JOIN accounts a ON a.id = s.account_id WHERE s.tenant_id = ?"
	args := []any{tenantID}
	if accountID != 0 {
		q += " AND s.account_id = ?"
		args = append(args, accountID)
	}
	list, err := queryAll(ctx, db, func(r *sql.Rows) (accounts.Staff, error) {
		var s accounts.Staff
		var created time.Time
		var a accounts.Account
		err := r.Scan(ts(&created), &a.ID, &a.Email, &a.Name, &a.PasswordHash, ts(&a.PasswordChangedAt), &a.TOTPSecretEnc, &a.TOTPEnabled,
			&a.TOTPLastStep, &a.PlatformOperator, &a.Disabled, ts(&a.LockedUntil), ts(&a.CreatedAt), ts(&a.UpdatedAt))
		s.TenantID, s.Account, s.CreatedAt = tenantID, a, created
		return s, err
	}, q+" ORDER BY a.name, a.email", args...)
	if err != nil || len(list) == 0 {
		return list, err
	}
	idx := map[int64]int{}
	for i := range list {
		idx[list[i].Account.ID] = i
	}
	type pair struct {
		id   int64
		role string
	}
	roleQ, roleArgs := "SELECT account_id, role FROM staff_roles WHERE tenant_id = ?", []any{tenantID}
	officeQ := "SELECT account_id, office_id FROM office_members WHERE tenant_id = ?"
	if accountID != 0 {
		roleQ += " AND account_id = ?"
		officeQ += " AND account_id = ?"
		roleArgs = append(roleArgs, accountID)
	}
	roles, err := queryAll(ctx, db, func(r *sql.Rows) (pair, error) { var p pair; return p, r.Scan(&p.id, &p.role) }, roleQ, roleArgs...)
	if err != nil {
		return nil, err
	}
	for _, p := range roles {
		if i, ok := idx[p.id]; ok {
			list[i].Roles = append(list[i].Roles, accounts.Role(p.role))
		}
	}
	for i := range list {
		slices.SortFunc(list[i].Roles, func(a, b accounts.Role) int {
			return slices.Index(accounts.AllRoles, a) - slices.Index(accounts.AllRoles, b)
		})
	}
	type om struct{ acc, office int64 }
	offices, err := queryAll(ctx, db, func(r *sql.Rows) (om, error) { var p om; return p, r.Scan(&p.acc, &p.office) }, officeQ+" ORDER BY office_id", roleArgs...)
	if err != nil {
		return nil, err
	}
	for _, p := range offices {
		if i, ok := idx[p.acc]; ok {
			list[i].OfficeIDs = append(list[i].OfficeIDs, p.office)
		}
	}
	return list, nil
}

func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// SetStaffRoles replaces the roles of a staff member.
func (db *DB) SetStaffRoles(ctx context.Context, tenantID, accountID int64, roles []accounts.Role) error {
	return db.Atomic(ctx, func(ctx context.Context) error {
		var n int
		if err := db.queryRow(ctx, "SELECT COUNT(*) FROM staff WHERE tenant_id = ? AND account_id = ?", tenantID, accountID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.E(apperr.NotFound, "staff.not_found")
		}
		if _, err := db.exec(ctx, "DELETE FROM staff_roles WHERE tenant_id = ? AND account_id = ?", tenantID, accountID); err != nil {
			return err
		}
		for _, r := range slices.Compact(slices.Sorted(slices.Values(roles))) {
			if _, err := db.exec(ctx, "INSERT INTO staff_roles (tenant_id, account_id, role) VALUES (?, ?, ?)", tenantID, accountID, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// RemoveStaff ends a membership (roles and office memberships go with it).
func (db *DB) RemoveStaff(ctx context.Context, tenantID, accountID int64) error {
	return notFound(db.execOne(ctx, "DELETE FROM staff WHERE tenant_id = ? AND account_id = ?", tenantID, accountID), "staff.not_found")
}

// StaffCounts returns how many staff members each tenant has (for the platform
// console's list of tenants: a count per tenant, no one's data).
func (db *DB) StaffCounts(ctx context.Context) (map[int64]int, error) {
	type row struct {
		tenant int64
		n      int
	}
	rows, err := queryAll(ctx, db, func(r *sql.Rows) (row, error) { var x row; return x, r.Scan(&x.tenant, &x.n) },
		"SELECT tenant_id, COUNT(*) FROM staff GROUP BY tenant_id")
	out := make(map[int64]int, len(rows))
	for _, x := range rows {
		out[x.tenant] = x.n
	}
	return out, err
}

// StaffTenantIDs returns the tenants where an account is staff.
func (db *DB) StaffTenantIDs(ctx context.Context, accountID int64) ([]int64, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (int64, error) { var id int64; return id, r.Scan(&id) },
		"SELECT tenant_id FROM staff WHERE account_id = ? ORDER BY tenant_id", accountID)
}

const officeColumns = "id, tenant_id, slug, name, description, email, phone, address, opening_hours, competences, created_at, updated_at"

func scanOffice(row interface{ Scan(...any) error }) (accounts.Office, error) {
	var o accounts.Office
	err := row.Scan(&o.ID, &o.TenantID, &o.Slug, &o.Name, &o.Description, &o.Email, &o.Phone, &o.Address, &o.OpeningHours, &o.Competences, ts(&o.CreatedAt), ts(&o.UpdatedAt))
	return o, err
}

// CreateOffice inserts an office; Conflict when the slug is taken in the tenant.
func (db *DB) CreateOffice(ctx context.Context, o *accounts.Office) error {
	now := db.Now()
	id, err := db.insertID(ctx, `INSERT INTO offices (tenant_id, slug, name, description, email, phone, address, opening_hours, competences, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, o.TenantID, o.Slug, o.Name, o.Description, o.Email, o.Phone, o.Address, o.OpeningHours, o.Competences, db.t(now), db.t(now))
	if err != nil {
		if isUnique(err) {
			return apperr.E(apperr.Conflict, "office.slug.taken")
		}
		return err
	}
	o.ID, o.CreatedAt, o.UpdatedAt = id, now, now
	return nil
}

// UpdateOffice saves an office of o.TenantID.
func (db *DB) UpdateOffice(ctx context.Context, o *accounts.Office) error {
	now := db.Now()
	err := db.execOne(ctx, `UPDATE offices SET slug = ?, name = ?, description = ?, email = ?, phone = ?, address = ?, opening_hours = ?, competences = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ?`, o.Slug, o.Name, o.Description, o.Email, o.Phone, o.Address, o.OpeningHours, o.Competences, db.t(now), o.TenantID, o.ID)
	if isUnique(err) {
		return apperr.E(apperr.Conflict, "office.slug.taken")
	}
	if err == nil {
		o.UpdatedAt = now
	}
	return notFound(err, "office.not_found")
}

// DeleteOffice removes an office of the tenant.
func (db *DB) DeleteOffice(ctx context.Context, tenantID, id int64) error {
	err := db.execOne(ctx, "DELETE FROM offices WHERE tenant_id = ? AND id = ?", tenantID, id)
	if apperr.Is(err, apperr.NotFound) {
		return apperr.E(apperr.NotFound, "office.not_found")
	}
	if isForeignKey(err) {
		return apperr.E(apperr.Conflict, "office.in_use")
	}
	return err
}

// Office returns an office of the tenant.
func (db *DB) Office(ctx context.Context, tenantID, id int64) (accounts.Office, error) {
	o, err := scanOffice(db.queryRow(ctx, "SELECT "+officeColumns+" FROM offices WHERE tenant_id = ? AND id = ?", tenantID, id))
	return o, notFound(err, "office.not_found")
}

// OfficeBySlug returns an office of the tenant by slug.
func (db *DB) OfficeBySlug(ctx context.Context, tenantID int64, slug string) (accounts.Office, error) {
	o, err := scanOffice(db.queryRow(ctx, "SELECT "+officeColumns+" FROM offices WHERE tenant_id = ? AND slug = ?", tenantID, slug))
	return o, notFound(err, "office.not_found")
}

// Offices returns the tenant's offices by name.
func (db *DB) Offices(ctx context.Context, tenantID int64) ([]accounts.Office, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (accounts.Office, error) { return scanOffice(r) },
		"SELECT "+officeColumns+" FROM offices WHERE tenant_id = ? ORDER BY name, id", tenantID)
}

// SetOfficeMembers replaces an office's members.
func (db *DB) SetOfficeMembers(ctx context.Context, tenantID, officeID int64, accountIDs []int64) error {
	return db.Atomic(ctx, func(ctx context.Context) error {
		if _, err := db.Office(ctx, tenantID, officeID); err != nil {
			return err
		}
		if _, err := db.exec(ctx, "DELETE FROM office_members WHERE tenant_id = ? AND office_id = ?", tenantID, officeID); err != nil {
			return err
		}
		for _, id := range slices.Compact(slices.Sorted(slices.Values(accountIDs))) {
			if _, err := db.exec(ctx, "INSERT INTO office_members (tenant_id, office_id, account_id) VALUES (?, ?, ?)", tenantID, officeID, id); err != nil {
				if isForeignKey(err) {
					return apperr.E(apperr.Invalid, "office.member.invalid")
				}
				return err
			}
		}
		return nil
	})
}

// OfficeMemberIDs returns the accounts in an office of the tenant.
func (db *DB) OfficeMemberIDs(ctx context.Context, tenantID, officeID int64) ([]int64, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (int64, error) { var id int64; return id, r.Scan(&id) },
		"SELECT account_id FROM office_members WHERE tenant_id = ? AND office_id = ? ORDER BY account_id", tenantID, officeID)
}

const citizenColumns = `id, tenant_id, fiscal_code, given_name, family_name, email, phone, language, notify_email, auth_level,
	last_login_at, created_at, updated_at`

func scanCitizen(row interface{ Scan(...any) error }) (accounts.Citizen, error) {
	var c accounts.Citizen
	err := row.Scan(&c.ID, &c.TenantID, &c.FiscalCode, &c.GivenName, &c.FamilyName, &c.Email, &c.Phone, &c.Language, &c.NotifyEmail,
		&c.AuthLevel, ts(&c.LastLoginAt), ts(&c.CreatedAt), ts(&c.UpdatedAt))
	return c, err
}

// UpsertCitizen creates the citizen on first sign-in or refreshes the name and level;
// email and phone are filled only where empty.
func (db *DB) UpsertCitizen(ctx context.Context, tenantID int64, id accounts.Identity, at time.Time) (accounts.Citizen, error) {
	var c accounts.Citizen
	err := db.Atomic(ctx, func(ctx context.Context) error {
		_, err := db.exec(ctx, `INSERT INTO citizens (tenant_id, fiscal_code, given_name, family_name, email, phone, notify_email, auth_level,
			last_login_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, fiscal_code) DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name,
			email = CASE WHEN citizens.email = '' THEN excluded.email ELSE citizens.email END,
			phone = CASE WHEN citizens.phone = '' THEN excluded.phone ELSE citizens.phone END,
			auth_level = excluded.auth_level, last_login_at = excluded.last_login_at, updated_at = excluded.updated_at`,
			tenantID, id.FiscalCode, id.GivenName, id.FamilyName, id.Email, id.Phone, id.Email != "", id.Level, db.t(at), db.t(at), db.t(at))
		if err != nil {
			if isForeignKey(err) {
				return apperr.E(apperr.NotFound, "tenant.not_found")
			}
			return err
		}
		c, err = scanCitizen(db.queryRow(ctx, "SELECT "+citizenColumns+" FROM citizens WHERE tenant_id = ? AND fiscal_code = ?", tenantID, id.FiscalCode))
		return err
	})
	return c, err
}

// Citizen returns a citizen of the tenant.
func (db *DB) Citizen(ctx context.Context, tenantID, id int64) (accounts.Citizen, error) {
	c, err := scanCitizen(db.queryRow(ctx, "SELECT "+citizenColumns+" FROM citizens WHERE tenant_id = ? AND id = ?", tenantID, id))
	return c, notFound(err, "citizen.not_found")
}

// UpdateCitizenProfile saves a citizen's contacts and preferences.
func (db *DB) UpdateCitizenProfile(ctx context.Context, tenantID, id int64, p accounts.Profile) error {
	return notFound(db.execOne(ctx, `UPDATE citizens SET email = ?, phone = ?, language = ?, notify_email = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ?`, p.Email, p.Phone, p.Language, p.NotifyEmail, db.t(db.Now()), tenantID, id), "citizen.not_found")
}

// SearchCitizens finds the tenant's citizens whose fiscal code starts with q or
// whose name contains it.
func (db *DB) SearchCitizens(ctx context.Context, tenantID int64, q string, limit int) ([]accounts.Citizen, error) {
	like := "%" + escapeLike(q) + "%"
	return queryAll(ctx, db, func(r *sql.Rows) (accounts.Citizen, error) { return scanCitizen(r) },
		"SELECT "+citizenColumns+" FROM citizens WHERE tenant_id = ? AND (fiscal_code LIKE ? ESCAPE '\\' OR "+
			db.dialect.ilike("given_name || ' ' || family_name")+" ESCAPE '\\' OR "+db.dialect.ilike("family_name || ' ' || given_name")+" ESCAPE '\\')"+
			" ORDER BY family_name, given_name LIMIT ?",
		tenantID, strings.ToUpper(escapeLike(q))+"%", like, like, limit)
}

// escapeLike escapes LIKE wildcards so user input matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
