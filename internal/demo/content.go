package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"piazza/internal/content"
)

// The demo comuni's website content: news (notizie, comunicati, avvisi), events
// in the past and to come (some recurring) and places with coordinates around
// each comune. Dates are relative to the moment of loading, so the demo always
// has recent news and upcoming events. Together with the service cards, every
// topic of the vocabulary is used at least once.

// demoNews is a news item: its type, topics, title, summary and body paragraphs.
type demoNews struct {
	typ     content.NewsType
	topics  []string
	title   string
	summary string
	body    string
}

func n(typ content.NewsType, topics, title, summary, body string) demoNews {
	return demoNews{typ: typ, topics: strings.Fields(topics), title: title, summary: summary, body: body}
}

const (
	story  = content.NewsStory
	press  = content.NewsPress
	notice = content.NewsNotice
)

// demoNewsItems are shared by both comuni; {C} is the comune's short name and {V}
// a street or square of it.
var demoNewsItems = []demoNews{
	n(story, "accesso-all-informazione trasparenza-amministrativa", "Online il nuovo portale degli atti", "Delibere, determine e ordinanze di {C} sono consultabili e scaricabili dal sito.", "Da oggi il sito del Comune pubblica in formato aperto gli atti dell'amministrazione.\n\nLa ricerca è possibile per data, ufficio e parola chiave; gli atti restano consultabili per cinque anni."),
	n(notice, "acqua", "Interruzione dell'acqua in {V}", "Lavori sulla rete idrica: possibili interruzioni dalle 8:30 alle 13:00.", "Il gestore del servizio idrico sostituirà un tratto della condotta.\n\nSi consiglia di fare scorta d'acqua e di chiudere i rubinetti durante l'interruzione."),
	n(story, "agricoltura prodotti-alimentari", "Mercato contadino: nuovi produttori", "Dal prossimo sabato dieci nuove aziende agricole del territorio in piazza.", "Il mercato contadino si arricchisce di produttori di formaggi, miele e ortaggi di stagione.\n\nL'iniziativa sostiene la filiera corta e le aziende agricole locali."),
	n(press, "anagrafe", "Carta d'identità elettronica anche il sabato", "L'ufficio anagrafe apre due sabati al mese per il rilascio della CIE.", "Per ridurre le attese l'ufficio anagrafe sarà aperto il primo e il terzo sabato del mese, dalle 9:00 alle 12:00, solo su appuntamento."),
	n(story, "animale-domestico", "Anagrafe canina: microchip gratuito", "Una giornata per applicare gratuitamente il microchip ai cani.", "In collaborazione con il servizio veterinario dell'ASL, il microchip è gratuito per i cani dei residenti.\n\nPortare un documento d'identità del proprietario."),
	n(notice, "aria inquinamento", "Misure temporanee per la qualità dell'aria", "Superati i limiti di PM10: limitazioni al traffico dei veicoli più inquinanti.", "Fino al rientro dei valori sono vietati la circolazione dei veicoli diesel Euro 4 e l'uso di stufe a legna di classe inferiore a 3 stelle."),
	n(press, "assistenza-agli-invalidi integrazione-sociale", "Contributi per l'abbattimento delle barriere architettoniche", "Aperto il bando per i lavori nelle abitazioni di persone con disabilità.", "Le domande si presentano all'ufficio servizi sociali entro la fine del mese.\n\nIl contributo copre fino al 50% delle spese ammesse."),
	n(story, "assistenza-sociale", "Sportello di ascolto per le famiglie", "Un'assistente sociale riceve ogni martedì senza appuntamento.", "Lo sportello offre orientamento sui servizi del territorio, sui contributi e sulle pratiche per l'assistenza."),
	n(story, "associazioni", "Albo delle associazioni: aggiornamento annuale", "Le associazioni iscritte confermano i propri dati entro il 31 del mese.", "L'iscrizione all'albo permette di chiedere il patrocinio e l'uso delle sale comunali."),
	n(press, "bilancio", "Approvato il bilancio di previsione", "Il Consiglio comunale ha approvato il bilancio con investimenti su scuole e strade.", "Il bilancio prevede 1,2 milioni di euro di investimenti, senza aumenti delle aliquote.\n\nI documenti sono pubblicati in Amministrazione trasparente."),
	n(story, "commercio-al-minuto imprese", "Bando per i negozi di vicinato", "Contributi a fondo perduto per aprire o rinnovare un negozio nel centro storico.", "Il bando finanzia arredi, insegne e vetrine fino a 5.000 euro per attività."),
	n(notice, "commercio-all-ingrosso", "Nuovi orari di carico e scarico merci", "In centro il carico e scarico per i grossisti è consentito dalle 6:00 alle 10:00.", "L'ordinanza si applica ai veicoli commerciali oltre 3,5 tonnellate."),
	n(notice, "commercio-ambulante mercato", "Il mercato settimanale si sposta", "Per lavori il mercato del mercoledì si tiene in {V} per tre settimane.", "I posteggi mantengono la stessa numerazione; la polizia locale sarà presente per indicazioni."),
	n(press, "comunicazione-istituzionale", "Il Comune su WhatsApp", "Un canale di messaggi per ricevere avvisi e notizie del Comune.", "Per iscriversi basta inquadrare il codice QR sul sito o allo sportello URP."),
	n(press, "comunicazione-politica elezioni", "Spazi per la propaganda elettorale", "Assegnati gli spazi per le affissioni in vista delle elezioni.", "La Giunta ha delimitato gli spazi per la propaganda diretta e indiretta."),
	n(notice, "concorsi lavoro", "Concorso per due istruttori amministrativi", "Selezione pubblica per esami: domande entro trenta giorni.", "Il bando completo e il modulo di domanda sono nella sezione Bandi di concorso."),
	n(story, "covid-19", "Vaccinazioni stagionali in farmacia", "Anche quest'anno il richiamo è disponibile nelle farmacie aderenti.", "Per gli over 60 e per le persone fragili la vaccinazione è gratuita."),
	n(notice, "elezioni", "Tessera elettorale: aperture straordinarie", "L'ufficio elettorale è aperto anche nei giorni delle votazioni.", "Chi ha esaurito gli spazi della tessera può chiederne una nuova con un documento d'identità."),
	n(story, "energie-rinnovabili isolamento-termico", "Comunità energetica: incontro pubblico", "Come partecipare alla comunità energetica rinnovabile del Comune.", "Durante l'incontro i tecnici spiegano vantaggi, costi e modalità di adesione per famiglie e imprese."),
	n(story, "estero viaggi", "Passaporto: come prenotare", "Le richieste si prenotano sull'agenda online della Questura.", "Il Comune aiuta chi non ha un'identità digitale nella prenotazione allo sportello URP."),
	n(story, "foreste spazio-verde", "Mille nuovi alberi nel parco", "Piantumazione con le scuole per la giornata nazionale degli alberi.", "Gli alberi sono specie autoctone donate dal vivaio regionale."),
	n(story, "formazione-professionale", "Corsi serali di informatica", "Iscrizioni aperte ai corsi gratuiti per adulti.", "I corsi, in collaborazione con il centro di formazione professionale, rilasciano un attestato."),
	n(press, "gemellaggi", "Una delegazione dal comune gemellato", "Tre giorni di visite e incontri con la città gemellata.", "Il programma prevede incontri tra le scuole e un concerto in piazza."),
	n(notice, "gestione-rifiuti", "Raccolta differenziata: cambia il calendario", "Dal lunedì la carta si raccoglie il giovedì.", "Il nuovo calendario è disponibile sul sito e presso l'ufficio ambiente."),
	n(story, "giustizia sistema-giuridico", "Sportello di prossimità per la giustizia", "Nel palazzo comunale si possono chiedere atti di volontaria giurisdizione.", "Lo sportello evita di recarsi in tribunale per amministrazione di sostegno e tutele."),
	n(notice, "igiene-pubblica", "Disinfestazione contro le zanzare", "Trattamenti notturni nelle aree verdi pubbliche.", "Durante i trattamenti si raccomanda di tenere chiuse le finestre e di non lasciare animali all'aperto."),
	n(story, "immigrazione integrazione-sociale", "Corsi di italiano per stranieri", "Lezioni gratuite di lingua italiana, livelli A1 e A2.", "I corsi si tengono in biblioteca due sere a settimana."),
	n(notice, "imposte", "Scadenza IMU: acconto entro il 16 giugno", "Il calcolo dell'imposta è disponibile online.", "Per assistenza l'ufficio tributi riceve su appuntamento."),
	n(story, "istruzione", "Iscrizioni alla scuola dell'infanzia", "Le domande per il prossimo anno scolastico entro fine gennaio.", "La domanda si presenta online con SPID o CIE dalla pagina dei servizi."),
	n(story, "matrimonio", "Matrimoni civili anche in villa", "Nuove sale per la celebrazione dei matrimoni civili.", "Le coppie possono scegliere la sala consiliare o la villa comunale."),
	n(notice, "morte", "Orari estivi del cimitero", "Da giugno il cimitero è aperto fino alle 19:00.", "Il servizio di custodia resta attivo tutti i giorni."),
	n(story, "nascita", "Un albero per ogni nuovo nato", "Il Comune pianta un albero per ogni bambino nato nell'anno.", "Le famiglie ricevono un invito per la cerimonia in primavera."),
	n(notice, "parcheggi", "Nuovo parcheggio di interscambio", "Duecento posti gratuiti vicino alla stazione.", "Il parcheggio è videosorvegliato e collegato al centro da una navetta."),
	n(story, "patrimonio-culturale", "Riapre il museo civico", "Dopo il restauro il museo torna visitabile con un nuovo allestimento.", "L'ingresso è gratuito la prima domenica del mese."),
	n(press, "piano-di-sviluppo urbanizzazione", "Piano di governo del territorio: osservazioni", "Il nuovo piano è in pubblicazione: 30 giorni per le osservazioni.", "Gli elaborati sono consultabili all'ufficio tecnico e online."),
	n(story, "pista-ciclabile mobilita-sostenibile", "Inaugurata la ciclabile verso la stazione", "Tre chilometri di pista protetta collegano il centro alla stazione.", "L'opera è finanziata con fondi regionali per la mobilità sostenibile."),
	n(press, "pnrr", "PNRR: finanziata la nuova mensa scolastica", "Il progetto ha ottenuto 600.000 euro dal Piano nazionale di ripresa e resilienza.", "I lavori inizieranno in estate e si concluderanno entro l'anno scolastico successivo."),
	n(story, "politica-commerciale", "Distretto del commercio: nuove iniziative", "Il distretto propone saldi coordinati e un calendario di eventi.", "Commercianti e associazioni di categoria hanno firmato l'accordo."),
	n(notice, "polizia", "Controlli della polizia locale sulla velocità", "Postazioni mobili sulle strade di accesso al paese.", "Il calendario dei controlli è pubblicato settimanalmente."),
	n(press, "protezione-civile risposta-alle-emergenze", "Allerta meteo arancione", "Previsti temporali forti: scuole aperte, parchi chiusi.", "Si raccomanda di evitare sottopassi e zone golenali e di seguire gli aggiornamenti della protezione civile."),
	n(story, "residenza", "Cambio di residenza online", "La dichiarazione di residenza si presenta dal sito con SPID.", "L'ufficio anagrafe conclude la pratica entro 45 giorni."),
	n(story, "sport tempo-libero", "Palestre comunali: domande per la stagione", "Le società sportive chiedono gli spazi entro luglio.", "Le assegnazioni privilegiano le attività giovanili e per persone con disabilità."),
	n(story, "sviluppo-sostenibile", "Agenda 2030: i progetti del Comune", "Un rapporto sullo stato degli obiettivi di sviluppo sostenibile.", "Il rapporto misura energia, rifiuti, mobilità e verde urbano."),
	n(notice, "tassa-sui-servizi", "TARI: inviati gli avvisi di pagamento", "Le rate scadono a luglio e a dicembre.", "Gli avvisi si possono pagare con pagoPA presso banche, tabaccherie e online."),
	n(story, "trasporto-pubblico", "Nuove corse dell'autobus", "Aggiunte corse serali nei giorni feriali.", "L'orario aggiornato è disponibile sul sito dell'azienda di trasporto."),
	n(press, "turismo", "Ufficio turistico aperto tutto l'anno", "Informazioni, mappe e visite guidate anche in inverno.", "L'ufficio è in piazza del Municipio, aperto dal martedì alla domenica."),
	n(notice, "zone-pedonali ztl", "ZTL: nuovi orari estivi", "Da giugno la zona a traffico limitato è attiva anche la sera.", "I residenti con permesso possono accedere a ogni ora."),
	n(notice, "pesca", "Stagione di pesca: le nuove regole", "Misure minime e periodi di divieto per la stagione.", "Le regole sono stabilite dal calendario regionale."),
	n(press, "lavoro", "Sportello lavoro in Comune", "Orientamento e offerte di lavoro ogni giovedì mattina.", "In collaborazione con il centro per l'impiego."),
	n(story, "imprese", "SUAP: pratiche per le imprese solo online", "Le pratiche per le attività produttive passano dallo sportello telematico.", "Il SUAP offre assistenza telefonica dal lunedì al venerdì."),
	n(notice, "comunicazione-istituzionale", "Chiusura degli uffici per la festa patronale", "Gli uffici comunali restano chiusi nel giorno del patrono.", "Lo stato civile garantisce il servizio di reperibilità per le denunce di morte."),
	n(story, "tempo-libero associazioni", "Estate ragazzi: iscrizioni aperte", "Centri estivi per bambini dai 6 ai 12 anni.", "Le iscrizioni si raccolgono fino a esaurimento dei posti."),
	n(press, "bilancio trasparenza-amministrativa", "Rendiconto: i conti dell'anno passato", "Il Consiglio ha approvato il rendiconto con un avanzo di amministrazione.", "L'avanzo sarà destinato a manutenzioni straordinarie."),
}

