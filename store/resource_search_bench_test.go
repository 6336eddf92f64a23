package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store"
)

// The generated library reads like natural text: a Zipf distribution over a vocabulary
// whose most frequent words are function words ("the", "and"), with the topical words a
// library is searched for further down (each in a few percent of the resources, as in a
// real one) and made-up words as the long tail.
var (
	benchFunctionWords = strings.Fields(`the and to of a in you it is that for your can with be this on when
		what or if as at i my me we are not have do so about but just one more some`)
	benchTopicWords = strings.Fields(`sleep breathe breath breathing calm anxiety panic craving cravings urge
		urges walk walking goal goals plan friend friends group support provider medication notes journal
		morning evening night routine gentle safe safety crisis recovery relapse setback progress strength
		gratitude water food move rest pause notice minutes hard moment reach talk listen share appointment
		side effects dose change stop start feedback trust hope honest practice skill resilience connection`)
)

// seedBenchLibrary writes n generated published resources in one transaction.
func seedBenchLibrary(b *testing.B, st *store.Store, n int) {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	vocab := slices.Clone(benchFunctionWords)
	for i := range 5000 {
		vocab = append(vocab, fmt.Sprintf("w%04dx", i))
	}
	// Topical words take ranks from 300 to 3,000: each then turns up in a few percent of the
	// resources (the benchmark logs how many each query finds).
	for i, w := range benchTopicWords {
		at := 300 + i*2700/len(benchTopicWords)
		vocab = slices.Insert(vocab, at, w)
	}
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1))
	words := func(k int) string {
		out := make([]string, k)
		for i := range out {
			out[i] = vocab[zipf.Uint64()]
		}
		return strings.Join(out, " ")
	}
	now := time.Now().UnixMilli()
	err := st.InTx(context.Background(), func(tx *sql.Tx) error {
		ins, err := tx.Prepare(`INSERT INTO resources (slug, title, summary, body, category, tags, status, created_at, updated_at, helped_count)
			VALUES (?, ?, ?, ?, ?, ?, 'published', ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for i := range n {
			cat := store.Categories[i%len(store.Categories)].Slug
			if _, err := ins.Exec(fmt.Sprintf("bench-%05d", i), words(5), words(20), words(150+r.IntN(250)), cat,
				words(3), now-int64(i)*1000, now, r.IntN(50)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSearchResources times SearchResources over 10,000 generated resources (150–400
// words each), first page of 12 with snippets, and reports the p50 and p99 of one search:
//
//   - mix: what members search for, in turn: a topical word, a rarer one, two words, a
//     phrase, a prefix, a word in a third of the library, one with a category, one sorted
//     by most helpful, one that finds nothing;
//   - every-resource: the worst case, a word in every resource ("the" alone; beside other
//     words it is dropped as a stop word).
//
// The library is generated once; the sub-benchmarks share it. It logs how many resources
// each query of the mix finds.
func BenchmarkSearchResources(b *testing.B) {
	st := open(b)
	seedBenchLibrary(b, st, 10000)
	ctx := context.Background()
	mix := []store.SearchQuery{
		{Text: "sleep"},
		{Text: "cravings"},
		{Text: "calm breathing"},
		{Text: `"side effects"`},
		{Text: "walk*"},
		{Text: "w0042x"},
		{Text: "provider", Category: "care-team"},
		{Text: "night", Sort: store.SortHelpful},
		{Text: "zzzznothing"},
	}
	for i := range mix {
		mix[i].PerPage = 12
		res, err := st.SearchResources(ctx, mix[i]) // also warms the statement cache
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%-12q finds %5d", mix[i].Text, res.Total)
	}
	run := func(queries []store.SearchQuery) func(*testing.B) {
		return func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if _, err := st.SearchResources(ctx, queries[i%len(queries)]); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		}
	}
	b.Run("mix", run(mix))
	b.Run("every-resource", run([]store.SearchQuery{{Text: "the", PerPage: 12}}))
}
