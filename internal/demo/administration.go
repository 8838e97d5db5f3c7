package demo

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/content"
	"piazza/internal/pdfdoc"
)

// The Amministrazione section of the demo comuni: the offices' competences, the
// bodies (giunta, consiglio, areas, a foundation), the politicians and the heads
// of the offices, public documents of every type and the FAQ.

// demoCompetences are the competences of the demo offices, by office name.
var demoCompetences = map[string]string{
	"Anagrafe e Stato civile":                  "Carta d'identità elettronica\nCertificati anagrafici e di stato civile\nCambi di residenza e di indirizzo\nNascite, matrimoni, unioni civili e decessi",
	"Ufficio Relazioni con il Pubblico":        "Informazioni e orientamento\nProtocollo in arrivo\nReclami e segnalazioni\nAccesso agli atti",
	"Ufficio Tributi":                          "IMU e TARI: calcolo, versamenti e rimborsi\nCanone unico patrimoniale\nAgevolazioni e riduzioni",
	"Ufficio Tecnico – Edilizia e Urbanistica": "Permessi di costruire, SCIA e CILA\nCertificati di destinazione urbanistica\nManutenzione di strade, illuminazione e verde pubblico",
	"Servizi Sociali":                          "Contributi economici e per l'affitto\nAssistenza domiciliare\nSostegno a minori, anziani e persone con disabilità",
	"Polizia Locale":                           "Viabilità e sicurezza urbana\nPermessi ZTL e contrassegni\nVerbali e ricorsi",
	"Servizi Demografici":                      "Anagrafe e stato civile\nServizio elettorale\nLeva militare",
	"Sportello del Cittadino":                  "Prima accoglienza e informazioni\nProtocollo in arrivo\nAccesso agli atti",
	"Ufficio Turismo e Demanio marittimo":      "Concessioni demaniali marittime\nStabilimenti balneari\nManifestazioni e informazioni turistiche",
	"Tributi":                                  "IMU e TARI\nImposta di soggiorno\nRimborsi e agevolazioni",
}

// demoPerson is a person of a demo comune; office is an index in the comune's
// offices (-1 for none), body a key of the bodies (or "").
type demoPerson struct {
	section, name, role, body, topics, bio string
	office                                 int
}

// demoBody is a body of a demo comune.
type demoBody struct {
	key, typ, title, summary, body, topics string
}

var demoBodies = []demoBody{
	{"sindaco", "organi-di-governo", "Sindaco", "Il capo dell'amministrazione comunale, eletto direttamente dai cittadini.",
		"Il Sindaco rappresenta il Comune, convoca e presiede la Giunta, sovrintende al funzionamento degli uffici ed è ufficiale di governo.", "comunicazione-politica"},
	{"giunta", "organi-di-governo", "Giunta comunale", "L'organo esecutivo del Comune: il Sindaco e gli assessori.",
		"La Giunta collabora con il Sindaco nel governo del Comune e attua gli indirizzi del Consiglio comunale. Si riunisce di norma ogni settimana.", "comunicazione-politica"},
	{"consiglio", "organi-di-governo", "Consiglio comunale", "L'organo di indirizzo e di controllo politico-amministrativo.",
		"Il Consiglio comunale approva lo statuto, i regolamenti, il bilancio e i piani urbanistici. Le sedute sono pubbliche.", "comunicazione-politica trasparenza-amministrativa"},
	{"area-amministrativa", "aree-amministrative", "Area amministrativa", "Segreteria, servizi demografici, relazioni con il pubblico e servizi sociali.",
		"L'area coordina gli uffici che curano i rapporti diretti con i cittadini.", "trasparenza-amministrativa"},
	{"area-finanziaria", "aree-amministrative", "Area economico-finanziaria", "Bilancio, tributi, economato e personale.",
		"L'area predispone il bilancio, gestisce le entrate tributarie e paga i fornitori.", "bilancio imposte"},
	{"area-tecnica", "aree-amministrative", "Area tecnica", "Lavori pubblici, edilizia privata, urbanistica e ambiente.",
		"L'area cura le opere pubbliche, la manutenzione del patrimonio e il rilascio dei titoli edilizi.", "urbanizzazione gestione-rifiuti"},
	{"fondazione", "enti-e-fondazioni", "Fondazione per la cultura", "La fondazione partecipata dal Comune che gestisce biblioteca, teatro e museo civico.",
		"Il Comune nomina il presidente e due membri del consiglio di amministrazione. Il bilancio della fondazione è pubblicato ogni anno.", "patrimonio-culturale associazioni"},
	{"consorzio", "enti-e-fondazioni", "Consorzio per i servizi ambientali", "Il consorzio dei Comuni del territorio per la raccolta dei rifiuti.",
		"Il Comune partecipa al consorzio con una quota del 12%. Il consorzio gestisce la raccolta differenziata e i centri di raccolta.", "gestione-rifiuti sviluppo-sostenibile"},
}