// demoPlace is a place: its type, topics, name, summary and offset from the
// comune's centre (in thousandths of a degree).
type demoPlace struct {
	typ, topics, name, summary, street string
	dLat, dLon                         float64
	hours                              string
}

var demoPlaces = []demoPlace{
	{"ufficio-pubblico", "comunicazione-istituzionale", "Palazzo comunale", "La sede del Comune e degli uffici aperti al pubblico.", "Piazza del Municipio 1", 0, 0, "Lunedì–venerdì 8:30–12:30; giovedì 14:30–17:30"},
	{"biblioteca", "patrimonio-culturale istruzione", "Biblioteca civica", "Prestito, sala studio, emeroteca e laboratori per ragazzi.", "Via Garibaldi 12", 1.2, -0.8, "Martedì–sabato 9:00–12:30 e 14:30–18:30"},
	{"museo", "patrimonio-culturale turismo", "Museo civico", "Le collezioni archeologiche e la storia del territorio.", "Via del Museo 3", -0.9, 1.1, "Sabato e domenica 10:00–18:00"},
	{"teatro", "tempo-libero patrimonio-culturale", "Teatro comunale", "La stagione di prosa, musica e teatro per ragazzi.", "Corso Vittorio Emanuele 45", 0.6, 0.9, "Biglietteria: giovedì–sabato 17:00–19:00"},
	{"parco", "spazio-verde tempo-libero", "Parco della Rimembranza", "Il grande parco con giochi, percorso vita e area cani.", "Viale dei Tigli", 2.1, 1.7, "Tutti i giorni 7:00–21:00"},
	{"impianto-sportivo", "sport", "Palazzetto dello sport", "Palestra polivalente per basket, pallavolo e ginnastica.", "Via dello Sport 8", -2.3, -1.4, "Secondo il calendario delle società"},
	{"impianto-sportivo", "sport tempo-libero", "Campo sportivo comunale", "Campo da calcio con pista di atletica.", "Via dello Sport 10", -2.6, -1.1, "Secondo il calendario delle società"},
	{"scuola", "istruzione", "Scuola primaria Giovanni Pascoli", "La scuola primaria del capoluogo.", "Via delle Scuole 2", 1.5, 2.2, "Lunedì–venerdì 8:00–16:00"},
	{"scuola", "istruzione", "Scuola dell'infanzia Arcobaleno", "Scuola dell'infanzia comunale con servizio mensa.", "Via delle Scuole 6", 1.7, 2.5, "Lunedì–venerdì 7:45–16:00"},
	{"chiesa", "patrimonio-culturale turismo", "Chiesa parrocchiale di San Giorgio", "La chiesa barocca nel cuore del paese.", "Piazza San Giorgio", -0.3, 0.4, "Tutti i giorni 8:00–12:00 e 15:00–19:00"},
	{"piazza", "zone-pedonali tempo-libero", "Piazza del Mercato", "La piazza pedonale del mercato settimanale e delle feste.", "Piazza del Mercato", 0.4, -0.3, ""},
	{"mercato", "mercato commercio-ambulante prodotti-alimentari", "Mercato coperto", "Banchi di frutta, verdura e prodotti del territorio.", "Via Mazzini 20", 0.8, -1.2, "Martedì–sabato 7:30–13:00"},
	{"centro-civico", "associazioni integrazione-sociale", "Centro civico", "Sale per le associazioni, corsi e incontri pubblici.", "Via Roma 50", -1.4, 0.7, "Lunedì–venerdì 14:00–22:00"},
	{"sanita", "assistenza-sociale", "Casa della comunità", "Medici di base, prelievi e servizi sociosanitari.", "Via Ospedale 4", -1.8, 2.0, "Lunedì–venerdì 8:00–18:00"},
	{"ufficio-pubblico", "polizia", "Comando di polizia locale", "Sede della polizia locale e ufficio oggetti smarriti.", "Via Cavour 7", 0.2, -0.9, "Lunedì–sabato 8:00–12:00"},
	{"ufficio-pubblico", "gestione-rifiuti", "Centro di raccolta rifiuti", "Conferimento di ingombranti, RAEE, verde e materiali differenziati.", "Via dell'Industria 30", -3.1, -2.6, "Martedì, giovedì e sabato 8:00–12:00 e 14:00–17:00"},
	{"parco", "spazio-verde pista-ciclabile", "Area verde lungo la ciclabile", "Panchine, fontanella e rastrelliere lungo la pista ciclabile.", "Strada vicinale della Stazione", 2.8, -2.4, ""},
	{"monumento", "patrimonio-culturale", "Monumento ai caduti", "Il monumento in bronzo dedicato ai caduti delle due guerre.", "Largo della Vittoria", 0.9, 0.1, ""},
	{"altro", "trasporto-pubblico parcheggi", "Stazione e parcheggio di interscambio", "La stazione ferroviaria con il parcheggio gratuito.", "Piazzale della Stazione", 3.2, -2.9, ""},
	{"ufficio-pubblico", "turismo", "Ufficio turistico", "Informazioni, mappe e visite guidate.", "Piazza del Municipio 4", 0.1, 0.2, "Martedì–domenica 9:30–12:30 e 15:00–18:00"},
}

