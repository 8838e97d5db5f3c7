package web

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"piazza/internal/audit"
)

// Audit log exports are read mostly in spreadsheets used in Italian offices: UTF-8
// with a byte-order mark (so accents survive), ";" as separator (the comma is the
// decimal separator there), CRLF line ends and times in Europe/Rome.

// platformAuditColumns are the catalogue keys of the export's column headings.
var platformAuditColumns = []string{"platform.audit.csv.id", "platform.audit.csv.at", "platform.audit.csv.actor_kind", "platform.audit.csv.actor",
	"platform.audit.csv.action", "platform.audit.csv.object_type", "platform.audit.csv.object_id", "platform.audit.csv.detail", "platform.audit.csv.ip", "platform.audit.csv.request_id"}

// writePlatformAuditCSV writes entries as CSV under the given header.
func writePlatformAuditCSV(w io.Writer, header []string, entries []audit.Entry) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("\uFEFF")
	cw := csv.NewWriter(bw)
	cw.Comma = ';'
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, e := range entries {
		row := []string{strconv.FormatInt(e.ID, 10), e.At.In(rome).Format("2006-01-02 15:04:05"), string(e.Actor.Kind),
			e.Actor.Label, e.Action, e.ObjectType, e.ObjectID, e.Detail, e.Actor.IP, e.Actor.RequestID}
		for i := range row {
			row[i] = platformCSVCell(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// platformCSVCell neutralises text that a spreadsheet would run as a formula (a cell that
// starts with =, +, -, @, tab or carriage return) by prefixing an apostrophe.
func platformCSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