// demoPeople gives each comune its politicians and office heads; names differ
// between the comuni.
var demoPeople = map[string][]demoPerson{
	"borgofiorito": {
		{"politici", "Giovanna Ferri", "Sindaca", "giunta", "comunicazione-politica", "Insegnante, è sindaca dal 2024. Ha le deleghe a bilancio e personale.", -1},
		{"politici", "Paolo Mantovani", "Vicesindaco e assessore ai lavori pubblici", "giunta", "urbanizzazione", "Geometra, è consigliere comunale dal 2019.", -1},
		{"politici", "Elena Scotti", "Assessora ai servizi sociali e alla scuola", "giunta", "assistenza-sociale istruzione", "Educatrice, segue scuola, famiglie e politiche sociali.", -1},
		{"politici", "Marco Rinaldi", "Assessore a cultura, sport e turismo", "giunta", "tempo-libero sport", "Si occupa di eventi, associazioni e impianti sportivi.", -1},
		{"politici", "Lucia Ghezzi", "Presidente del Consiglio comunale", "consiglio", "comunicazione-politica", "Convoca e presiede le sedute del Consiglio comunale.", -1},
		{"politici", "Andrea Colombo", "Consigliere comunale", "consiglio", "comunicazione-politica", "Capogruppo di maggioranza.", -1},
		{"politici", "Franca Bellini", "Consigliera comunale", "consiglio", "comunicazione-politica", "Capogruppo di minoranza.", -1},
		{"personale-amministrativo", "Roberta Sala", "Responsabile dell'Anagrafe e Stato civile", "area-amministrativa", "anagrafe", "Ufficiale di stato civile e d'anagrafe.", 0},
		{"personale-amministrativo", "Davide Marchi", "Responsabile dell'Ufficio Relazioni con il Pubblico", "area-amministrativa", "accesso-all-informazione", "Cura l'accoglienza e l'accesso agli atti.", 1},
		{"personale-amministrativo", "Silvia Pozzi", "Responsabile dell'Ufficio Tributi", "area-finanziaria", "imposte tassa-sui-servizi", "Responsabile IMU e TARI.", 2},
		{"personale-amministrativo", "Giorgio Longhi", "Responsabile dell'Ufficio Tecnico", "area-tecnica", "urbanizzazione", "Architetto, responsabile di edilizia privata e lavori pubblici.", 3},
		{"personale-amministrativo", "Chiara Valli", "Assistente sociale", "area-amministrativa", "assistenza-sociale", "Segue i progetti di sostegno alle famiglie.", 4},
		{"personale-amministrativo", "Stefano Riva", "Comandante della Polizia Locale", "", "polizia", "Commissario, comanda il corpo di Polizia Locale.", 5},
	},
	"marinadiponente": {
		{"politici", "Alessandro Parodi", "Sindaco", "giunta", "comunicazione-politica", "Ingegnere navale, è sindaco dal 2022.", -1},
		{"politici", "Martina Canepa", "Vicesindaca e assessora al turismo e al demanio", "giunta", "turismo", "Segue la stagione balneare e le manifestazioni.", -1},
		{"politici", "Luca Ferrando", "Assessore al bilancio e ai tributi", "giunta", "bilancio imposte", "Commercialista, ha le deleghe al bilancio.", -1},
		{"politici", "Sara Bozzo", "Assessora all'ambiente e alla protezione civile", "giunta", "protezione-civile gestione-rifiuti", "Coordina il piano di protezione civile.", -1},
		{"politici", "Giulia Traverso", "Presidente del Consiglio comunale", "consiglio", "comunicazione-politica", "Presiede le sedute del Consiglio comunale.", -1},
		{"politici", "Enrico Rossi", "Consigliere comunale", "consiglio", "comunicazione-politica", "Capogruppo di maggioranza.", -1},
		{"politici", "Anna Oliveri", "Consigliera comunale", "consiglio", "comunicazione-politica", "Capogruppo di minoranza.", -1},
		{"personale-amministrativo", "Matteo Pesce", "Responsabile dei Servizi Demografici", "area-amministrativa", "anagrafe elezioni", "Ufficiale d'anagrafe e responsabile dell'ufficio elettorale.", 0},
		{"personale-amministrativo", "Valentina Rebora", "Responsabile dello Sportello del Cittadino", "area-amministrativa", "accesso-all-informazione", "Coordina accoglienza e protocollo.", 1},
		{"personale-amministrativo", "Fabio Sciutto", "Responsabile del Turismo e Demanio marittimo", "area-tecnica", "turismo", "Segue concessioni e stabilimenti balneari.", 2},
		{"personale-amministrativo", "Laura Gandolfo", "Responsabile dei Tributi", "area-finanziaria", "imposte tassa-sui-servizi", "Responsabile di IMU, TARI e imposta di soggiorno.", 3},
		{"personale-amministrativo", "Roberto Viale", "Comandante della Polizia Locale", "", "polizia parcheggi", "Comanda il corpo di Polizia Locale.", 4},
	},
}

