package demo

import (
	"context"
	"fmt"

	"piazza/internal/accounts"
	"piazza/internal/services"
)

// demoCard is a service card of the demo, with the office that answers for it named
// by its role in the comune (see officeRoles).
type demoCard struct {
	office string
	card   services.Card
}

// officeRoles maps the roles the demo cards use to each comune's office names.
var officeRoles = map[string]map[string]string{
	"borgofiorito": {
		"anagrafe": "Anagrafe e Stato civile", "urp": "Ufficio Relazioni con il Pubblico", "tributi": "Ufficio Tributi",
		"tecnico": "Ufficio Tecnico – Edilizia e Urbanistica", "sociale": "Servizi Sociali", "polizia": "Polizia Locale",
		"scuola": "Istruzione e Servizi scolastici", "turismo": "Ufficio Relazioni con il Pubblico", "suap": "Ufficio Tecnico – Edilizia e Urbanistica",
	},
	"marinadiponente": {
		"anagrafe": "Servizi Demografici", "urp": "Sportello del Cittadino", "tributi": "Tributi",
		"tecnico": "Sportello del Cittadino", "sociale": "Servizi Sociali e Istruzione", "polizia": "Polizia Locale",
		"scuola": "Servizi Sociali e Istruzione", "turismo": "Ufficio Turismo e Demanio marittimo", "suap": "Ufficio Turismo e Demanio marittimo",
	},
}

// onlineOffices are the offices whose applications the demo operator works.
var onlineOffices = []string{"scuola", "polizia", "sociale", "urp", "suap"}

// OnlineServices are the form keys of the demo's online services (the forms are in
// demo/forms); every demo comune has a published card for each.
var OnlineServices = []string{"mensa-scolastica", "permesso-ztl", "contributo-affitto", "accesso-atti", "suap-notifica"}

func citizens() []services.Audience { return []services.Audience{services.AudienceCitizens} }