// demoEvent is an event relative to today: days from today (negative: past), the
// hour, the duration in hours, an optional recurrence and the place by index.
type demoEvent struct {
	topics, title, summary, organiser, cost string
	days, hour, hours                       int
	rrule                                   string
	place                                   int // index in demoPlaces, -1 for a venue in words
	venue                                   string
}

var demoEvents = []demoEvent{
	{"mercato prodotti-alimentari agricoltura", "Mercato contadino", "Ogni sabato i produttori del territorio in piazza.", "Comune e Coldiretti", "", -21, 8, 5, "FREQ=WEEKLY;BYDAY=SA", 10, ""},
	{"tempo-libero patrimonio-culturale", "Stagione teatrale", "Una commedia ogni venerdì sera.", "Compagnia del Teatro comunale", "12 euro, ridotto 8 euro", -10, 21, 2, "FREQ=WEEKLY;BYDAY=FR;COUNT=10", 3, ""},
	{"istruzione patrimonio-culturale", "Letture animate per bambini", "Storie e laboratori per bambini dai 3 ai 7 anni.", "Biblioteca civica", "", -14, 16, 1, "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;COUNT=8", 1, ""},
	{"commercio-ambulante mercato", "Mercato dell'antiquariato", "Antiquariato e collezionismo la prima domenica del mese.", "Associazione commercianti", "", -40, 8, 10, "FREQ=MONTHLY;BYDAY=1SU", 10, ""},
	{"sport tempo-libero", "Corsa dei quartieri", "Corsa non competitiva di 5 e 10 km per le vie del paese.", "Polisportiva", "Iscrizione 5 euro", 18, 9, 4, "", 6, ""},
	{"patrimonio-culturale turismo", "Visita guidata al centro storico", "Un percorso tra chiese, palazzi e botteghe storiche.", "Ufficio turistico", "", 5, 10, 2, "FREQ=WEEKLY;BYDAY=SU;COUNT=6", 19, ""},
	{"tempo-libero associazioni", "Festa patronale", "Tre giorni di musica, stand gastronomici e fuochi d'artificio.", "Pro Loco", "", 30, 18, 6, "FREQ=DAILY;COUNT=3", 10, ""},
	{"sviluppo-sostenibile energie-rinnovabili", "Incontro sulla comunità energetica", "Come aderire alla comunità energetica rinnovabile.", "Comune", "", 9, 20, 2, "", 12, ""},
	{"gemellaggi", "Concerto per il gemellaggio", "La banda cittadina e il coro della città gemellata.", "Comitato gemellaggi", "", -30, 21, 2, "", 10, ""},
	{"igiene-pubblica assistenza-sociale", "Giornata della prevenzione", "Controlli gratuiti di pressione, glicemia e udito.", "Casa della comunità", "", 12, 9, 8, "", 13, ""},
	{"spazio-verde foreste", "Festa degli alberi", "Piantumazione con le scuole e giochi nel parco.", "Comune e scuole", "", -45, 10, 3, "", 4, ""},
	{"formazione-professionale lavoro", "Giornata del lavoro e della formazione", "Aziende e centri di formazione incontrano chi cerca lavoro.", "Sportello lavoro", "", 21, 9, 6, "", 12, ""},
	{"patrimonio-culturale", "Mostra fotografica: il paese di una volta", "Cento fotografie dall'archivio storico comunale.", "Museo civico", "Ingresso 3 euro", -5, 10, 8, "FREQ=DAILY;COUNT=20", 2, ""},
	{"protezione-civile risposta-alle-emergenze", "Esercitazione di protezione civile", "Simulazione di evacuazione con le scuole e i volontari.", "Gruppo comunale di protezione civile", "", 15, 9, 3, "", 7, ""},
	{"sport", "Torneo di pallavolo giovanile", "Squadre under 14 da tutta la provincia.", "Società pallavolo", "", -3, 9, 9, "FREQ=DAILY;COUNT=2", 5, ""},
	{"mobilita-sostenibile pista-ciclabile", "Biciclettata in famiglia", "Un giro in bicicletta lungo la nuova ciclabile.", "FIAB", "", 25, 10, 3, "", 16, ""},
	{"comunicazione-politica", "Consiglio comunale aperto", "Il Consiglio incontra i cittadini sul bilancio partecipativo.", "Presidenza del Consiglio comunale", "", 8, 20, 3, "", 0, ""},
	{"immigrazione integrazione-sociale", "Festa dei popoli", "Musica, danze e cucine del mondo.", "Consulta per l'integrazione", "", -60, 16, 6, "", 10, ""},
	{"tempo-libero", "Cinema all'aperto", "Film per famiglie nelle sere d'estate.", "Assessorato alla cultura", "", 35, 21, 2, "FREQ=WEEKLY;BYDAY=TH;COUNT=8", 4, ""},
	{"istruzione", "Open day delle scuole", "Le scuole aprono le porte alle famiglie.", "Istituto comprensivo", "", 40, 9, 4, "", 7, ""},
	{"turismo viaggi", "Gita sociale", "Una giornata in pullman con partenza dalla stazione.", "Circolo anziani", "35 euro pranzo compreso", 50, 7, 12, "", 18, ""},
}

