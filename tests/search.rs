//! Label search: the index on its own (ranking, filters, paging, incremental sync, persistence)
//! and `/api/search`, `/api/suggest` and the HTML search page over the real app factory.

use actix_web::http::{header, StatusCode};
use actix_web::test::TestRequest;
use esco_ld::concept::Class;
use esco_ld::search::{LabelKind, Mode, Request, SearchIndex};
use esco_ld::store::forms::Forms;

use crate::common::{count, fixture_store, TestApp};

const DEVELOPER: &str =
    "http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1";
const ANALYST: &str = "http://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86";
const TOKEN: &str = "a-test-token-of-some-length";

fn request(text: &str) -> Request {
    Request {
        text: text.to_owned(),
        language: None,
        classes: Vec::new(),
        schemes: Vec::new(),
        alternative: true,
        mode: Mode::Search,
        offset: 0,
        limit: 20,
    }
}

fn fixture_index() -> (tempfile::TempDir, oxigraph::store::Store, SearchIndex) {
    let (tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let mut index = SearchIndex::in_memory().unwrap();
    index
        .sync(&Forms::read_labels(&store).unwrap(), "v1")
        .unwrap();
    (tmp, store, index)
}

#[test]
fn preferred_label_ranks_first_and_scores_one() {
    let (_tmp, _store, index) = fixture_index();
    let r = index.search(&request("Software Developer")).unwrap();
    let top = &r.hits[0];
    assert_eq!(top.uri, DEVELOPER);
    assert_eq!(top.matched_kind, LabelKind::Preferred);
    assert!((top.score - 1.0).abs() < 1e-6, "{top:?}");
    assert!(r.hits.windows(2).all(|w| w[0].score >= w[1].score));
    // Every hit is a distinct concept.
    let mut uris: Vec<&str> = r.hits.iter().map(|h| h.uri.as_str()).collect();
    uris.sort_unstable();
    uris.dedup();
    assert_eq!(uris.len(), r.hits.len());
}

#[test]
fn typos_stems_accents_prefixes_and_codes_are_found() {
    let (_tmp, _store, index) = fixture_index();
    let top = |req: Request| index.search(&req).unwrap().hits.first().cloned();
    // One typo per word.
    assert_eq!(top(request("sofware develloper")).unwrap().uri, DEVELOPER);
    // Accents folded, French stems.
    let mut fr = request("developpeurs logiciels");
    fr.language = Some("fr".into());
    let hit = top(fr).unwrap();
    assert_eq!(hit.uri, DEVELOPER);
    assert_eq!(hit.matched_language, "fr");
    // Autocomplete: every word a prefix.
    let mut suggest = request("soft dev");
    suggest.mode = Mode::Suggest;
    let r = index.search(&suggest).unwrap();
    assert!(r.hits.iter().any(|h| h.uri == DEVELOPER), "{r:?}");
    // The suggest mode does not forgive typos.
    let mut typo = request("sfot");
    typo.mode = Mode::Suggest;
    assert_eq!(index.search(&typo).unwrap().total, 0);
    // Codes.
    let hit = top(request("2512.2")).unwrap();
    assert_eq!(hit.uri, ANALYST);
    assert_eq!(hit.matched_kind, LabelKind::Code);
}

#[test]
fn filters_restrict_class_scheme_language_and_label_kind() {
    let (_tmp, store, index) = fixture_index();
    let mut req = request("software");
    req.classes = vec![Class::Skill];
    let r = index.search(&req).unwrap();
    assert!(r.total > 0);
    assert!(r.hits.iter().all(|h| h.class == Class::Skill), "{r:?}");
    // Only concepts of the scheme.
    let scheme = "http://data.europa.eu/esco/concept-scheme/skill-transversal-groups";
    let mut req = request("skills");
    let unfiltered = index.search(&req).unwrap();
    req.schemes = vec![scheme.into()];
    let r = index.search(&req).unwrap();
    assert!(r.total > 0 && r.total < unfiltered.total, "{r:?}");
    for h in &r.hits {
        assert!(
            crate::common::ask(
                &store,
                &format!("ASK {{ <{}> skos:inScheme <{scheme}> }}", h.uri)
            ),
            "{h:?}"
        );
    }
    // Language: only French labels (and codes).
    let mut req = request("logiciels");
    req.language = Some("fr".into());
    let r = index.search(&req).unwrap();
    assert!(r.total > 0);
    assert!(r.hits.iter().all(|h| h.matched_language == "fr"));
    req.language = Some("en".into());
    assert_eq!(index.search(&req).unwrap().total, 0);
    // Preferred labels only: "programmer" is an alternative label of the developer.
    let mut req = request("programmer");
    assert!(index
        .search(&req)
        .unwrap()
        .hits
        .iter()
        .any(|h| h.uri == DEVELOPER));
    req.alternative = false;
    assert!(!index
        .search(&req)
        .unwrap()
        .hits
        .iter()
        .any(|h| h.uri == DEVELOPER));
    // `*` lists every concept of the class: as many as the store has.
    let mut all = request("*");
    all.classes = vec![Class::Occupation];
    let occupations = count(
        &store,
        "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a esco:Occupation }",
    );
    assert_eq!(index.search(&all).unwrap().total as u64, occupations);
}

#[test]
fn pages_partition_the_ranking() {
    let (_tmp, _store, index) = fixture_index();
    let mut req = request("nurse");
    req.limit = 100;
    let all = index.search(&req).unwrap();
    assert!(all.total >= 3, "{all:?}");
    let mut paged = Vec::new();
    for offset in (0..all.total).step_by(2) {
        req.offset = offset;
        req.limit = 2;
        let page = index.search(&req).unwrap();
        assert_eq!(page.total, all.total);
        paged.extend(page.hits.into_iter().map(|h| h.uri));
    }
    let whole: Vec<String> = all.hits.into_iter().map(|h| h.uri).collect();
    assert_eq!(paged, whole);
}

#[test]
fn sync_reindexes_only_what_changed_and_persists() {
    let (tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let folder = tmp.path().join("store.search");
    let mut index = SearchIndex::open(&folder).unwrap();
    let first = index
        .sync(&Forms::read_labels(&store).unwrap(), "v1")
        .unwrap();
    assert!(first.indexed > 0 && first.unchanged == 0 && first.removed == 0);
    let again = index
        .sync(&Forms::read_labels(&store).unwrap(), "v1")
        .unwrap();
    assert_eq!((again.indexed, again.removed), (0, 0));
    assert_eq!(again.unchanged, first.indexed);
    // A new label on one concept re-indexes that concept alone.
    store
        .update(&format!(
            "INSERT DATA {{ <{ANALYST}> <http://www.w3.org/2004/02/skos/core#altLabel> \"quantum whisperer\"@en }}"
        ))
        .unwrap();
    let changed = index
        .sync(&Forms::read_labels(&store).unwrap(), "v2")
        .unwrap();
    assert_eq!((changed.indexed, changed.removed), (1, 0));
    assert_eq!(
        index.search(&request("quantum whisperer")).unwrap().hits[0].uri,
        ANALYST
    );
    // A concept that goes away is removed.
    store
        .update(&format!(
            "DELETE WHERE {{ GRAPH ?g {{ <{DEVELOPER}> ?p ?o }} }}"
        ))
        .unwrap();
    let removed = index
        .sync(&Forms::read_labels(&store).unwrap(), "v3")
        .unwrap();
    assert_eq!(removed.removed, 1);
    assert!(!index
        .search(&request("software developer"))
        .unwrap()
        .hits
        .iter()
        .any(|h| h.uri == DEVELOPER));
    let concepts = index.concepts();
    drop(index);
    // Reopened: the same content and the stamp of the last sync, nothing to do.
    let mut reopened = SearchIndex::open(&folder).unwrap();
    assert_eq!(reopened.stamp().as_deref(), Some("v3"));
    assert_eq!(reopened.concepts(), concepts);
    assert_eq!(
        reopened.search(&request("quantum whisperer")).unwrap().hits[0].uri,
        ANALYST
    );
    let none = reopened
        .sync(&Forms::read_labels(&store).unwrap(), "v3")
        .unwrap();
    assert_eq!((none.indexed, none.removed), (0, 0));
}

#[test]
fn a_damaged_index_folder_is_rebuilt() {
    let (tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let folder = tmp.path().join("store.search");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("meta.json"), "{ not json").unwrap();
    let mut index = SearchIndex::open(&folder).unwrap();
    assert_eq!(index.concepts(), 0);
    index
        .sync(&Forms::read_labels(&store).unwrap(), "v1")
        .unwrap();
    assert_eq!(
        index.search(&request("software developer")).unwrap().hits[0].uri,
        DEVELOPER
    );
}

#[actix_web::test]
async fn api_search_and_suggest_answer_with_scores_and_labels() {
    let app = TestApp::lexical();
    let (status, body) = app
        .get_json("/api/search?text=software%20developer&type=occupation&language=en")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["uri"], DEVELOPER);
    assert_eq!(body["results"][0]["label"], "software developer");
    assert_eq!(body["results"][0]["matched_kind"], "preferred");
    assert_eq!(body["results"][0]["score"], 1.0);
    assert!(body["total"].as_u64().unwrap() >= 1);
    // Labels shown in the requested language.
    let (_, body) = app
        .get_json("/api/search?text=developpeur%20logiciels&language=fr")
        .await;
    assert_eq!(body["results"][0]["uri"], DEVELOPER);
    assert_eq!(
        body["results"][0]["label"],
        "développeur de logiciels/développeuse de logiciels"
    );
    let (status, body) = app.get_json("/api/suggest?text=softw%20arch&limit=5").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["results"].as_array().unwrap().iter().any(|h| h["uri"]
            == "http://data.europa.eu/esco/occupation/d0aa0792-4345-474b-9365-686cf4869d2e"),
        "{body}"
    );
    // Two concepts of the fixture have a label with words starting "softw" and "arch": the
    // software architect and the skill "software architecture models".
    let mut found: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["uri"].as_str().unwrap())
        .collect();
    found.sort_unstable();
    assert_eq!(
        found,
        [
            "http://data.europa.eu/esco/occupation/d0aa0792-4345-474b-9365-686cf4869d2e",
            "http://data.europa.eu/esco/skill/2450c3b3-e78e-435b-b84d-e05d984e71dc"
        ],
        "{body}"
    );
}