func demoCards() []demoCard {
	online := func(form string, days int) services.Card {
		return services.Card{Channel: services.ChannelOnline, FormKey: form, AuthLevel: services.AuthSPID, MaxResponseDays: days}
	}
	with := func(c services.Card, base services.Card) services.Card {
		c.Channel, c.FormKey, c.AuthLevel, c.MaxResponseDays = base.Channel, base.FormKey, base.AuthLevel, base.MaxResponseDays
		return c
	}
	return []demoCard{
		{"scuola", with(services.Card{
			Slug: "mensa-scolastica", Title: "Iscrizione alla mensa scolastica",
			Summary:     "Iscrivere i figli al servizio di refezione delle scuole dell'infanzia, primarie e secondarie di primo grado.",
			Description: "Il servizio di mensa scolastica offre ogni giorno un pasto equilibrato, preparato secondo le tabelle dietetiche dell'ATS. Le iscrizioni valgono per un anno scolastico e si rinnovano ogni anno.",
			Category:    "educazione-e-formazione", Topics: []string{"istruzione", "prodotti-alimentari"}, Audiences: citizens(),
			WhoFor:           "Ai genitori o tutori degli alunni iscritti alle scuole del Comune, residenti o non residenti.",
			HowTo:            "Compila la domanda online con i dati di chi la presenta e di ogni figlio da iscrivere; puoi salvarla come bozza e riprenderla più tardi. Se un figlio segue una dieta speciale, indicalo e allega il certificato medico.",
			Needed:           "SPID o CIE del genitore che presenta la domanda.\nCodice fiscale di ogni figlio.\nAttestazione ISEE in corso di validità (PDF), per le tariffe agevolate.\nCertificato medico per le diete speciali.",
			Outcome:          "L'iscrizione al servizio per l'anno scolastico e la tariffa applicata, comunicate nell'area personale e per email.",
			Timing:           "Le domande si presentano dal 1° giugno al 31 luglio; quelle successive sono accolte secondo i posti disponibili.\nL'ufficio risponde entro 30 giorni.",
			Costs:            "Da 1,50 € a 5,20 € a pasto secondo l'ISEE; si paga con pagoPA a fine mese.",
			Access:           "La domanda si presenta online, con SPID o CIE.",
			Conditions:       "Regolamento comunale del servizio di refezione scolastica (delibera del Consiglio comunale n. 12/2024).",
			AllowsWithdrawal: true,
		}, online("mensa-scolastica", 30))},
		{"polizia", with(services.Card{
			Slug: "permesso-ztl", Title: "Permesso di accesso alla ZTL",
			Summary:  "Chiedere il permesso per entrare con il proprio veicolo nella zona a traffico limitato del centro storico.",
			Category: "mobilita-e-trasporti", Topics: []string{"ztl", "mobilita-sostenibile", "zone-pedonali"}, Audiences: []services.Audience{services.AudienceCitizens, services.AudienceBusinesses},
			WhoFor:           "Ai residenti nella ZTL, ai proprietari di un posto auto nella ZTL, alle persone con disabilità e ai loro accompagnatori, ai veicoli di servizio e di carico e scarico merci.",
			HowTo:            "Compila la domanda online indicando la targa e il motivo della richiesta, e allega il libretto di circolazione.",
			Needed:           "SPID o CIE.\nTarga e carta di circolazione del veicolo (PDF o foto).\nPer i posti auto: il titolo di proprietà o il contratto di affitto.",
			Outcome:          "Il permesso digitale associato alla targa: i varchi riconoscono il veicolo, non serve esporre il contrassegno.",
			Timing:           "Il permesso vale due anni. L'ufficio risponde entro 15 giorni.",
			Costs:            "30 € di diritti di istruttoria, con pagoPA; gratuito per le persone con disabilità.",
			Access:           "La domanda si presenta online, con SPID o CIE.",
			Conditions:       "Regolamento della zona a traffico limitato e ordinanza sindacale sugli orari dei varchi.",
			AllowsWithdrawal: true,
		}, online("permesso-ztl", 15))},
		{"sociale", with(services.Card{
			Slug: "contributo-affitto", Title: "Contributo per il pagamento dell'affitto",
			Summary:  "Un contributo alle famiglie in difficoltà con il pagamento del canone di locazione dell'abitazione principale.",
			Category: "salute-benessere-e-assistenza", Topics: []string{"assistenza-sociale", "residenza"}, Audiences: citizens(),
			WhoFor:     "Ai nuclei familiari residenti, titolari di un contratto di affitto registrato per l'abitazione principale, con ISEE fino a 16.000 €.",
			HowTo:      "Compila la domanda online con i componenti del nucleo familiare, i dati del contratto e l'IBAN su cui ricevere il contributo.",
			Needed:     "SPID o CIE.\nAttestazione ISEE in corso di validità.\nContratto di affitto registrato e ricevute del canone.\nIBAN intestato a chi presenta la domanda.",
			Outcome:    "Un contributo fino a tre mensilità del canone, versato sull'IBAN indicato, secondo la graduatoria.",
			Timing:     "Il bando è aperto dal 1° marzo al 30 aprile. La graduatoria è pubblicata entro 60 giorni dalla chiusura.",
			Access:     "La domanda si presenta online, con SPID o CIE.",
			Conditions: "Bando comunale per il sostegno alla locazione, in attuazione della legge 431/1998.",
		}, online("contributo-affitto", 60))},
		{"urp", with(services.Card{
			Slug: "accesso-atti", Title: "Accesso agli atti amministrativi",
			Summary:  "Chiedere di vedere o avere copia di documenti del Comune che riguardano un proprio interesse (legge 241/1990).",
			Category: "autorizzazioni", Topics: []string{"accesso-all-informazione", "trasparenza-amministrativa"}, Audiences: []services.Audience{services.AudienceCitizens, services.AudienceBusinesses, services.AudienceProfessions},
			WhoFor:           "A chiunque abbia un interesse diretto, concreto e attuale, collegato al documento di cui chiede l'accesso.",
			HowTo:            "Compila la domanda online indicando il documento, il motivo della richiesta e come vuoi riceverlo; allega un documento d'identità.",
			Needed:           "SPID o CIE.\nGli estremi del documento (tipo, numero, data) o una descrizione che permetta di individuarlo.\nIl motivo della richiesta.",
			Outcome:          "La visione del documento o la sua copia, in formato digitale o su carta.",
			Timing:           "L'ufficio risponde entro 30 giorni (art. 25 della legge 241/1990).",
			Costs:            "Gratuito in formato digitale; per le copie su carta 0,25 € a pagina.",
			Access:           "La domanda si presenta online, con SPID o CIE.",
			Conditions:       "Legge 241/1990, capo V, e regolamento comunale sull'accesso ai documenti amministrativi.",
			AllowsWithdrawal: true,
		}, online("accesso-atti", 30))},
		{"suap", with(services.Card{
			Slug: "suap-segnalazione-attivita", Title: "Segnalazione di inizio attività (SUAP)",
			Summary:  "Comunicare al Comune l'avvio, la modifica o la cessazione di un'attività d'impresa.",
			Category: "imprese-e-commercio", Topics: []string{"imprese", "commercio-al-minuto"}, Audiences: []services.Audience{services.AudienceBusinesses},
			WhoFor:     "Alle imprese e ai loro legali rappresentanti che avviano, modificano o cessano un'attività nel territorio comunale.",
			HowTo:      "Compila la segnalazione online con i dati dell'impresa, del legale rappresentante e dell'attività; dichiara di essere il legale rappresentante.",
			Needed:     "SPID o CIE del legale rappresentante.\nPartita IVA e sede legale dell'impresa.\nDescrizione dell'attività e data di avvio.",
			Outcome:    "La ricevuta della segnalazione, che consente di avviare subito l'attività; il Comune svolge i controlli entro 60 giorni.",
			Timing:     "L'attività può iniziare dal giorno della segnalazione. I controlli si concludono entro 60 giorni.",
			Access:     "La segnalazione si presenta online, con SPID o CIE del legale rappresentante.",
			Conditions: "D.P.R. 160/2010 (Sportello unico per le attività produttive) e legge 241/1990, art. 19.",
			Business:   true,
		}, online("suap-notifica", 60))},
		{"anagrafe", services.Card{
			Slug: "carta-identita-elettronica", Title: "Carta d'identità elettronica",
			Summary:  "Richiedere o rinnovare la carta d'identità elettronica (CIE).",
			Category: "anagrafe-e-stato-civile", Topics: []string{"anagrafe"}, Audiences: citizens(),
			WhoFor:  "A tutte le persone residenti nel Comune; ai non residenti per gravi e comprovati motivi.",
			HowTo:   "Prenota un appuntamento all'ufficio anagrafe e presentati con la vecchia carta o la denuncia di smarrimento e una fototessera recente.",
			Needed:  "Una fototessera recente.\nLa carta d'identità scaduta o la denuncia di smarrimento o furto.\nIl codice fiscale.",
			Outcome: "La carta d'identità elettronica, spedita dal Poligrafico dello Stato entro 6 giorni lavorativi all'indirizzo scelto.",
			Timing:  "La carta si può rinnovare dai 180 giorni prima della scadenza.",
			Costs:   "22,21 € (27,37 € in caso di smarrimento), da pagare allo sportello con carta o bancomat.",
			Access:  "Il servizio si richiede allo sportello, su appuntamento.", Conditions: "Decreto del Ministero dell'Interno 23 dicembre 2015.",
			Channel: services.ChannelBooking,
		}},
		{"anagrafe", services.Card{
			Slug: "cambio-residenza", Title: "Cambio di residenza",
			Summary:  "Dichiarare il trasferimento della residenza nel Comune o il cambio di indirizzo.",
			Category: "anagrafe-e-stato-civile", Topics: []string{"residenza", "anagrafe"}, Audiences: citizens(),
			WhoFor:  "A chi si trasferisce nel Comune da un altro comune o dall'estero, e a chi cambia indirizzo all'interno del Comune.",
			HowTo:   "Presenta la dichiarazione online sul portale dell'Anagrafe nazionale (ANPR), con SPID o CIE.",
			Needed:  "SPID o CIE.\nI dati di tutte le persone che si trasferiscono.\nIl titolo di occupazione dell'abitazione.",
			Outcome: "L'iscrizione nell'anagrafe del Comune all'indirizzo dichiarato, dopo l'accertamento della Polizia Locale.",
			Timing:  "La residenza decorre dalla data della dichiarazione; l'accertamento si conclude entro 45 giorni.",
			Access:  "La dichiarazione si presenta sul portale ANPR.", Conditions: "D.P.R. 223/1989 e decreto-legge 5/2012, art. 5.",
			Channel: services.ChannelExternal, ExternalURL: "https://www.anagrafenazionale.interno.it/servizi-al-cittadino/", AuthLevel: services.AuthSPID, MaxResponseDays: 45,
		}},
		{"anagrafe", services.Card{
			Slug: "certificati-anagrafici", Title: "Certificati anagrafici online",
			Summary:  "Scaricare certificati di residenza, stato di famiglia e altri certificati anagrafici, gratis e subito.",
			Category: "anagrafe-e-stato-civile", Topics: []string{"anagrafe", "accesso-all-informazione"}, Audiences: citizens(),
			WhoFor:  "A tutte le persone iscritte nell'anagrafe del Comune, per sé e per i componenti della propria famiglia.",
			HowTo:   "Accedi al portale dell'Anagrafe nazionale con la tua identità digitale, scegli il certificato e scaricalo in PDF.",
			Needed:  "SPID, CIE o CNS.",
			Outcome: "Il certificato in PDF, con sigillo elettronico, valido come quello rilasciato allo sportello.",
			Timing:  "Subito, a qualsiasi ora.",
			Access:  "Il certificato si scarica dal portale ANPR.", Conditions: "D.P.R. 445/2000 e servizi del portale ANPR.",
			Channel: services.ChannelExternal, ExternalURL: "https://www.anagrafenazionale.interno.it/servizi-al-cittadino/", AuthLevel: services.AuthSPID,
		}},
		{"tributi", services.Card{
			Slug: "tari-tassa-rifiuti", Title: "TARI – tassa sui rifiuti",
			Summary:  "Dichiarare, modificare o chiudere l'utenza TARI e chiedere riduzioni.",
			Category: "tributi-finanze-e-contravvenzioni", Topics: []string{"tassa-sui-servizi", "gestione-rifiuti"}, Audiences: []services.Audience{services.AudienceCitizens, services.AudienceBusinesses},
			WhoFor:  "A chi occupa o detiene locali o aree nel Comune, a qualsiasi uso.",
			HowTo:   "Presenta la dichiarazione all'Ufficio Tributi entro 90 giorni dall'inizio dell'occupazione, dalla variazione o dalla cessazione.",
			Needed:  "I dati catastali e la superficie dei locali.\nIl numero degli occupanti.\nPer le riduzioni: i documenti che le giustificano.",
			Outcome: "L'avviso di pagamento annuale, con i modelli pagoPA, inviato a casa e per email.",
			Timing:  "La dichiarazione si presenta entro 90 giorni. Le rate scadono il 16 luglio e il 16 dicembre.",
			Costs:   "Secondo le tariffe approvate ogni anno dal Consiglio comunale.",
			Access:  "Il servizio si richiede allo sportello dell'Ufficio Tributi.", Conditions: "Legge 147/2013 e regolamento comunale per la TARI.",
			Channel: services.ChannelInPerson, MaxResponseDays: 30,
		}},
		{"tributi", services.Card{
			Slug: "imu", Title: "IMU – imposta municipale propria",
			Summary:  "Informazioni su aliquote, scadenze, calcolo e versamento dell'IMU.",
			Category: "tributi-finanze-e-contravvenzioni", Topics: []string{"imposte"}, Audiences: []services.Audience{services.AudienceCitizens, services.AudienceBusinesses},
			WhoFor:  "Ai proprietari e ai titolari di diritti reali su immobili diversi dall'abitazione principale.",
			HowTo:   "Calcola l'imposta con le aliquote dell'anno e versala con il modello F24; per dubbi prenota un appuntamento all'Ufficio Tributi.",
			Needed:  "La rendita catastale degli immobili.\nLe aliquote deliberate per l'anno.",
			Outcome: "Il versamento dell'imposta dovuta.",
			Timing:  "Acconto entro il 16 giugno, saldo entro il 16 dicembre.",
			Costs:   "Secondo le aliquote deliberate dal Consiglio comunale.",
			Access:  "L'Ufficio Tributi riceve su appuntamento.", Conditions: "Legge 160/2019, commi 739-783, e regolamento comunale IMU.",
			Channel: services.ChannelBooking,
		}},
		{"tecnico", services.Card{
			Slug: "permesso-di-costruire", Title: "Permesso di costruire",
			Summary:  "Chiedere il titolo per nuove costruzioni, ampliamenti e ristrutturazioni edilizie importanti.",
			Category: "catasto-e-urbanistica", Topics: []string{"urbanizzazione"}, Audiences: []services.Audience{services.AudienceCitizens, services.AudienceProfessions, services.AudienceBusinesses},
			WhoFor:  "Ai proprietari degli immobili e a chi ne ha titolo, tramite un tecnico abilitato.",
			HowTo:   "Il tecnico incaricato presenta la pratica allo Sportello unico per l'edilizia, con il progetto e gli allegati richiesti.",
			Needed:  "Il progetto firmato da un tecnico abilitato.\nIl titolo di proprietà.\nLe ricevute dei diritti di segreteria.",
			Outcome: "Il permesso di costruire.",
			Timing:  "L'ufficio conclude l'istruttoria entro 60 giorni dalla domanda completa.",
			Costs:   "Diritti di segreteria da 100 € a 500 €; contributo di costruzione secondo le tabelle comunali.",
			Access:  "La pratica si presenta allo sportello dell'Ufficio Tecnico, su appuntamento.", Conditions: "D.P.R. 380/2001 (Testo unico dell'edilizia) e regolamento edilizio comunale.",
			Channel: services.ChannelInPerson, MaxResponseDays: 60,
		}},
		{"urp", services.Card{
			Slug: "occupazione-suolo-pubblico", Title: "Occupazione di suolo pubblico",
			Summary:  "Chiedere l'autorizzazione a occupare una strada, una piazza o un marciapiede per lavori, dehors o manifestazioni.",
			Category: "autorizzazioni", Topics: []string{"commercio-al-minuto", "tempo-libero"}, Audiences: []services.Audience{services.AudienceCitizens, services.AudienceBusinesses, services.AudienceAssociations},
			WhoFor:  "A cittadini, imprese e associazioni che devono occupare temporaneamente o stabilmente uno spazio pubblico.",
			HowTo:   "Presenta la domanda allo sportello almeno 15 giorni prima dell'occupazione, con la planimetria dello spazio.",
			Needed:  "La planimetria con le misure dell'occupazione.\nLe date e gli orari.\nPer i lavori: il titolo edilizio.",
			Outcome: "La concessione, con il canone da pagare.",
			Timing:  "L'ufficio risponde entro 15 giorni.",
			Costs:   "Canone unico patrimoniale secondo la zona, la superficie e la durata.",
			Access:  "La domanda si presenta allo sportello.", Conditions: "Regolamento comunale per il canone unico patrimoniale (legge 160/2019).",
			Channel: services.ChannelInPerson, MaxResponseDays: 15,
		}},
		{"sociale", services.Card{
			Slug: "assistenza-domiciliare", Title: "Assistenza domiciliare",
			Summary:  "Aiuto a casa per le persone anziane o con disabilità che non sono del tutto autosufficienti.",
			Category: "salute-benessere-e-assistenza", Topics: []string{"assistenza-sociale", "assistenza-agli-invalidi"}, Audiences: citizens(),
			WhoFor:  "Alle persone residenti anziane o con disabilità e alle loro famiglie.",
			HowTo:   "Prenota un colloquio con l'assistente sociale, che valuta il bisogno e concorda il piano di assistenza.",
			Needed:  "L'attestazione ISEE.\nLa documentazione sanitaria, se disponibile.",
			Outcome: "Un piano di assistenza a domicilio: cura della persona, pasti, compagnia e piccole commissioni.",
			Timing:  "Il colloquio si fissa entro 10 giorni; il servizio parte entro 30 giorni dalla valutazione.",
			Costs:   "Una quota oraria secondo l'ISEE, da 0 € a 12 € all'ora.",
			Access:  "Il servizio si richiede su appuntamento con l'assistente sociale.", Conditions: "Legge 328/2000 e regolamento comunale dei servizi sociali.",
			Channel: services.ChannelBooking, MaxResponseDays: 30,
		}},
		{"urp", services.Card{
			Slug: "iscrizione-biblioteca", Title: "Iscrizione alla biblioteca civica",
			Summary:  "Iscriversi alla biblioteca per prendere in prestito libri, film e riviste e usare la biblioteca digitale.",
			Category: "cultura-e-tempo-libero", Topics: []string{"tempo-libero", "patrimonio-culturale"}, Audiences: citizens(),
			WhoFor:  "A tutte le persone, residenti e non; i minori di 14 anni con un genitore.",
			HowTo:   "Presentati al bancone della biblioteca con un documento d'identità.",
			Needed:  "Un documento d'identità.",
			Outcome: "La tessera della biblioteca, valida in tutta la rete bibliotecaria provinciale.",
			Timing:  "Subito, negli orari di apertura della biblioteca.",
			Access:  "Il servizio si richiede di persona, in biblioteca.", Conditions: "Regolamento della biblioteca civica.",
			Channel: services.ChannelInPerson,
		}},
		{"polizia", services.Card{
			Slug: "contrassegno-disabili", Title: "Contrassegno di parcheggio per persone con disabilità",
			Summary:  "Il contrassegno europeo che permette di parcheggiare negli spazi riservati e di entrare nella ZTL.",
			Category: "mobilita-e-trasporti", Topics: []string{"parcheggi", "assistenza-agli-invalidi"}, Audiences: citizens(),
			WhoFor:  "Alle persone con capacità di deambulazione sensibilmente ridotta e alle persone non vedenti.",
			HowTo:   "Presenta la domanda alla Polizia Locale con il certificato dell'ufficio medico-legale dell'ASL.",
			Needed:  "Il certificato medico-legale.\nUna fototessera.\nUn documento d'identità.",
			Outcome: "Il contrassegno, valido in tutta l'Unione europea.",
			Timing:  "Il contrassegno è rilasciato entro 15 giorni e vale 5 anni.",
			Access:  "Il servizio si richiede allo sportello della Polizia Locale.", Conditions: "Codice della strada, art. 188, e D.P.R. 495/1992, art. 381.",
			Channel: services.ChannelInPerson, MaxResponseDays: 15,
		}},
		{"turismo", services.Card{
			Slug: "tesserino-pesca", Title: "Licenza di pesca sportiva",
			Summary:  "Informazioni per ottenere la licenza di pesca nelle acque interne.",
			Category: "agricoltura-e-pesca", Topics: []string{"pesca", "tempo-libero"}, Audiences: citizens(),
			WhoFor:  "A chi vuole pescare nelle acque interne della regione.",
			HowTo:   "La licenza si chiede alla Regione; il Comune dà informazioni e aiuta a compilare la domanda.",
			Needed:  "La ricevuta del versamento della tassa regionale.",
			Outcome: "La licenza di pesca.",
			Timing:  "La licenza vale 10 anni, con la tassa annuale pagata.",
			Costs:   "La tassa regionale annuale, secondo le tariffe della Regione.",
			Access:  "Le informazioni si chiedono allo sportello.", Conditions: "Legge regionale sulla pesca nelle acque interne.",
			Channel: services.ChannelInPerson,
			Status:  services.StatusSuspended, StatusReason: "Le domande sono sospese fino all'approvazione del nuovo calendario regionale della pesca.",
		}},
	}
}

