// Command search measures the site search at the scale of a consortium: it indexes
// -docs documents spread over -tenants comuni, then runs queries of one to three
// words for a random comune from -c concurrent clients and reports throughput and
// latency percentiles, next to a baseline measured in the same run on the same
// database: fetching one indexed document by its key.
//
//	go run ./bench/search                                   # SQLite, 1,000,000 documents, 171 comuni
//	go run ./bench/search -pg postgres://… -docs 1000000    # PostgreSQL (a fresh schema)
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"piazza/bench/internal/benchdb"
	"piazza/internal/search"
	"piazza/internal/store"
	"piazza/internal/tenants"
)

func main() {
	docs := flag.Int("docs", 1_000_000, "documents to index")
	nt := flag.Int("tenants", 171, "comuni")
	conc := flag.Int("c", 8, "concurrent clients")
	dur := flag.Duration("d", 15*time.Second, "duration of each measurement")
	pg := flag.String("pg", "", "PostgreSQL URL (empty: SQLite in a temporary directory)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the search measurement to this file")
	flag.Parse()
	ctx := context.Background()

	opts, cleanup, err := benchdb.Options(*pg, "search", *conc+2)
	check(err)
	defer cleanup()
	db, err := store.Open(ctx, opts)
	check(err)
	defer db.Close()
	_, err = db.Migrate(ctx)
	check(err)

	ids := make([]int64, *nt)
	for i := range ids {
		t := tenants.Tenant{Slug: fmt.Sprintf("comune%03d", i), Name: fmt.Sprintf("Comune %03d", i), Kind: tenants.KindComune,
			PrimaryColor: "#0066CC", Status: tenants.StatusActive, Hosts: []tenants.Host{{Name: fmt.Sprintf("c%03d.example.it", i), Kind: tenants.HostSite}}}
		check(db.CreateTenant(ctx, &t))
		ids[i] = t.ID
	}
	s := search.New(db)
	zipf := rand.NewZipf(rand.New(rand.NewPCG(3, 4)), 1.1, 20, uint64(len(words)-1))
	sentence := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = words[zipf.Uint64()]
		}
		return strings.Join(w, " ")
	}
	kinds := []search.Kind{search.KindNews, search.KindEvent, search.KindPlace, search.KindService, search.KindDocument, search.KindPage}
	topics := []string{"istruzione", "mobilita-sostenibile", "tempo-libero", "assistenza-sociale", "ambiente", "turismo", "residenza", "imposte"}
	start := time.Now()
	const batch = 2000
	for done := 0; done < *docs; {
		n := min(batch, *docs-done)
		check(db.Atomic(ctx, func(ctx context.Context) error {
			for i := range n {
				k := done + i
				d := search.Document{TenantID: ids[k%len(ids)], Kind: kinds[k%len(kinds)], RefID: fmt.Sprint(k), Title: sentence(6),
					Summary: sentence(15), Body: sentence(60), URL: fmt.Sprintf("/x/%d", k), Topics: []string{topics[k%len(topics)]},
					PublishedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(k) * time.Minute)}
				if err := s.Index(ctx, d); err != nil {
					return err
				}
			}
			return nil
		}))
		done += n
		if done%100_000 == 0 {
			fmt.Fprintf(os.Stderr, "indexed %d documents (%.0f/s)\n", done, float64(done)/time.Since(start).Seconds())
		}
	}
	indexTime := time.Since(start)

	fmt.Printf("%s: %d documents over %d comuni indexed in %s (%.0f documents/s)\n", db.Dialect(), *docs, *nt, indexTime.Round(time.Second), float64(*docs)/indexTime.Seconds())
	base := measure(*conc, *dur, func(r *rand.Rand) error {
		k := r.IntN(*docs)
		var title string
		return store.QueryRowRaw(ctx, db, "SELECT title FROM search_docs WHERE tenant_id = ? AND kind = ? AND ref_id = ?", ids[k%len(ids)], kinds[k%len(kinds)], fmt.Sprint(k)).Scan(&title)
	})
	report("baseline: one document by its key", base, base)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	res := measure(*conc, *dur, func(r *rand.Rand) error {
		n := 1 + r.IntN(3)
		q := make([]string, n)
		for i := range q {
			q[i] = words[r.IntN(300)] // the 300 most frequent words: the slowest queries
		}
		_, err := s.Search(ctx, ids[r.IntN(len(ids))], search.Query{Text: strings.Join(q, " ")})
		return err
	})
	report("search: 1–3 frequent words, one comune, facets, first page", res, base)
}