// demoDocument is a document of a demo comune: days is its age, office a key of
// demoOfficeIndex ("" for none).
type demoDocument struct {
	typ, title, summary, topics, office string
	days                                int
}

// demoOfficeIndex finds the office of a matter in each comune's offices.
var demoOfficeIndex = map[string]map[string]int{
	"borgofiorito":    {"anagrafe": 0, "urp": 1, "tributi": 2, "tecnico": 3, "sociale": 4, "polizia": 5},
	"marinadiponente": {"anagrafe": 0, "urp": 1, "tecnico": 2, "tributi": 3, "sociale": 1, "polizia": 4},
}

var demoDocuments = []demoDocument{
	{"atti-normativi", "Statuto comunale", "Lo statuto del Comune, con le modifiche approvate dal Consiglio comunale.", "trasparenza-amministrativa", "urp", 900},
	{"atti-normativi", "Regolamento per l'applicazione della TARI", "Tariffe, riduzioni e scadenze della tassa sui rifiuti.", "tassa-sui-servizi gestione-rifiuti", "tributi", 120},
	{"atti-normativi", "Regolamento del verde pubblico", "Uso, tutela e manutenzione di parchi, giardini e alberature.", "spazio-verde", "tecnico", 400},
	{"documenti-albo-pretorio", "Delibera di Giunta: calendario delle manifestazioni estive", "Approvazione del programma di eventi dell'estate.", "tempo-libero turismo", "", 20},
	{"documenti-albo-pretorio", "Ordinanza di chiusura temporanea di una strada", "Chiusura al traffico per lavori di rifacimento della pavimentazione.", "mobilita-sostenibile", "polizia", 6},
	{"modulistica", "Modulo di dichiarazione di residenza", "Il modulo per chiedere il cambio di residenza o di indirizzo.", "residenza anagrafe", "anagrafe", 300},
	{"modulistica", "Modulo per la richiesta di accesso agli atti", "Il modulo per chiedere copia di documenti amministrativi.", "accesso-all-informazione", "urp", 250},
	{"documenti-funzionamento-interno", "Piano integrato di attività e organizzazione 2026-2028", "Obiettivi, performance, anticorruzione e organizzazione del Comune.", "trasparenza-amministrativa", "urp", 60},
	{"documenti-attivita-politica", "Bilancio di previsione 2026-2028", "Il bilancio approvato dal Consiglio comunale, con la nota integrativa.", "bilancio", "tributi", 45},
	{"accordi-tra-enti", "Convenzione per la gestione associata della Polizia Locale", "L'accordo con i Comuni vicini per il servizio di Polizia Locale.", "polizia", "polizia", 500},
	{"documenti-tecnici-di-supporto", "Piano comunale di protezione civile", "Rischi del territorio, aree di attesa e procedure di emergenza.", "protezione-civile risposta-alle-emergenze", "tecnico", 200},
	{"istanze", "Istanze di contributo per l'affitto: graduatoria", "La graduatoria delle domande di contributo per l'affitto.", "assistenza-sociale", "sociale", 30},
	{"dataset", "Dataset: numero di residenti per anno", "La popolazione residente al 31 dicembre di ogni anno, in formato CSV.", "anagrafe", "anagrafe", 90},
}

