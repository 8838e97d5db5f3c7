package cli

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"piazza/internal/apperr"
)

// describe turns an error into the message for standard error and the exit code.
// Domain errors carry catalogue codes; the command line explains them in English
// and names the flag at fault.
func describe(err error) (string, int) {
	var ue usageError
	if errors.As(err, &ue) {
		if ue.hint != "" {
			return ue.msg + " (" + ue.hint + ")", 2
		}
		return ue.msg, 2
	}
	e := apperr.As(err)
	if e == nil {
		return err.Error(), 1
	}
	code := 1
	if e.Kind == apperr.Invalid {
		code = 2
	}
	if len(e.Fields) == 0 {
		return explain(e.Code, e.Args), code
	}
	var b strings.Builder
	if e.Kind == apperr.Invalid {
		b.WriteString("invalid input:")
	} else {
		b.WriteString(explain(e.Code, e.Args) + ":")
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "\n  %s: %s", fieldName(f.Field), explain(f.Code, f.Args))
	}
	return b.String(), code
}

// fieldNames maps form field names to the flags that set them, where they differ.
var fieldNames = map[string]string{
	"ipa_code":      "--ipa",
	"istat_code":    "--istat",
	"primary_color": "--color",
	"hosts":         "--site-host/--services-host/--alias",
	"status_note":   "--note",
	"issuer_url":    "--issuer",
	"client_secret": "client secret",
	"roles":         "--role",
	"password":      "password",
	"confirm":       "password",
}

func fieldName(field string) string {
	if n, ok := fieldNames[field]; ok {
		return n
	}
	return "--" + strings.ReplaceAll(field, "_", "-")
}

// messages explains the catalogue codes the tenant and user commands can meet.
var messages = map[string]string{
	"error.not_found":                  "not found",
	"error.conflict":                   "changed meanwhile; try again",
	"tenant.not_found":                 "no tenant with this slug",
	"tenant.changed":                   "the tenant was changed meanwhile; try again",
	"tenant.slug.invalid":              "use 2–40 lower-case letters, digits and hyphens, e.g. borgo-fiorito",
	"tenant.slug.taken":                "another tenant has this slug already",
	"tenant.name.invalid":              "use 3–120 characters on one line, e.g. \"Comune di Borgo\"",
	"tenant.kind.invalid":              "use comune or unione",
	"tenant.ipa_code.invalid":          "the IPA code has 2–20 lower-case letters, digits or underscores",
	"tenant.istat_code.invalid":        "the ISTAT code has 6 digits",
	"tenant.fiscal_code.invalid":       "not a valid fiscal code (a public body has 11 digits)",
	"tenant.province.invalid":          "use the two-letter province code, e.g. PV",
	"tenant.region.invalid":            "use at most 60 characters on one line",
	"tenant.primary_color.invalid":     "use #RRGGBB, e.g. #0066CC",
	"tenant.primary_color.contrast":    "too light: white text on it has a contrast of {{.Ratio}}:1, at least 4.5:1 is needed (WCAG AA)",
	"tenant.address.invalid":           "use at most 300 characters",
	"tenant.pec.invalid":               "not a valid email address",
	"tenant.email.invalid":             "not a valid email address",
	"tenant.phone.invalid":             "not a valid phone number",
	"tenant.opening_hours.invalid":     "use at most 1000 characters",
	"tenant.accessibility_url.invalid": "use an https:// address",
	"tenant.analytics_url.invalid":     "use an https:// address without parameters",
	"tenant.analytics_site_id.invalid": "use the site number (digits only)",
	"tenant.status_note.invalid":       "use at most 500 characters",
	"tenant.status.invalid":            "use active or suspended",
	"tenant.modules.invalid":           "unknown module: use site, services, protocol, reports, booking",
	"tenant.social.invalid":            "unknown network or not an https:// address",
	"tenant.hosts.invalid":             "not a valid host name (no scheme, port or path)",
	"tenant.hosts.duplicate":           "the same host name is given twice",
	"tenant.hosts.need_site":           "exactly one --site-host and at most one --services-host are needed",
	"tenant.hosts.taken":               "host {{.Host}} is used by another tenant",
	"oidc.not_configured":              "no sign-in provider is set",
	"oidc.issuer_url.invalid":          "use the provider's https:// issuer URL",
	"oidc.client_id.invalid":           "give the client id, at most 200 characters on one line",
	"oidc.client_secret.invalid":       "use at most 500 characters on one line",
	"oidc.scopes.invalid":              "scopes are words of letters, digits and _:/.-#",
	"oidc.claim.invalid":               "not a valid claim name",
	"account.not_found":                "no account with this email",
	"account.email.invalid":            "not a valid email address",
	"account.email.taken":              "an account with this email exists already (piazza user grant gives it roles)",
	"account.name.invalid":             "use 2–120 characters on one line",
	"password.invalid":                 "the password is not valid UTF-8 text",
	"password.too_short":               "the password needs at least {{.Min}} characters",
	"password.too_long":                "the password may have at most 200 characters",
	"password.personal":                "the password must not contain the email address or the name",
	"password.common":                  "the password is one of the most common ones",
	"password.mismatch":                "the two passwords differ",
	"staff.not_found":                  "the account is not staff of this tenant",
	"staff.exists":                     "the account is staff of this tenant already",
	"staff.role.invalid":               "unknown role: use admin, editor, operator or viewer",
	"staff.roles.required":             "give at least one --role",
	"staff.last_admin":                 "the tenant must keep at least one active admin: make someone else admin first",
}

// explain returns the English text of a catalogue code, or the code itself.
func explain(code string, args map[string]any) string {
	msg, ok := messages[code]
	if !ok {
		return code
	}
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		msg = strings.ReplaceAll(msg, "{{."+k+"}}", fmt.Sprint(args[k]))
	}
	return msg
}
