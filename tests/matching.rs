//! Matching: surface forms read from a real store, lexical and (with the installed model)
//! hybrid ranking, the evaluation on a crosswalk, `/api/match` over the app factory, and a
//! matcher that follows writes to the store.

use actix_web::http::{header, StatusCode};
use actix_web::test::TestRequest;
use esco_ld::concept::Class;
use esco_ld::concept::Target;
use esco_ld::lab::eval::{self, Options};
use esco_ld::matching::setup::{self, ModelChoice};
use esco_ld::matching::{Input, Matcher};
use esco_ld::store::forms::{FormKind, Forms};

use crate::common::{
    fixture, fixture_store, installed_model, lexical_config, static_model, TestApp,
};

const DEVELOPER: &str =
    "http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1";
const ANALYST: &str = "http://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86";
const TOKEN: &str = "a-test-token-of-some-length";

fn input(text: &str, target: Target) -> Input {
    Input {
        text: text.into(),
        description: None,
        language: None,
        target,
        k: 5,
        label_language: None,
    }
}

/// The matcher over every label of `store`, its side-index in `index`.
fn open_all(
    store: &oxigraph::store::Store,
    index: &std::path::Path,
    model: &ModelChoice,
) -> (Matcher, setup::SetupReport) {
    setup::matcher(store, None, index, model, &setup::Scope::all(), &|_, _| {}).unwrap()
}

/// The staged matcher over every label of `store`, its side-index in `index`.
fn open_staged(
    store: &oxigraph::store::Store,
    index: &std::path::Path,
    model: &ModelChoice,
) -> Result<Matcher, esco_ld::matching::MatchError> {
    setup::staged(store, None, index, model, &setup::Scope::all(), &|_, _| {}).map(|(m, _)| m)
}