// loadServices gives a demo comune its extra office for schools, its service cards
// (published) and puts the demo operator in the offices of the online services.
func loadServices(ctx context.Context, d Deps, tenantID int64, slug string, offices []accounts.Office, operatorID int64) error {
	byName := map[string]accounts.Office{}
	for _, o := range offices {
		byName[o.Name] = o
	}
	roles := officeRoles[slug]
	for _, role := range []string{"scuola", "sociale"} {
		name := roles[role]
		if _, ok := byName[name]; ok {
			continue
		}
		o := accounts.Office{TenantID: tenantID, Name: name,
			Description:  "Iscrizioni ai servizi scolastici (mensa, trasporto, pre e post scuola) e contributi per il diritto allo studio.",
			Email:        "scuola@comune." + slug + ".example",
			Address:      offices[0].Address,
			OpeningHours: "Lunedì, mercoledì e venerdì 9:00–12:00",
		}
		if err := d.Accounts.SaveOffice(ctx, &o); err != nil {
			return fmt.Errorf("demo office %s: %w", name, err)
		}
		byName[name] = o
	}
	if operatorID != 0 {
		seen := map[int64]bool{}
		for _, role := range onlineOffices {
			o := byName[roles[role]]
			if seen[o.ID] {
				continue
			}
			seen[o.ID] = true
			members, err := d.Accounts.OfficeMemberIDs(ctx, tenantID, o.ID)
			if err != nil {
				return err
			}
			if err := d.Store.SetOfficeMembers(ctx, tenantID, o.ID, append(members, operatorID)); err != nil {
				return err
			}
		}
	}
	for _, dc := range demoCards() {
		c := dc.card
		c.TenantID = tenantID
		c.OfficeID = byName[roles[dc.office]].ID
		if c.Status == "" {
			c.Status = services.StatusActive
		}
		if err := d.Services.Save(ctx, &c); err != nil {
			return fmt.Errorf("demo card %s: %w", c.Slug, err)
		}
		if err := d.Services.SetPublished(ctx, tenantID, c.ID, true); err != nil {
			return err
		}
	}
	return nil
}
