//! The ESCO Web Service API's paths and shapes over the real app factory and the fixture: the
//! answers are checked against what the store says (SPARQL), not against copied values.

use actix_web::http::StatusCode;
use serde_json::Value;

use crate::common::{count, csv_column, fixture, TestApp};

const ANALYST: &str = "http://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86";
const DEVELOPER: &str =
    "http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1";
const ISCO_2512: &str = "http://data.europa.eu/esco/isco/C2512";

fn uris(links: &Value) -> Vec<String> {
    let mut out: Vec<String> = links
        .as_array()
        .map(|a| {
            a.iter()
                .map(|l| l["uri"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn select_uris(store: &oxigraph::store::Store, query: &str) -> Vec<String> {
    let prefixed = format!("{}\n{query}", crate::common::PREFIXES);
    let mut out: Vec<String> = esco_ld::sparql::select(store, &prefixed)
        .unwrap()
        .into_iter()
        .filter_map(|row| match row.first().cloned().flatten() {
            Some(oxigraph::model::Term::NamedNode(n)) => Some(n.into_string()),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[actix_web::test]
async fn occupation_resource_has_the_esco_shape_and_the_store_links() {
    let app = TestApp::lexical();
    let store = app.store().clone();
    let (status, r) = app
        .get_json(&format!(
            "/resource/occupation?uri={ANALYST}&language=fr&selectedVersion=v1.1.1"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["className"], "Occupation");
    assert_eq!(r["classId"], "http://data.europa.eu/esco/model#Occupation");
    assert_eq!(r["uri"], ANALYST);
    assert_eq!(r["title"], "analyste logiciel");
    assert_eq!(r["preferredLabel"]["en"], "software analyst");
    assert_eq!(r["preferredLabel"]["fr"], "analyste logiciel");
    assert!(r["alternativeLabel"]["en"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l == "programming analyst"));
    assert_eq!(r["description"]["en"]["mimetype"], "plain/text");
    assert!(r["description"]["en"]["literal"].as_str().unwrap().len() > 20);
    assert_eq!(r["code"], "2512.2");
    let self_link = &r["_links"]["self"];
    assert_eq!(self_link["uri"], ANALYST);
    let href = self_link["href"].as_str().unwrap();
    assert!(
        href.ends_with(&format!(
            "/resource/occupation?uri={ANALYST}&language=fr&selectedVersion=v1.1.1"
        )),
        "{href}"
    );
    let essential = select_uris(
        &store,
        &format!("SELECT ?s WHERE {{ <{ANALYST}> esco:relatedEssentialSkill ?s }}"),
    );
    assert!(!essential.is_empty());
    assert_eq!(uris(&r["_links"]["hasEssentialSkill"]), essential);
    let optional = select_uris(
        &store,
        &format!("SELECT ?s WHERE {{ <{ANALYST}> esco:relatedOptionalSkill ?s }}"),
    );
    assert_eq!(uris(&r["_links"]["hasOptionalSkill"]), optional);
    for link in r["_links"]["hasEssentialSkill"].as_array().unwrap() {
        assert!(
            link["skillType"]
                .as_str()
                .unwrap()
                .starts_with("http://data.europa.eu/esco/skill-type/"),
            "{link}"
        );
        assert!(link["href"]
            .as_str()
            .unwrap()
            .contains("/resource/skill?uri="));
        assert!(!link["title"].as_str().unwrap().is_empty());
    }
    let group = &r["_links"]["broaderIscoGroup"][0];
    assert_eq!(group["uri"], ISCO_2512);
    assert_eq!(group["code"], "2512");
    assert!(group["href"]
        .as_str()
        .unwrap()
        .contains("/resource/concept?uri="));
}

#[actix_web::test]
async fn skill_concept_and_taxonomy_resources() {
    let app = TestApp::lexical();
    let store = app.store().clone();
    // The fixture has no ESCO schemes: one with top concepts both ways.
    store
        .update(
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
             INSERT DATA { GRAPH <http://example.org/schemes> {
               <http://data.europa.eu/esco/concept-scheme/isco> a skos:ConceptScheme ;
                 skos:prefLabel \"ISCO-08\"@en ;
                 skos:hasTopConcept <http://data.europa.eu/esco/isco/C2> .
               <http://data.europa.eu/esco/isco/C22> skos:topConceptOf <http://data.europa.eu/esco/concept-scheme/isco> } }",
        )
        .unwrap();
    let essential = select_uris(
        &store,
        &format!("SELECT ?s WHERE {{ <{ANALYST}> esco:relatedEssentialSkill ?s }}"),
    );
    let skill = &essential[0];
    let (status, r) = app.get_json(&format!("/resource/skill?uri={skill}")).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["className"], "Skill");
    assert!(uris(&r["_links"]["isEssentialForOccupation"]).contains(&ANALYST.to_owned()));
    assert_eq!(
        uris(&r["_links"]["isEssentialForOccupation"]),
        select_uris(
            &store,
            &format!(
                "SELECT ?o WHERE {{ ?o esco:relatedEssentialSkill <{skill}> ; a esco:Occupation }}"
            )
        )
    );
    assert_eq!(
        uris(&r["_links"]["hasSkillType"]),
        select_uris(
            &store,
            &format!("SELECT ?t WHERE {{ <{skill}> esco:skillType ?t }}")
        )
    );
    // An ISCO group through /resource/concept: its code and its narrower occupations.
    let (status, r) = app
        .get_json(&format!("/resource/concept?uri={ISCO_2512}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["className"], "Concept");
    assert_eq!(r["code"], "2512");
    let narrower = select_uris(
        &store,
        &format!("SELECT ?o WHERE {{ <{ISCO_2512}> skos:narrower ?o . ?o a esco:Occupation }}"),
    );
    assert!(!narrower.is_empty());
    assert_eq!(uris(&r["_links"]["narrowerOccupation"]), narrower);
    // A concept scheme through /resource/taxonomy: its top concepts.
    let scheme = "http://data.europa.eu/esco/concept-scheme/isco";
    let (status, r) = app
        .get_json(&format!("/resource/taxonomy?uri={scheme}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["className"], "ConceptScheme");
    assert_eq!(r["title"], "ISCO-08");
    assert_eq!(
        uris(&r["_links"]["hasTopConcept"]),
        select_uris(&store, &format!("SELECT ?t WHERE {{ {{ <{scheme}> skos:hasTopConcept ?t }} UNION {{ ?t skos:topConceptOf <{scheme}> }} }}"))
    );
    assert_eq!(uris(&r["_links"]["hasTopConcept"]).len(), 2);
}

#[actix_web::test]
async fn related_pages_through_a_relation() {
    let app = TestApp::lexical();
    let store = app.store().clone();
    let total = count(&store, &format!("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ <{ANALYST}> esco:relatedEssentialSkill ?s }}"));
    // The fixture's table gives the analyst six essential skills: three full pages of two.
    let in_table = csv_column(
        &fixture("esco/occupationSkillRelations.csv"),
        "occupationUri",
    )
    .into_iter()
    .zip(csv_column(
        &fixture("esco/occupationSkillRelations.csv"),
        "relationType",
    ))
    .filter(|(o, r)| o == ANALYST && r == "essential")
    .count() as u64;
    assert_eq!((total, in_table), (6, 6));
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut next = Some(format!(
        "/resource/related?uri={ANALYST}&relation=hasEssentialSkill&limit=2"
    ));
    while let Some(uri) = next.take() {
        let (status, r) = app.get_json(&uri).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["total"].as_u64().unwrap(), total);
        let items = r["_embedded"]["hasEssentialSkill"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{r}");
        pages += 1;
        for item in items {
            assert_eq!(item["className"], "Skill");
            seen.push(item["uri"].as_str().unwrap().to_owned());
        }
        next = r["_links"]["next"]["href"].as_str().map(|h| {
            let at = h.find("/resource/").unwrap();
            h[at..].to_owned()
        });
    }
    let before = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), before, "pages overlap");
    assert_eq!(seen.len() as u64, total);
    assert_eq!(pages, 3);
}

#[actix_web::test]
async fn search_and_suggest2_answer_in_the_esco_envelope() {
    let app = TestApp::lexical();
    let (status, r) = app
        .get_json("/search?text=software%20developer&language=en&type=occupation&limit=3")
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let results = r["_embedded"]["results"].as_array().unwrap();
    assert_eq!(results[0]["uri"], DEVELOPER);
    assert_eq!(results[0]["searchHit"], "software developer");
    assert_eq!(results[0]["title"], "software developer");
    assert!(results.iter().all(|h| h["className"] == "Occupation"));
    // Of the fixture's occupations only the developer has both words in one label.
    assert_eq!(results.len(), 1, "{r}");
    assert_eq!(r["type"][0], "occupation");
    assert_eq!(r["total"], 1, "{r}");
    assert!(results[0]["_links"]["self"]["href"]
        .as_str()
        .unwrap()
        .contains("/resource/occupation?uri="));
    // limit is the page size: four of the fixture's occupations have "software" in a label
    // (the analyst, the architect, the developer, and the cloud engineer as "cloud software
    // engineer").
    let (status, r) = app
        .get_json("/search?text=software&language=en&type=occupation&limit=3")
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        r["_embedded"]["results"].as_array().unwrap().len(),
        3,
        "{r}"
    );
    assert_eq!(r["total"], 4, "{r}");
    // full=true embeds whole resources.
    let (_, r) = app
        .get_json("/search?text=software%20developer&language=en&type=occupation&limit=1&full=true")
        .await;
    assert!(
        r["_embedded"]["results"][0]["_links"]["hasEssentialSkill"].is_array(),
        "{r}"
    );
    // suggest2: preferred labels unless alt=true.
    let (status, r) = app
        .get_json("/suggest2?text=progr&language=en&type=occupation")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !r["_embedded"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["uri"] == DEVELOPER),
        "{r}"
    );
    let (_, r) = app
        .get_json("/suggest2?text=progr&language=en&type=occupation&alt=true")
        .await;
    let hit = r["_embedded"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["uri"] == DEVELOPER)
        .cloned()
        .unwrap();
    assert_eq!(hit["title"], "software developer");
    assert!(hit["searchHit"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .starts_with("progr"));
    // isInScheme filters.
    let (_, r) = app.get_json("/search?text=skills&language=en&isInScheme=http://data.europa.eu/esco/concept-scheme/skill-transversal-groups").await;
    assert!(r["total"].as_u64().unwrap() > 0);
}

#[actix_web::test]
async fn errors_use_the_esco_shape() {
    let app = TestApp::lexical();
    for (uri, status, needle) in [
        ("/resource/occupation", 400, "uri is required"),
        ("/resource/occupation?uri=not%20an%20iri", 400, "not an IRI"),
        (&format!("/resource/occupation?uri={ANALYST}&language=xx") as &str, 400, "no labels in language"),
        (&format!("/resource/occupation?uri={ANALYST}&selectedVersion=banana"), 400, "selectedVersion"),
        ("/resource/occupation?uri=http://data.europa.eu/esco/occupation/00000000-0000-0000-0000-000000000000", 404, "no resource"),
        (&format!("/resource/skill?uri={ANALYST}"), 404, "no skill"),
        (&format!("/resource/taxonomy?uri={ANALYST}"), 404, "no concept scheme"),
        ("/resource/related?relation=hasEssentialSkill", 400, "uri is required"),
        (&format!("/resource/related?uri={ANALYST}"), 400, "relation is required"),
        (&format!("/resource/related?uri={ANALYST}&relation=hasFriend"), 400, "unknown relation"),
        (&format!("/resource/related?uri={ANALYST}&relation=hasEssentialSkill&limit=-1"), 400, "limit must be between"),
        ("/search?language=en", 400, "text is required"),
        ("/search?text=nurse&limit=-3", 400, "limit must be between"),
        ("/search?text=nurse&type=planet", 400, "unknown type"),
        ("/suggest2?text=nurse&language=zz", 400, "no labels in language"),
    ] {
        let (got, body) = app.get_json(uri).await;
        assert_eq!(got.as_u16(), status, "{uri}: {body}");
        assert_eq!(body["status"], status, "{uri}: {body}");
        assert_eq!(body["logref"], if status == 400 { "BadInputException" } else { "NotFoundException" }, "{uri}");
        assert!(body["message"].as_str().unwrap().contains(needle), "{uri}: {body}");
        assert!(body["_links"].is_null());
    }
}