type result struct {
	n         int
	elapsed   time.Duration
	latencies []time.Duration
}

func measure(conc int, d time.Duration, op func(r *rand.Rand) error) result {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for c := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 99))
			var mine []time.Duration
			for time.Since(start) < d {
				t := time.Now()
				check(op(r))
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(all)
	return result{n: len(all), elapsed: time.Since(start), latencies: all}
}

func report(label string, r, base result) {
	pct := func(p float64) time.Duration { return r.latencies[int(float64(len(r.latencies)-1)*p)] }
	qps := float64(r.n) / r.elapsed.Seconds()
	bq := float64(base.n) / base.elapsed.Seconds()
	fmt.Printf("  %-60s %9.0f/s  ratio %.2f  p50 %7.2f ms  p99 %7.2f ms\n", label, qps, qps/bq,
		float64(pct(0.5).Microseconds())/1000, float64(pct(0.99).Microseconds())/1000)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// words is the vocabulary of the synthetic documents: words of a comune's website,
// most frequent first (the generator draws them with a Zipf distribution).
var words = strings.Fields(`comune servizio cittadini ufficio domanda anno giorni scuola via piazza evento mercato residenti
	bambini famiglie contributo bando orari apertura sindaco consiglio giunta delibera avviso notizia comunicato progetto lavori strada
	parcheggio biblioteca museo teatro festa sagra concerto mostra sport palestra piscina parco giardino verde rifiuti raccolta differenziata
	acqua energia illuminazione sicurezza polizia locale protezione civile emergenza anziani disabili assistenza sociale salute sanità
	farmacia ospedale ambulatorio vaccinazione trasporto autobus treno stazione bicicletta pista ciclabile mobilità traffico ztl permesso
	autorizzazione licenza certificato anagrafe residenza carta identità elettronica matrimonio nascita cittadinanza elezioni voto seggio
	tributi imu tari tassa pagamento scadenza rimborso agevolazione isee reddito lavoro impresa commercio negozio artigiano suap agricoltura
	turismo turisti spiaggia mare montagna collina fiume lago sentiero escursione cultura storia chiesa castello villa palazzo monumento
	archivio documento regolamento statuto bilancio trasparenza concorso graduatoria assunzione personale dirigente responsabile
	iscrizione mensa refezione trasporto scolastico asilo nido materna primaria secondaria studenti insegnanti corso formazione
	volontariato associazione pro loco comitato quartiere frazione località territorio ambiente clima inquinamento aria rumore
	cantiere manutenzione asfaltatura marciapiede fognatura acquedotto gas rete internet wifi digitale spid cie app online sportello
	telefono email pec indirizzo appuntamento prenotazione modulo allegato firma protocollo pratica istanza richiesta risposta esito
	ricorso reclamo segnalazione disservizio buca lampione albero potatura neve ghiaccio allerta meteo temporale alluvione frana
	incendio soccorso cane gatto animali canile randagio veterinario cimitero loculo concessione lampada votiva funerale defunti
	natale pasqua estate inverno primavera autunno gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre
	dicembre lunedì martedì mercoledì giovedì venerdì sabato domenica mattina pomeriggio sera notte settimana mese oggi domani
	nuovo nuova aperto aperta chiuso chiusa gratuito gratuita pubblico pubblica comunale regionale provinciale nazionale europeo
	bonus incentivo finanziamento pnrr fondi investimento riqualificazione rigenerazione urbana edilizia urbanistica piano regolatore
	catasto terreno fabbricato casa abitazione affitto locazione alloggio popolare sfratto emergenza abitativa giovani donne uomini`)