#[actix_web::test]
async fn api_search_rejects_bad_parameters() {
    let app = TestApp::lexical();
    for (uri, needle) in [
        ("/api/search", "text is required"),
        ("/api/search?text=%20", "text is required"),
        (
            "/api/search?text=nurse&language=xx",
            "no labels in language",
        ),
        (
            "/api/search?text=nurse&language=not%20a%20tag",
            "not a language tag",
        ),
        ("/api/search?text=nurse&limit=-1", "limit must be between"),
        ("/api/search?text=nurse&limit=0", "limit must be between"),
        ("/api/search?text=nurse&limit=ten", "whole number"),
        ("/api/search?text=nurse&offset=-5", "offset must be between"),
        ("/api/search?text=nurse&type=planet", "unknown type"),
        ("/api/search?text=nurse&scheme=not-an-iri", "absolute IRI"),
        ("/api/suggest?text=%21%21", "at least one letter"),
    ] {
        let (status, body) = app.get_json(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(needle),
            "{uri}: {body}"
        );
    }
}

#[actix_web::test]
async fn search_follows_store_updates_and_is_cacheable() {
    let app = TestApp::with_admin(TOKEN);
    let uri = "/api/search?text=quantum%20whisperer";
    let reply = app.get(uri).await;
    let etag = reply.header(header::ETAG).unwrap().to_owned();
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert!(!body["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["uri"] == ANALYST));
    let if_none_match = || {
        TestRequest::get()
            .uri(uri)
            .insert_header((header::IF_NONE_MATCH, etag.clone()))
    };
    let again = app.call(if_none_match()).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let update = format!("INSERT DATA {{ <{ANALYST}> <http://www.w3.org/2004/02/skos/core#altLabel> \"quantum whisperer\"@en }}");
    let reply = app.update(Some(TOKEN), &update).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = app.call(if_none_match()).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(body["results"][0]["uri"], ANALYST, "{body}");
    assert_eq!(body["results"][0]["matched"], "quantum whisperer");
}

#[actix_web::test]
async fn people_get_a_search_page_and_every_page_a_search_box() {
    let app = TestApp::lexical();
    let reply = app
        .get_as(
            "/search?text=software%20developer",
            "text/html,application/xhtml+xml,*/*;q=0.8",
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply
        .header(header::CONTENT_TYPE)
        .unwrap()
        .starts_with("text/html"));
    let html = reply.text();
    assert!(
        html.contains("href=\"/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1\""),
        "{html}"
    );
    let html = app
        .get_as(
            "/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1",
            "text/html",
        )
        .await
        .text();
    assert!(html.contains("action=\"/search\""));
    assert!(html.contains("/api/suggest"));
}
