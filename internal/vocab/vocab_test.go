package vocab

import "testing"

func TestVocabularies(t *testing.T) {
	if len(Topics) != 64 || len(ServiceCategories) != 15 {
		t.Fatalf("%d topics, %d categories", len(Topics), len(ServiceCategories))
	}
	seen := map[string]bool{}
	for _, tp := range Topics {
		if tp.Slug == "" || seen[tp.Slug] {
			t.Errorf("topic %q: empty or duplicate slug %q", tp.Label, tp.Slug)
		}
		seen[tp.Slug] = true
	}
	for slug, label := range map[string]string{"accesso-all-informazione": "Accesso all'informazione", "mobilita-sostenibile": "Mobilità sostenibile", "ztl": "ZTL", "covid-19": "Covid-19"} {
		if tp, ok := TopicBySlug(slug); !ok || tp.Label != label {
			t.Errorf("TopicBySlug(%s) = %+v", slug, tp)
		}
	}
	if c, ok := CategoryBySlug("tributi-finanze-e-contravvenzioni"); !ok || c.Label != "Tributi, finanze e contravvenzioni" {
		t.Errorf("category: %+v", c)
	}
	for _, c := range ServiceCategories {
		if Slugify(c.Label) != c.Slug {
			t.Errorf("category %q has slug %q, Slugify gives %q", c.Label, c.Slug, Slugify(c.Label))
		}
	}
}