// demoFAQ are the comuni's frequently asked questions.
var demoFAQ = []struct{ q, a, body, topics string }{
	{"Come richiedo la carta d'identità elettronica?", "Prenotando un appuntamento all'ufficio anagrafe dal sito.",
		"Presentarsi con una fototessera recente e la vecchia carta. Il costo è di 22,21 euro, pagabili con pagoPA allo sportello.", "anagrafe"},
	{"Entro quando si paga la TARI?", "In due rate, il 16 luglio e il 2 dicembre.",
		"L'avviso di pagamento arriva a casa e nell'app IO. Si può pagare anche in un'unica soluzione entro la prima scadenza.", "tassa-sui-servizi"},
	{"Come cambio residenza?", "Con la dichiarazione di residenza, online o allo sportello.",
		"La dichiarazione si presenta entro 20 giorni dal trasferimento. La Polizia Locale verifica la dimora abituale entro 45 giorni.", "residenza"},
	{"Dove conferisco i rifiuti ingombranti?", "Al centro di raccolta comunale o con il ritiro a domicilio su prenotazione.",
		"Il ritiro a domicilio è gratuito fino a tre pezzi; si prenota al numero verde del consorzio.", "gestione-rifiuti"},
	{"Come segnalo una buca o un lampione spento?", "Con il servizio di segnalazione disservizi del sito.",
		"Indicare il luogo sulla mappa e, se possibile, allegare una foto. La segnalazione viene assegnata all'ufficio competente.", "urbanizzazione"},
	{"Come accedo agli atti del Comune?", "Con una richiesta di accesso agli atti, anche online.",
		"L'accesso civico generalizzato non richiede motivazione. Il Comune risponde entro 30 giorni.", "accesso-all-informazione trasparenza-amministrativa"},
}

