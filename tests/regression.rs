//! Regressions: each test is named after the cause of a defect that reached users, and says what
//! went wrong, so that the cause cannot come back unnoticed.

use actix_web::http::StatusCode;
use esco_ld::curation::users::{self, Role};
use serde_json::{json, Value};

use crate::common::{esco_ld, fixture, fixture_sources, TestApp};

const ADMIN: &str = "the-service-admin-token";

/// `esco-ld search` stamped the label index with the store's entity tag and `serve` with its
/// content tag: the two never matched, so switching between them re-read every label. Every
/// index now takes [`esco_ld::store::StoreVersion::index_tag`]. Behind it a second cause: the
/// first open after a load compacted the bulk-loaded tables, so the store's fingerprint changed
/// under the index; a load now leaves the store settled.
#[test]
fn label_index_stamped_with_two_names_for_one_store_version() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let path = dir.to_str().unwrap();
    let mut load = vec!["load", "--store", path, "--release", "1.1.1"];
    let sources: Vec<String> = fixture_sources()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    load.extend(sources.iter().map(String::as_str));
    assert!(esco_ld(&load).status.success());

    // The command line builds the index...
    let first = esco_ld(&["search", "--store", path, "developer"]);
    assert!(first.status.success());
    assert!(
        String::from_utf8_lossy(&first.stderr).contains("concepts indexed"),
        "the first search builds the index"
    );
    // ...and the service, opening the store as `serve` does, finds it in step.
    {
        let store = esco_ld::store::open(&dir).unwrap();
        let tag = esco_ld::store::StoreVersion::of_dir(&dir).index_tag();
        let layout = esco_ld::store::StoreLayout::new(&dir);
        let service = esco_ld::search::service::SearchService::new(store, Some(layout.search()));
        let report = service.start(&tag).unwrap();
        assert_eq!(report.indexed, 0, "serve re-read the labels: {report:?}");
        assert!(report.unchanged > 0, "{report:?}");
    }
    // And the other way round: after `serve`, a search re-reads nothing.
    let again = esco_ld(&["search", "--store", path, "developer"]);
    assert!(again.status.success());
    assert!(
        !String::from_utf8_lossy(&again.stderr).contains("label index"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

/// A mapping project's target was a string that the decision check parsed again by hand; a
/// union (`occupations,isco-groups`) matched none of its words and fell back to "any ESCO
/// concept", so a skill was accepted as the answer. Targets are now one type, checked by one
/// function.
#[actix_web::test]
async fn union_target_parsed_by_hand_accepted_any_concept() {
    let app = TestApp::with_layout(ADMIN);
    let validator = users::add(&app.users_file(), "ana", &[Role::Validator]).unwrap();
    let (status, created) = app
        .post_json(
            "/api/projects",
            Some(ADMIN),
            &json!({"id": "pillar", "title": "To the occupation pillar",
                "target": "occupations,isco-groups", "language": "en",
                "source_csv": "id,title\nN1,Software developer\nN2,Software analyst\nN3,ICT professionals\n"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, suggested) = app
        .post_json("/api/projects/pillar/suggest", Some(ADMIN), &Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{suggested}");
    let (_, project) = app.get_json("/api/projects/pillar").await;
    assert_eq!(
        project["project"]["target"], "occupations,isco-groups",
        "{project}"
    );

    let skill = first_uri(app.store(), "?c a esco:Skill");
    let before = crate::common::quads(app.store());
    let (status, refused) = app
        .post_json(
            "/api/projects/pillar/items/N1/validate",
            Some(&validator),
            &json!({"concept": skill, "relation": "exact"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a skill for a pillar project: {refused}"
    );
    assert!(
        refused["message"].as_str().unwrap().contains("target"),
        "{refused}"
    );
    assert_eq!(
        crate::common::quads(app.store()),
        before,
        "a refusal writes nothing"
    );

    let occupation = first_uri(app.store(), "?c a esco:Occupation");
    let group = first_uri(app.store(), "?c a esco:ISCOGroup");
    for (key, concept) in [("N2", &occupation), ("N3", &group)] {
        let (status, body) = app
            .post_json(
                &format!("/api/projects/pillar/items/{key}/validate"),
                Some(&validator),
                &json!({"concept": concept, "relation": "exact"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{concept}: {body}");
    }
    // The crosswalk it publishes names both schemes as what its links point at.
    let targets = crate::common::count(
        app.store(),
        "SELECT (COUNT(?s) AS ?n) WHERE { <http://data.europa.eu/esco/crosswalk/pillar> void:objectsTarget ?s }",
    );
    assert_eq!(targets, 2);
}

/// A real ESCO Web Service API client (a public notebook that rebuilds ESCO's occupation
/// hierarchy) failed at its first step, `/resource/taxonomy?uris=…&uris=…`, with 400 "uri is
/// required": the ESCO API takes repeated `uris` and answers with the resources in
/// `_embedded`, keyed by URI. This replays the notebook's crawl.
#[actix_web::test]
async fn repeated_uris_refused_by_the_esco_api_paths() {
    let app = TestApp::over(with_concept_schemes());
    let isco = "http://data.europa.eu/esco/concept-scheme/isco";
    let members = "http://data.europa.eu/esco/concept-scheme/member-occupations";
    let (status, both) = app
        .get_json(&format!(
            "/resource/taxonomy?uris={isco}&uris={members}&language=en"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{both}");
    // Cacheable as every read.
    let reply = app
        .get(&format!("/resource/taxonomy?uris={isco}&uris={members}"))
        .await;
    assert!(reply.header(actix_web::http::header::ETAG).is_some());
    assert_eq!(
        serde_json::from_str::<Value>(&reply.text()).unwrap()["_embedded"]
            .as_object()
            .map(|m| m.len()),
        Some(2)
    );
    for scheme in [isco, members] {
        let (_, one) = app
            .get_json(&format!("/resource/taxonomy?uri={scheme}&language=en"))
            .await;
        assert_eq!(
            both["_embedded"][scheme], one,
            "{scheme} as the one-uri call gives it"
        );
    }
    let tops = both["_embedded"][members]["_links"]["hasTopConcept"]
        .as_array()
        .unwrap()
        .clone();
    let expected = crate::common::count(
        app.store(),
        &format!("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ <{members}> skos:hasTopConcept ?t }}"),
    );
    assert_eq!(tops.len() as u64, expected);
    assert!(expected > 0);

    // Each top concept through its href, its narrower occupations through `uris`.
    let mut edges: Vec<(String, String)> = Vec::new();
    for top in &tops {
        let href = top["href"].as_str().unwrap();
        let path = &href[href.find("/resource/").unwrap()..];
        let (status, occupation) = app.get_json(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {occupation}");
        assert_eq!(occupation["uri"], top["uri"]);
        let mut level: Vec<(String, String)> = links(&occupation, "narrowerOccupation")
            .into_iter()
            .map(|n| (top["uri"].as_str().unwrap().to_owned(), n))
            .collect();
        while let Some((parent, child)) = level.pop() {
            let (status, found) = app
                .get_json(&format!("/resource/occupation?uris={child}&language=en"))
                .await;
            assert_eq!(status, StatusCode::OK, "{found}");
            let embedded = &found["_embedded"][child.as_str()];
            assert!(
                links(embedded, "broaderOccupation").contains(&parent),
                "{embedded}"
            );
            for grandchild in links(embedded, "narrowerOccupation") {
                level.push((child.clone(), grandchild));
            }
            edges.push((parent, child));
        }
    }
    edges.sort();
    let mut expected: Vec<(String, String)> = crate::common::select_pairs(
        app.store(),
        "SELECT ?p ?c WHERE { ?c skos:broader ?p . ?c a esco:Occupation . ?p a esco:Occupation }",
    );
    expected.sort();
    assert!(
        !expected.is_empty(),
        "the fixture has an occupation below another"
    );
    assert_eq!(
        edges, expected,
        "the crawl rebuilds the occupation hierarchy"
    );

    // Unknown URIs are left out; none known is 404; a malformed one is 400.
    let (status, body) = app
        .get_json(&format!(
            "/resource/occupation?uris={}&uris=http://example.org/nothing",
            tops[0]["uri"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["_embedded"].as_object().unwrap().len(), 1);
    let (status, _) = app
        .get_json("/resource/skill?uris=http://example.org/nothing")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app.get_json("/resource/concept?uris=not%20an%20iri").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["logref"], "BadInputException");
}

/// The IRIs of a link relation of an ESCO API resource.
fn links(resource: &Value, relation: &str) -> Vec<String> {
    resource["_links"][relation]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|l| l["uri"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The first IRI a pattern binds to `?c`.
fn first_uri(store: &oxigraph::store::Store, pattern: &str) -> String {
    let query = format!(
        "{}\nSELECT ?c WHERE {{ {pattern} }} ORDER BY ?c LIMIT 1",
        crate::common::PREFIXES
    );
    match esco_ld::sparql::select(store, &query).unwrap()[0][0].clone() {
        Some(oxigraph::model::Term::NamedNode(n)) => n.into_string(),
        other => panic!("{pattern}: {other:?}"),
    }
}

/// A store of the fixture with the bundle's ISCO and member-occupations schemes and their top
/// concepts (cut to the fixture's), loaded as a user loads sources.
fn with_concept_schemes() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let mut sources = fixture_sources();
    sources.push(fixture("esco-schemes/concept-schemes.trig"));
    crate::common::load(&store, &sources, Some("1.1.1")).unwrap();
    (tmp, store)
}