#[test]
fn surface_forms_of_the_fixture() {
    let (_tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let forms = Forms::read(&store).unwrap();
    let occupations = forms
        .concepts
        .iter()
        .filter(|c| c.class == Class::Occupation)
        .count();
    assert_eq!(occupations, 9);
    let dev = forms
        .concepts
        .iter()
        .position(|c| c.iri.as_str() == DEVELOPER)
        .unwrap();
    let concept = &forms.concepts[dev];
    assert_eq!(concept.label("en"), Some("software developer"));
    assert_eq!(concept.isco.as_deref(), Some("2512"));
    let of_dev: Vec<_> = forms
        .forms
        .iter()
        .filter(|f| f.concept as usize == dev)
        .collect();
    assert!(of_dev
        .iter()
        .any(|f| f.kind == FormKind::Alternative && f.text == "programmer" && f.lang == "en"));
    assert!(of_dev
        .iter()
        .any(|f| f.kind == FormKind::Preferred && f.lang == "fr"));
    assert!(of_dev.iter().any(|f| f.kind == FormKind::Description));
    // Mapping triples are never surface forms: O*NET titles name no ESCO concept.
    assert!(!forms
        .forms
        .iter()
        .any(|f| f.text == "Software Developers" && f.kind == FormKind::Preferred));
    // The fingerprint is a function of the content.
    assert_eq!(Forms::read(&store).unwrap().fingerprint, forms.fingerprint);
}

#[test]
fn lexical_ranking_targets_and_languages() {
    let (_tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let matcher = Matcher::lexical(Forms::read(&store).unwrap());
    let found = matcher
        .search(&input("Software Developer", Target::Occupations))
        .unwrap();
    assert_eq!(found.method, "lexical");
    assert_eq!(found.candidates[0].uri, DEVELOPER);
    assert!((found.candidates[0].score - 1.0).abs() < 1e-4);
    assert!(found
        .candidates
        .windows(2)
        .all(|w| w[0].score >= w[1].score && w[1].score >= 0.0));
    // A typo still finds it.
    let found = matcher
        .search(&input("sofware analist", Target::Occupations))
        .unwrap();
    assert_eq!(found.candidates[0].uri, ANALYST);
    // Skills only when skills are asked for.
    let found = matcher.search(&input("software", Target::Skills)).unwrap();
    assert!(!found.candidates.is_empty());
    assert!(found
        .candidates
        .iter()
        .all(|c| c.uri.contains("/esco/skill/")));
    // French labels only.
    let mut fr = input("développeur de logiciels", Target::Occupations);
    fr.label_language = Some("fr".into());
    let found = matcher.search(&fr).unwrap();
    assert!(found.candidates.iter().all(|c| c.matched_language == "fr"));
    // Bad input.
    assert!(matcher.search(&input("  ", Target::Any)).is_err());
    let mut k0 = input("nurse", Target::Any);
    k0.k = 0;
    assert!(matcher.search(&k0).is_err());
    assert!("planets".parse::<Target>().is_err());
    // Several targets at once: ESCO's occupation pillar.
    let pillar = "occupations, isco-groups".parse::<Target>().unwrap();
    assert_eq!(
        pillar,
        Target::Union(vec![Target::Occupations, Target::IscoGroups])
    );
    assert_eq!(
        "skills,skills".parse::<Target>().unwrap(),
        Target::Skills,
        "a repeated part is one target"
    );
    assert!("occupations,".parse::<Target>().is_err());
    assert!("occupations,planets".parse::<Target>().is_err());
    let found = matcher.search(&input("software", pillar.clone())).unwrap();
    let concepts = &matcher.forms().concepts;
    let index = matcher.concept_index();
    let classes: std::collections::HashSet<Class> = found
        .candidates
        .iter()
        .map(|c| concepts[index[c.uri.as_str()] as usize].class)
        .collect();
    assert!(!classes.is_empty());
    assert!(
        classes
            .iter()
            .all(|c| matches!(c, Class::Occupation | Class::IscoGroup)),
        "{classes:?}"
    );
    // In the pillar an ISCO group is reached through its occupations: it follows the best of
    // them found, at 0.9 of its score, and says which.
    let by_uri = |uri: &str| &concepts[index[uri] as usize];
    let found = matcher
        .search(&input("software developer", pillar.clone()))
        .unwrap();
    let groups: Vec<_> = found
        .candidates
        .iter()
        .filter(|c| by_uri(&c.uri).class == Class::IscoGroup)
        .collect();
    assert!(!groups.is_empty(), "{found:?}");
    for g in &groups {
        let via = g
            .via
            .as_deref()
            .expect("a group says which occupation led to it");
        let member = found.candidates.iter().find(|c| c.uri == via).unwrap();
        assert_eq!(by_uri(via).class, Class::Occupation);
        assert_eq!(member.isco, g.isco, "the group is the occupation's own");
        assert!((g.score - 0.9 * member.score).abs() < 1e-6);
        assert_eq!(g.matched, member.matched);
    }
    assert_eq!(found.candidates[0].uri, DEVELOPER);
    assert!(found
        .candidates
        .windows(2)
        .all(|w| w[0].score >= w[1].score));
    assert!(found
        .candidates
        .iter()
        .all(|c| c.via.is_none() || by_uri(&c.uri).class == Class::IscoGroup));
    // A group without occupations in the store is not reached through the pillar, but is by
    // its own labels when groups alone are asked for.
    let members: std::collections::HashSet<&str> = concepts
        .iter()
        .filter(|c| c.class == Class::Occupation)
        .filter_map(|c| c.isco.as_deref())
        .collect();
    let lonely = concepts
        .iter()
        .find(|c| {
            c.class == Class::IscoGroup
                && c.label("en").is_some()
                && !c.isco.as_deref().is_some_and(|code| members.contains(code))
        })
        .unwrap();
    let label = lonely.label("en").unwrap();
    let mut all = input(label, pillar);
    all.k = 100;
    let found = matcher.search(&all).unwrap();
    assert!(found
        .candidates
        .iter()
        .all(|c| c.uri != lonely.iri.as_str()));
    let found = matcher.search(&input(label, Target::IscoGroups)).unwrap();
    assert_eq!(found.candidates[0].uri, lonely.iri.as_str(), "{label}");
    assert!(found.candidates[0].via.is_none());
}

#[test]
fn preferred_labels_first_and_exclusion_clauses_left_out() {
    let (_tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    // The analyst (its IRI sorts first) gets the developer's preferred label as an alternative.
    store
        .update(&format!(
            "INSERT DATA {{ GRAPH <http://data.europa.eu/esco/graph/v1.1.1> {{ <{ANALYST}> <http://www.w3.org/2004/02/skos/core#altLabel> \"software developer\"@en }} }}"
        ))
        .unwrap();
    assert!(ANALYST < DEVELOPER);
    let matcher = Matcher::lexical(Forms::read(&store).unwrap());
    let found = matcher
        .search(&input("software developer", Target::Occupations))
        .unwrap();
    assert_eq!(found.candidates[0].uri, DEVELOPER, "{found:?}");
    assert_eq!(found.candidates[1].uri, ANALYST, "{found:?}");
    assert_eq!(found.candidates[1].matched, "software developer");
    assert!(found.candidates[1].score < found.candidates[0].score);
    // What a title excludes is not matched; the answer still names the whole title.
    let title = "Software Developer, Except Systems Analysts";
    let found = matcher.search(&input(title, Target::Occupations)).unwrap();
    assert_eq!(found.text, title);
    assert_eq!(found.candidates[0].uri, DEVELOPER, "{found:?}");
    assert!(found.candidates[0].score > 0.99, "{found:?}");
}

#[test]
fn evaluation_on_the_fixture_crosswalk() {
    let (_tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let matcher = Matcher::lexical(Forms::read(&store).unwrap());
    let (queries, language) =
        eval::crosswalk_queries(&fixture("crosswalks/onet_esco_crosswalk_subset.csv")).unwrap();
    assert_eq!(language, "en");
    assert!(queries.iter().all(|q| !q.gold.is_empty()));
    let options = Options {
        with_description: false,
        relations: Default::default(),
        esco_language: None,
        target: Target::Occupations,
        language: Some("en".into()),
        reachable_only: false,
    };
    let report = eval::evaluate(&matcher, &queries, &options, &|_, _| {}).unwrap();
    let o = &report.overall;
    assert!(o.queries > 0 && o.queries + report.skipped <= queries.len());
    // O*NET maps to occupations: every counted query can be answered.
    assert_eq!(report.unreachable, 0);
    assert!(o.mrr > 0.3 && o.mrr <= 1.0, "{o:?}");
    assert!(o.top_1 <= o.top_2 && o.top_2 <= o.top_3 && o.top_10 <= o.top_30);
    // Every counted query's outcome, agreeing with the figures.
    assert_eq!(report.ranked.len(), o.queries);
    let firsts = report.ranked.iter().filter(|r| r.rank == Some(1)).count();
    assert!((firsts as f64 / o.queries as f64 - o.top_1).abs() < 1e-9);
    for r in &report.ranked {
        if let Some(rank) = r.rank {
            assert!(r.gold.contains(&r.found[rank - 1]), "{r:?}");
            assert!(r.found[..rank - 1].iter().all(|u| !r.gold.contains(u)));
        } else {
            assert!(r.found.iter().all(|u| !r.gold.contains(u)), "{r:?}");
        }
    }
    let mut tsv = Vec::new();
    report.write_ranks(&mut tsv).unwrap();
    let tsv = String::from_utf8(tsv).unwrap();
    let lines: Vec<&str> = tsv.lines().collect();
    assert_eq!(lines[0], "id\ttext\trank\tgold\tfound");
    assert_eq!(lines.len(), o.queries + 1);
    assert!(
        lines[1..].iter().all(|l| l.split('\t').count() == 5),
        "{tsv}"
    );
    // Per relation: only the queries with such a gold answer.
    let per: usize = report.by_relation.values().map(|f| f.queries).sum();
    assert!(per >= o.queries);
    let json = serde_json::to_value(&report).unwrap();
    for key in [
        "mrr",
        "top_1",
        "top_2",
        "top_3",
        "top_5",
        "top_10",
        "top_20",
        "top_30",
        "queries",
        "queries_per_s",
    ] {
        assert!(json["overall"].get(key).is_some(), "{key}");
    }
    // Narrowing the relations narrows the gold.
    let exact = eval::evaluate(
        &matcher,
        &queries,
        &Options {
            relations: [esco_ld::load::crosswalk::table::MatchKind::Exact].into(),
            ..options
        },
        &|_, _| {},
    )
    .unwrap();
    assert!(exact.overall.queries < o.queries);
    assert_eq!(exact.by_relation.len(), 1);
}

/// The fast first stage: the static model shipped in `data/models/` over every label of the
/// fixture, built, reopened from its files, and brought in step after a label is added.
#[test]
fn fast_first_stage_with_the_shipped_static_model() {
    let fast = ModelChoice::Dir(static_model());
    let (tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let index = tmp.path().join("match");
    let (matcher, report) = open_all(&store, &index, &fast);
    let built = report.dense.unwrap();
    assert!(
        built.embedded > 0 && built.added == built.forms,
        "{built:?}"
    );
    assert_eq!(matcher.method(), "fast");
    let found = matcher
        .search(&input("software developer", Target::Occupations))
        .unwrap();
    assert_eq!(found.method, "fast");
    assert_eq!(found.candidates[0].uri, DEVELOPER, "{found:?}");
    for c in &found.candidates {
        let dense = c.dense.expect("a dense part");
        assert!(
            (0.0..=1.0).contains(&dense) && (0.0..=1.0).contains(&c.score),
            "{c:?}"
        );
    }
    // The plain graph search filtered after (most forms accepted) and usearch's filtered
    // search (few accepted) agree: the nearest accepted forms, nearest first.
    let semantic = matcher.semantic.as_ref().unwrap();
    let q = semantic
        .encoder
        .embed(&["data analyst"], esco_ld::embed::Kind::Query)
        .unwrap()
        .remove(0);
    let is_occupation = |f: u32| {
        let form = &matcher.forms().forms[f as usize];
        matcher.forms().concepts[form.concept as usize].is_in(&Target::Occupations)
    };
    let plain = semantic.dense.search(&q, 6, is_occupation, 1.0).unwrap();
    let filtered = semantic.dense.search(&q, 6, is_occupation, 0.0).unwrap();
    assert!(
        !plain.is_empty() && filtered.len() == 6,
        "{plain:?} {filtered:?}"
    );
    assert!(plain.iter().all(|(f, _)| is_occupation(*f)), "{plain:?}");
    assert!(plain.windows(2).all(|w| w[0].1 >= w[1].1), "{plain:?}");
    assert_eq!(plain[..], filtered[..plain.len()]);
    // Reopened: nothing embedded, nothing added.
    let (_, again) = open_all(&store, &index, &fast);
    let again = again.dense.unwrap();
    assert_eq!((again.embedded, again.added, again.removed), (0, 0, 0));
    assert_eq!(again.forms, built.forms);
    // A new label: embedded and added, nothing else touched.
    store
        .update(&format!(
            "INSERT DATA {{ GRAPH <http://data.europa.eu/esco/graph/v1.1.1> {{ <{ANALYST}> <http://www.w3.org/2004/02/skos/core#altLabel> \"quantum ledger whisperer\"@en }} }}"
        ))
        .unwrap();
    let (matcher, after) = open_all(&store, &index, &fast);
    let after = after.dense.unwrap();
    assert_eq!((after.embedded, after.added, after.removed), (1, 1, 0));
    let found = matcher
        .search(&input("quantum ledger whisperer", Target::Occupations))
        .unwrap();
    assert_eq!(found.candidates[0].uri, ANALYST);
}

/// Many inputs at once, their query vectors embedded ahead in batches, answer as each would
/// alone (to float rounding: a batch pads its shorter texts); an invalid one gets its error in
/// its place.
fn search_many_agrees_with_search(matcher: &Matcher) {
    let inputs = vec![
        input("software developer", Target::Occupations),
        input("Softwareentwickler", Target::Occupations),
        input("   ", Target::Occupations),
        input("analyse data and write reports", Target::Any),
        input("software developer", Target::Occupations),
    ];
    let many = matcher.search_many(&inputs).unwrap();
    assert_eq!(many.len(), inputs.len());
    for (one, found) in inputs.iter().zip(&many) {
        match (matcher.search(one), found) {
            (Ok(alone), Ok(batched)) => {
                let uris = |m: &esco_ld::matching::Matches| {
                    m.candidates
                        .iter()
                        .map(|c| c.uri.clone())
                        .collect::<Vec<_>>()
                };
                assert!(!alone.candidates.is_empty(), "{alone:?}");
                assert_eq!(uris(&alone), uris(batched), "{:?}", one.text);
                for (a, b) in alone.candidates.iter().zip(&batched.candidates) {
                    assert!((a.score - b.score).abs() < 1e-3, "{a:?} {b:?}");
                }
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            (a, b) => panic!("{:?}: alone {a:?}, batched {b:?}", one.text),
        }
    }
    assert!(many[2].is_err(), "{:?}", many[2]);
}

#[test]
fn search_many_with_the_shipped_static_model() {
    let (tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let (matcher, _) = open_all(
        &store,
        &tmp.path().join("match"),
        &ModelChoice::Dir(static_model()),
    );
    search_many_agrees_with_search(&matcher);
}

/// usearch hands each search one of the threads its index reserved: more searches at once than
/// it reserved failed ("Reserve capacity ahead of searches!"), as a batch's workers did, each
/// matching an ad's pieces on every core.
#[test]
fn more_dense_searches_at_once_than_cores() {
    let (tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let (matcher, _) = open_all(
        &store,
        &tmp.path().join("match"),
        &ModelChoice::Dir(static_model()),
    );
    let inputs: Vec<Input> = ["software developer", "data analyst", "nurse", "cook"]
        .iter()
        .cycle()
        .take(32)
        .map(|t| input(t, Target::Occupations))
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8 * cores)
            .map(|_| scope.spawn(|| matcher.search_many(&inputs)))
            .collect();
        for w in workers {
            for found in w.join().unwrap().unwrap() {
                assert!(!found.unwrap().candidates.is_empty());
            }
        }
    });
}

#[test]
#[ignore = "needs the model: esco-ld model install"]
fn search_many_with_the_installed_model() {
    let (tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let index = tmp.path().join("match");
    let model = ModelChoice::Dir(installed_model());
    let (hybrid, _) = open_all(&store, &index, &model);
    search_many_agrees_with_search(&hybrid);
    let staged = open_staged(&store, &index, &model).unwrap();
    search_many_agrees_with_search(&staged);
}

/// Staged matching without a model: there is nothing to re-score the short list with.
#[test]
fn staged_matching_needs_a_model() {
    let (tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let index = tmp.path().join("match");
    let err = open_staged(&store, &index, &ModelChoice::None).unwrap_err();
    assert!(err.to_string().contains("needs a model"), "{err}");
}

/// Staged: the fast stage with the installed model re-scoring its short list.
#[test]
#[ignore = "needs the model: esco-ld model install"]
fn staged_matching_with_the_installed_model() {
    let model = ModelChoice::Dir(installed_model());
    let (tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let index = tmp.path().join("match");
    let matcher = open_staged(&store, &index, &model).unwrap();
    assert_eq!(matcher.method(), "staged");
    let found = matcher
        .search(&input("Softwareentwickler", Target::Occupations))
        .unwrap();
    assert_eq!(found.method, "staged");
    assert_eq!(found.candidates[0].uri, DEVELOPER, "{found:?}");
    // The model's rescaled cosine and fused score, best first.
    for pair in found.candidates.windows(2) {
        assert!(pair[0].score >= pair[1].score);
    }
    let top = &found.candidates[0];
    let dense = top.dense.unwrap();
    assert!(
        (top.score - (0.8 * dense + 0.2 * top.lexical)).abs() < 1e-4,
        "{top:?}"
    );
    // The model compared the input with every label of the candidate in the input's language
    // (and the form it matched, and its preferred label): `dense` is the nearest one's.
    let encoder = &matcher.short_list.as_ref().unwrap().encoder;
    let lang = found.language.clone().unwrap_or_else(|| "en".into());
    let concept = matcher.concept_index()[DEVELOPER];
    let forms = matcher.forms();
    let mut texts: Vec<&str> = forms
        .forms
        .iter()
        .filter(|f| f.concept == concept && f.kind.is_label() && f.lang == lang)
        .map(|f| f.text.as_str())
        .collect();
    assert!(texts.len() >= 2, "{texts:?}");
    texts.push(&top.matched);
    let pref = forms.concepts[concept as usize]
        .label(&lang)
        .unwrap()
        .to_owned();
    texts.push(&pref);
    // Titles and labels are compared through the adapter shipped for the model (both sides),
    // from the adapter's floor; without one, as the model gives them, from 0.8.
    let query = esco_ld::embed::Kind::Query;
    let q = encoder.adapt(
        query,
        encoder
            .embed(&["Softwareentwickler"], query)
            .unwrap()
            .remove(0),
    );
    let nearest = encoder
        .embed(&texts, query)
        .unwrap()
        .into_iter()
        .map(|v| esco_ld::embed::dot(&q, &encoder.adapt(query, v)))
        .fold(f32::MIN, f32::max);
    let floor = encoder.adapter().map_or(0.8, |a| a.manifest.floor);
    let expected = ((nearest - floor) / (1.0 - floor)).clamp(0.0, 1.0);
    assert!((dense - expected).abs() < 1e-4, "{dense} vs {expected}");
    // A description re-scores the best candidates with the model, not the fast stage's.
    let mut with = input("developer", Target::Occupations);
    with.description = Some(
        "Writes, tests and maintains the source code of computer programs and applications.".into(),
    );
    let described = matcher.search(&with).unwrap();
    let top = &described.candidates[0];
    let sim = top.description.unwrap();
    assert!(sim > 0.0 && sim <= 1.0, "{top:?}");
    // The description similarity is the model's rescaled cosine of the two descriptions.
    let concept = matcher.concept_index()[top.uri.as_str()];
    let theirs = forms
        .forms
        .iter()
        .find(|f| f.concept == concept && f.kind == FormKind::Description && f.lang == "en")
        .unwrap();
    let v = encoder
        .embed(
            &[with.description.as_deref().unwrap(), theirs.text.as_str()],
            esco_ld::embed::Kind::Passage,
        )
        .unwrap();
    // Descriptions are compared unadapted, from the model's own floor.
    let expected = ((esco_ld::embed::dot(&v[0], &v[1]) - 0.8) / 0.2).clamp(0.0, 1.0);
    assert!((sim - expected).abs() < 1e-3, "{sim} vs {expected}");
    // The candidates' vectors are kept: the same search again embeds nothing new.
    let cache = index.join(format!(
        "{}.short-list.vectors",
        matcher.short_list.as_ref().unwrap().encoder.name()
    ));
    let size = std::fs::metadata(&cache).unwrap().len();
    assert!(size > 0);
    matcher
        .search(&input("Softwareentwickler", Target::Occupations))
        .unwrap();
    assert_eq!(std::fs::metadata(&cache).unwrap().len(), size);
}

#[test]
#[ignore = "needs the model: esco-ld model install"]
fn hybrid_matching_with_the_installed_model() {
    let model = ModelChoice::Dir(installed_model());
    let (tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let index = tmp.path().join("match");
    let (matcher, report) = open_all(&store, &index, &model);
    let dense = report.dense.unwrap();
    assert!(dense.embedded > 0 && dense.added > 0);
    assert_eq!(matcher.method(), "hybrid");
    // Across languages: a German title finds the English-labelled occupation.
    let found = matcher
        .search(&input("Softwareentwickler", Target::Occupations))
        .unwrap();
    assert_eq!(found.candidates[0].uri, DEVELOPER, "{found:?}");
    assert!(found.candidates[0].dense.is_some());
    let top = found.candidates[0].score;
    assert!((0.0..=1.0).contains(&top));
    // A description re-scores the best candidates by description similarity.
    let mut with = input("developer", Target::Occupations);
    with.description = Some(
        "Writes, tests and maintains the source code of computer programs and applications.".into(),
    );
    let found = matcher.search(&with).unwrap();
    let described: Vec<_> = found
        .candidates
        .iter()
        .filter_map(|c| c.description)
        .collect();
    assert!(!described.is_empty(), "{found:?}");
    assert!(described.iter().all(|d| (0.0..=1.0).contains(d)));
    assert!(found
        .candidates
        .iter()
        .all(|c| (0.0..=1.0).contains(&c.score)));
    let nurse_first = found.candidates[0].uri.contains("18e14e61");
    assert!(!nurse_first, "{found:?}");
    // A restart reuses the vectors and the graph.
    drop(matcher);
    let (_, again) = open_all(&store, &index, &model);
    let again = again.dense.unwrap();
    assert_eq!((again.embedded, again.added, again.removed), (0, 0, 0));
    assert_eq!(again.forms, dense.forms);
}

/// The service with lexical matching, its side-index beside the store.
fn lexical_app() -> TestApp {
    TestApp::laid_out(lexical_config(None))
}

#[actix_web::test]
async fn api_match_get_post_and_errors() {
    let app = lexical_app();
    let (status, body) = app
        .get_json("/api/match?text=software%20developer&k=3&target=occupations")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["method"], "lexical");
    assert!(body["note"].as_str().unwrap().contains("lexical"));
    let first = &body["candidates"][0];
    assert_eq!(first["uri"], DEVELOPER);
    assert_eq!(first["label"], "software developer");
    assert!(first["matched"].is_string() && first["matched_language"] == "en");
    assert!(first["score"].as_f64().unwrap() > 0.99);
    assert_eq!(body["candidates"].as_array().unwrap().len(), 3);

    let reply = app
        .post(
            "/api/match",
            None,
            "application/json",
            r#"{"inputs": [{"text": "nurse practitioner"}, {"text": "web", "target": "skills", "k": 2}]}"#,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert!(results[0]["candidates"][0]["uri"]
        .as_str()
        .unwrap()
        .contains("/occupation/"));
    // k is the page size: two of the fixture's skills have "web" in a label ("web programming",
    // "World Wide Web Consortium standards").
    assert_eq!(
        results[1]["candidates"].as_array().unwrap().len(),
        2,
        "{body}"
    );

    // Labels in one language only: the French forms, the concept's French label.
    let (status, body) = app
        .get_json("/api/match?text=analyste%20logiciel&esco_language=fr&language=fr")
        .await;
    assert_eq!(status, StatusCode::OK);
    let candidates = body["candidates"].as_array().unwrap();
    assert_eq!(candidates[0]["uri"], ANALYST, "{body}");
    assert!(
        candidates.iter().all(|c| c["matched_language"] == "fr"),
        "{body}"
    );

    for (uri, needle) in [
        ("/api/match", "text"),
        ("/api/match?text=", "text"),
        ("/api/match?text=x&k=0", "k"),
        ("/api/match?text=x&k=-3", "k"),
        ("/api/match?text=x&k=ten", "k"),
        ("/api/match?text=x&target=planets", "target"),
        ("/api/match?text=x&language=english", "language"),
        ("/api/match?text=x&esco_language=fr!", "esco_language"),
        ("/api/match?text=x&colour=red", "colour"),
    ] {
        let (status, body) = app.get_json(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(
            body["message"].as_str().unwrap().contains(needle),
            "{uri}: {body}"
        );
    }
    for payload in [
        "not json".to_owned(),
        r#"{"inputs": []}"#.to_owned(),
        r#"{"inputs": [{"text": "a"}, {"k": 2}]}"#.to_owned(),
        format!("[{}]", vec![r#"{"text":"a"}"#; 1001].join(",")),
    ] {
        let reply = app
            .call(
                TestRequest::post()
                    .uri("/api/match")
                    .set_payload(payload.clone()),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{payload:.60}");
    }
}

/// `/api/match` with the shipped static model: the fast stage ranks, each candidate has its
/// dense part.
#[actix_web::test]
async fn api_match_with_the_shipped_static_model() {
    let app = TestApp::with_model(static_model());
    let (status, body) = app
        .get_json("/api/match?text=software%20developer&target=occupations&k=3")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["method"], "fast", "{body}");
    let candidates = body["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 3, "{body}");
    assert_eq!(candidates[0]["uri"], DEVELOPER, "{body}");
    for c in candidates {
        let dense = c["dense"].as_f64().unwrap_or_else(|| panic!("{c}"));
        assert!((0.0..=1.0).contains(&dense), "{c}");
    }
}

/// `/api/match` with the installed model: hybrid, and a German title finds the developer.
#[actix_web::test]
#[ignore = "needs the model: esco-ld model install"]
async fn api_match_with_the_installed_model() {
    let app = TestApp::with_model(installed_model());
    let (status, body) = app
        .get_json("/api/match?text=Softwareentwickler&target=occupations")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["method"], "hybrid", "{body}");
    assert_eq!(body["candidates"][0]["uri"], DEVELOPER, "{body}");
    assert!(body["candidates"][0]["dense"].is_number(), "{body}");
}

#[actix_web::test]
async fn the_matcher_follows_writes_to_the_store() {
    let app = TestApp::with_layout(TOKEN);
    let ask = |text: &str| {
        format!(
            "/api/match?{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("text", text)
                .finish()
        )
    };
    let (_, before) = app.get_json(&ask("quantum ledger whisperer")).await;
    assert_ne!(before["candidates"][0]["uri"], ANALYST);
    let update = format!(
        "INSERT DATA {{ GRAPH <http://data.europa.eu/esco/graph/v1.1.1> {{ <{ANALYST}> <http://www.w3.org/2004/02/skos/core#altLabel> \"quantum ledger whisperer\"@en }} }}"
    );
    let reply = app.update(Some(TOKEN), &update).await;
    assert!(reply.status.is_success(), "{}", reply.status);
    let (_, after) = app.get_json(&ask("quantum ledger whisperer")).await;
    assert_eq!(after["candidates"][0]["uri"], ANALYST, "{after}");
    assert_eq!(
        after["candidates"][0]["matched"],
        "quantum ledger whisperer"
    );
}

#[actix_web::test]
async fn the_home_page_says_how_matching_works() {
    let app = lexical_app();
    let reply = app.get("/").await;
    assert_eq!(reply.status, StatusCode::OK);
    let before = reply.header(header::ETAG).unwrap().to_owned();
    let html = reply.text();
    assert!(html.contains("action=\"/api/match\""));
    assert!(html.contains("Matching is <b>starting</b>"), "{html}");
    // Once the matcher is built, the page (and its tag) say so.
    assert_eq!(
        app.get("/api/match?text=nurse").await.status,
        StatusCode::OK
    );
    let if_none_match = |etag: &str| {
        TestRequest::get()
            .uri("/")
            .insert_header((header::IF_NONE_MATCH, etag.to_owned()))
    };
    let reply = app.call(if_none_match(&before)).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "the old tag no longer matches"
    );
    let after = reply.header(header::ETAG).unwrap().to_owned();
    assert_ne!(after, before);
    let html = reply.text();
    assert!(html.contains("Matching is <b>lexical</b>"), "{html}");
    let reply = app.call(if_none_match(&after)).await;
    assert_eq!(reply.status, StatusCode::NOT_MODIFIED);
}

/// The forms' snapshot is taken at a store version and used only for that version; a write
/// changes the store's fingerprint (the version `serve` starts from).
#[test]
fn forms_snapshot_follows_the_store_version() {
    let (tmp, dir) = fixture_store();
    let stamp_open = || {
        let store = esco_ld::store::open(&dir).unwrap();
        (
            esco_ld::store::StoreVersion::of_dir(&dir).index_tag(),
            store,
        )
    };
    let (before, store) = stamp_open();
    let index = tmp.path().join("match");
    let read = setup::base(&store, &index, Some(&before)).unwrap();
    assert!(index.join(setup::FORMS_SNAPSHOT).is_file());
    store
        .update(&format!(
            "INSERT DATA {{ GRAPH <http://data.europa.eu/esco/graph/v1.1.1> {{ <{ANALYST}> <http://www.w3.org/2004/02/skos/core#altLabel> \"snapshot canary\"@en }} }}"
        ))
        .unwrap();
    let has_canary =
        |b: &esco_ld::matching::Base| b.forms.forms.iter().any(|f| f.text == "snapshot canary");
    // Asked for the version it was taken at, the snapshot is what is read back, whole...
    let again = setup::base(&store, &index, Some(&before)).unwrap();
    assert!(!has_canary(&again));
    assert_eq!(again.forms.forms, read.forms.forms);
    assert_eq!(again.forms.fingerprint, read.forms.fingerprint);
    let concepts = |b: &esco_ld::matching::Base| {
        b.forms
            .concepts
            .iter()
            .map(|c| {
                let mut preferred: Vec<_> = c.preferred.clone().into_iter().collect();
                preferred.sort();
                (
                    c.iri.clone(),
                    c.class,
                    c.schemes.clone(),
                    c.isco.clone(),
                    c.codes.clone(),
                    preferred,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(concepts(&again), concepts(&read));
    // ...without a version, or at another one, the store is read.
    assert!(has_canary(&setup::base(&store, &index, None).unwrap()));
    drop(store);
    let (after, store) = stamp_open();
    assert_ne!(after, before, "a write left the fingerprint as it was");
    assert!(has_canary(
        &setup::base(&store, &index, Some(&after)).unwrap()
    ));
    // A damaged snapshot is not used.
    let path = index.join(setup::FORMS_SNAPSHOT);
    assert!(Forms::load(&path, &after).is_some());
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&path, bytes).unwrap();
    assert!(Forms::load(&path, &after).is_none());
    assert!(has_canary(
        &setup::base(&store, &index, Some(&after)).unwrap()
    ));
}