// loadAdministration gives a demo comune its offices' competences, bodies,
// people, documents and FAQ, published.
func loadAdministration(ctx context.Context, d Deps, tenantID int64, slug string, now time.Time) error {
	offices, err := d.Accounts.Offices(ctx, tenantID)
	if err != nil {
		return err
	}
	byName := map[string]accounts.Office{}
	for _, o := range offices {
		if c, ok := demoCompetences[o.Name]; ok {
			o.Competences = c
			if err := d.Accounts.SaveOffice(ctx, &o); err != nil {
				return fmt.Errorf("office %s: %w", o.Name, err)
			}
		}
		byName[o.Name] = o
	}
	// The comune's offices in the order they were created.
	var ordered []accounts.Office
	for _, c := range comuni() {
		if c.tenant.Slug == slug {
			for _, o := range c.offices {
				ordered = append(ordered, byName[o.Name])
			}
		}
	}
	officeID := func(i int) int64 {
		if i < 0 || i >= len(ordered) {
			return 0
		}
		return ordered[i].ID
	}
	docOffice := func(key string) int64 {
		i, ok := demoOfficeIndex[slug][key]
		if !ok {
			return 0
		}
		return officeID(i)
	}
	svc := d.Content
	short := map[string]string{"borgofiorito": "Borgo Fiorito", "marinadiponente": "Marina di Ponente"}[slug]
	domain := "comune." + slug + ".example"
	publish := func(it *content.Item, at time.Time) error {
		it.TenantID = tenantID
		if err := svc.Save(ctx, it); err != nil {
			return fmt.Errorf("%s: %w", it.Title, err)
		}
		p, err := svc.Publish(ctx, tenantID, it.ID, at)
		*it = p
		return err
	}
	since := now.AddDate(0, -6, 0)
	bodies := map[string]int64{}
	for _, b := range demoBodies {
		it := content.Item{Kind: content.KindOrganisation, Title: b.title, Summary: b.summary, Body: b.body, Topics: strings.Fields(b.topics),
			Org: content.Organisation{Type: b.typ, Address: "Palazzo comunale\n" + short, Email: b.key + "@" + domain}}
		if b.typ == "enti-e-fondazioni" {
			it.Title = b.title + " di " + short
			it.Org.Website = "https://www." + b.key + "." + slug + ".example"
		}
		if err := publish(&it, since); err != nil {
			return err
		}
		bodies[b.key] = it.ID
	}
	for _, p := range demoPeople[slug] {
		it := content.Item{Kind: content.KindPerson, Title: p.name, Summary: p.role + " del Comune di " + short + ".", Body: p.bio,
			Topics: strings.Fields(p.topics), Person: content.Person{Section: p.section, Role: p.role, OfficeID: officeID(p.office),
				OrganisationID: bodies[p.body], Email: strings.ToLower(strings.ReplaceAll(p.name, " ", ".")) + "@" + domain}}
		if err := publish(&it, since); err != nil {
			return err
		}
	}
	for i, doc := range demoDocuments {
		date := now.In(content.Rome).AddDate(0, 0, -doc.days)
		date = time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, content.Rome)
		it := content.Item{Kind: content.KindDocument, Title: doc.title, Summary: doc.summary, Topics: strings.Fields(doc.topics),
			Body: doc.summary + "\n\nIl documento è disponibile in consultazione presso l'Ufficio Relazioni con il Pubblico.",
			Document: content.Document{Type: doc.typ, Date: date.UTC(), OfficeID: docOffice(doc.office),
				Protocol: fmt.Sprintf("n. %d del %s", 1200+i*37, date.Format("02/01/2006"))}}
		if doc.typ == "dataset" || doc.typ == "modulistica" {
			it.Document.Protocol = ""
		}
		if err := publish(&it, date.Add(10*time.Hour)); err != nil {
			return err
		}
		// Each document has its text as a PDF attachment.
		pdf := pdfdoc.New(pdfdoc.Options{Issuer: "Comune di " + short, Title: doc.title, Subtitle: it.Document.Protocol, Created: date})
		pdf.Paragraph(doc.summary)
		pdf.Paragraph("Documento di esempio generato per la dimostrazione di Piazza.")
		var buf bytes.Buffer
		if _, err := pdf.WriteTo(&buf); err != nil {
			return err
		}
		if _, err := svc.AddAttachment(ctx, tenantID, it.ID, it.Slug+".pdf", buf.Bytes()); err != nil {
			return fmt.Errorf("%s: attachment: %w", it.Title, err)
		}
	}
	for _, f := range demoFAQ {
		it := content.Item{Kind: content.KindFAQ, Title: f.q, Summary: f.a, Body: f.body, Topics: strings.Fields(f.topics)}
		if err := publish(&it, since); err != nil {
			return err
		}
	}
	return nil
}