// demoCentre is each comune's centre: Borgo Fiorito near Pavia, Marina di Ponente
// near Savona (both fictional).
var demoCentre = map[string][2]float64{
	"borgofiorito":    {45.1910, 9.1580},
	"marinadiponente": {44.3020, 8.4710},
}

// demoStreets are streets or squares named in news, per comune.
var demoStreets = map[string][]string{
	"borgofiorito":    {"via Roma", "via Garibaldi", "piazza del Mercato", "viale dei Tigli"},
	"marinadiponente": {"via Aurelia", "lungomare Colombo", "piazza del Porto", "via dei Pescatori"},
}

// loadContent gives each demo comune its news, events and places, published.
func loadContent(ctx context.Context, d Deps, ids map[string]int64) error {
	if d.Content == nil {
		return nil
	}
	now := d.Content.Now()
	for _, slug := range []string{"borgofiorito", "marinadiponente"} {
		if err := loadContentOf(ctx, d.Content, ids[slug], slug, now); err != nil {
			return fmt.Errorf("demo content %s: %w", slug, err)
		}
		if d.Accounts != nil {
			if err := loadAdministration(ctx, d, ids[slug], slug, now); err != nil {
				return fmt.Errorf("demo administration %s: %w", slug, err)
			}
		}
	}
	return nil
}

func loadContentOf(ctx context.Context, svc *content.Service, tenantID int64, slug string, now time.Time) error {
	short := map[string]string{"borgofiorito": "Borgo Fiorito", "marinadiponente": "Marina di Ponente"}[slug]
	centre := demoCentre[slug]
	cap := map[string]string{"borgofiorito": "27010 Borgo Fiorito (PV)", "marinadiponente": "17020 Marina di Ponente (SV)"}[slug]
	publish := func(it *content.Item, at time.Time) error {
		if err := svc.Save(ctx, it); err != nil {
			return fmt.Errorf("%s: %w", it.Title, err)
		}
		p, err := svc.Publish(ctx, tenantID, it.ID, at)
		*it = p
		return err
	}
	// Places first: events take place there.
	places := make([]content.Item, len(demoPlaces))
	for i, p := range demoPlaces {
		name := p.name
		it := content.Item{TenantID: tenantID, Kind: content.KindPlace, Title: name, Summary: p.summary, Topics: strings.Fields(p.topics),
			Body: p.summary + "\n\nIl luogo è gestito dal Comune di " + short + ".",
			Place: content.Place{Type: p.typ, Address: p.street + "\n" + cap,
				Latitude: centre[0] + p.dLat/1000, Longitude: centre[1] + p.dLon/1000, OpeningHours: p.hours,
				Phone:         fmt.Sprintf("0%d 55%04d", map[string]int{"borgofiorito": 382, "marinadiponente": 19}[slug], 100+i),
				Accessibility: "Accesso senza barriere architettoniche; servizi igienici accessibili."}}
		if p.typ == "piazza" || p.typ == "monumento" {
			it.Place.Phone, it.Place.Accessibility = "", "Area pubblica all'aperto, accessibile."
		}
		if err := publish(&it, now.AddDate(0, -6, 0)); err != nil {
			return err
		}
		places[i] = it
	}
	for _, e := range demoEvents {
		start := time.Date(now.In(content.Rome).Year(), now.In(content.Rome).Month(), now.In(content.Rome).Day(), e.hour, 0, 0, 0, content.Rome).AddDate(0, 0, e.days)
		it := content.Item{TenantID: tenantID, Kind: content.KindEvent, Title: e.title, Summary: e.summary, Topics: strings.Fields(e.topics),
			Body: e.summary + "\n\n## Come partecipare\n\nLa partecipazione è aperta a tutti. Per informazioni rivolgersi all'Ufficio relazioni con il pubblico.",
			Event: content.Event{Start: start.UTC(), End: start.Add(time.Duration(e.hours) * time.Hour).UTC(), Recurrence: e.rrule,
				Organiser: e.organiser, Cost: e.cost, Audience: "Tutti", Venue: e.venue}}
		if e.place >= 0 {
			it.Event.PlaceID = places[e.place].ID
		}
		if err := publish(&it, now.AddDate(0, -3, 0)); err != nil {
			return err
		}
	}
	streets := demoStreets[slug]
	for i, nw := range demoNewsItems {
		r := strings.NewReplacer("{C}", short, "{V}", streets[i%len(streets)])
		it := content.Item{TenantID: tenantID, Kind: content.KindNews, NewsType: nw.typ, Title: r.Replace(nw.title),
			Summary: r.Replace(nw.summary), Body: r.Replace(nw.body), Topics: nw.topics}
		// Spread the news over the past months; the last one is scheduled for
		// tomorrow, to show a scheduled item in the back office.
		at := now.Add(-time.Duration(i*3+1) * 24 * time.Hour)
		if i == len(demoNewsItems)-1 {
			at = now.Add(24 * time.Hour)
		}
		if err := publish(&it, at); err != nil {
			return err
		}
	}
	return nil
}
