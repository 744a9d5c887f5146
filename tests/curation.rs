//! Crosswalk curation over HTTP with several curators: a project from a CSV, suggestions,
//! validation, review, dispute and third decision, write-back with provenance that SPARQL and
//! the concept pages see, withdrawal, the queue, the HTML screens, and every forbidden action
//! refused without a trace in the store.
//!
//! The project with three curators is one story told step by step: [`project`] prepares it up
//! to a [`Step`], and each test takes the next step, so a failure names the step that broke.

use actix_web::http::{header, StatusCode};
use actix_web::test::TestRequest;
use esco_ld::curation::users::{self, Role};
use serde_json::{json, Value};

use crate::common::{ask, count, quads, sparql_uri, TestApp};

const DEVELOPER: &str =
    "http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1";
const CLOUD: &str = "http://data.europa.eu/esco/occupation/349ee6f6-c295-4c38-9b98-48765b55280e";
const ARCHITECT: &str =
    "http://data.europa.eu/esco/occupation/d0aa0792-4345-474b-9365-686cf4869d2e";
const ADMIN_TOKEN: &str = "the-service-admin-token";

const SOURCE_CSV: &str = "id,title,description\n\
N1,Software developer,Writes and maintains computer programs\n\
N2,Specialist nurse,Nursing in a specialised field\n\
N3,Cloud engineer,Designs cloud infrastructure\n\
N4,Blockchain developer,\n\
N5,Software architect,\n";

struct Curators {
    adm: String,
    ana: String,
    ben: String,
    cai: String,
    dee: String,
}

fn curators(file: &std::path::Path) -> Curators {
    Curators {
        adm: users::add(file, "adm", &[Role::Admin]).unwrap(),
        ana: users::add(file, "ana", &[Role::Validator]).unwrap(),
        ben: users::add(file, "ben", &[Role::Reviewer]).unwrap(),
        cai: users::add(file, "cai", &[Role::Validator]).unwrap(),
        dee: users::add(file, "dee", &[Role::Validator, Role::Reviewer]).unwrap(),
    }
}

const P: &str = "/api/projects/lv-test";
const CW: &str = "http://data.europa.eu/esco/crosswalk/lv-test";

/// How far the project with three curators has gone; each step is the one before and one more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    /// The service and its curators (adm, ana, ben, cai, dee); no project yet.
    Curators,
    /// adm created `lv-test` from [`SOURCE_CSV`].
    Created,
    /// adm had candidates suggested for every item.
    Suggested,
    /// N1: ana validated the first candidate as exact, ben agreed: final (revision 1).
    N1Final,
    /// N2: dee validated "no match", ben agreed: reviewed, nothing published.
    N2Reviewed,
    /// N3: ana said close to the architect, ben disagreed (exact, the cloud engineer), cai
    /// decided as ben said: final (revision 2).
    N3Decided,
    /// N1 withdrawn by adm (revision 3).
    N1Withdrawn,
}

/// The service with its curators and the project as it is after a [`Step`].
struct Project {
    app: TestApp,
    c: Curators,
}

impl Project {
    /// POST `body` (or nothing) to `uri` as `token`, in the preparation: it must succeed.
    async fn done(&self, uri: &str, token: &str, body: Option<Value>) -> Value {
        let (status, v) = match body {
            Some(b) => self.app.post_json(uri, Some(token), &b).await,
            None => self.app.post_empty(uri, Some(token)).await,
        };
        assert!(
            status.is_success(),
            "preparing the project: {uri}: {status} {v}"
        );
        v
    }

    /// The IRI minted for the source item `key`.
    async fn source(&self, key: &str) -> String {
        let (_, item) = self.app.get_json(&format!("{P}/items/{key}")).await;
        item["source"].as_str().unwrap().to_owned()
    }

    /// The keys of the items in `token`'s queue.
    async fn queue(&self, token: &str) -> Vec<String> {
        let (_, q) = self.app.get_json_auth(&format!("{P}/queue"), token).await;
        q["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{q}"))
            .iter()
            .map(|i| i["key"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn create_body() -> Value {
    json!({"id": "lv-test", "title": "Test national table", "source_csv": SOURCE_CSV,
        "language": "en", "k": 5})
}

fn n1_choice() -> Value {
    json!({"candidate": 1, "relation": "exact", "comment": "same occupation"})
}

/// The project with three curators as it is after `upto`.
async fn project(upto: Step) -> Project {
    let app = TestApp::with_layout(ADMIN_TOKEN);
    let c = curators(&app.users_file());
    let p = Project { app, c };
    let agree = json!({"agree": true});
    for step in [
        Step::Created,
        Step::Suggested,
        Step::N1Final,
        Step::N2Reviewed,
        Step::N3Decided,
        Step::N1Withdrawn,
    ] {
        if step > upto {
            break;
        }
        let c = &p.c;
        match step {
            Step::Curators => {}
            Step::Created => {
                p.done("/api/projects", &c.adm, Some(create_body())).await;
            }
            Step::Suggested => {
                p.done(&format!("{P}/suggest"), &c.adm, None).await;
            }
            Step::N1Final => {
                p.done(&format!("{P}/items/N1/validate"), &c.ana, Some(n1_choice()))
                    .await;
                p.done(&format!("{P}/items/N1/review"), &c.ben, Some(agree.clone()))
                    .await;
            }
            Step::N2Reviewed => {
                let no_match = json!({"no_match": true});
                p.done(&format!("{P}/items/N2/validate"), &c.dee, Some(no_match))
                    .await;
                p.done(&format!("{P}/items/N2/review"), &c.ben, Some(agree.clone()))
                    .await;
            }
            Step::N3Decided => {
                let close = json!({"concept": ARCHITECT, "relation": "close"});
                p.done(&format!("{P}/items/N3/validate"), &c.ana, Some(close))
                    .await;
                let disagree = json!({"agree": false, "concept": CLOUD, "relation": "exact",
                    "comment": "the same job"});
                p.done(&format!("{P}/items/N3/review"), &c.ben, Some(disagree))
                    .await;
                let settle = json!({"concept": CLOUD, "relation": "exact"});
                p.done(&format!("{P}/items/N3/decide"), &c.cai, Some(settle))
                    .await;
            }
            Step::N1Withdrawn => {
                let why = json!({"comment": "wrong table"});
                p.done(&format!("{P}/items/N1/withdraw"), &c.adm, Some(why))
                    .await;
            }
        }
    }
    p
}

/// Creating: only admins; no token 401, unknown token 403, validator 403; a bad table 400;
/// once only.
#[actix_web::test]
async fn creating_a_project_is_for_admins_and_happens_once() {
    let Project { app, c } = project(Step::Curators).await;
    let create = create_body();
    let (s, _) = app.post_json("/api/projects", None, &create).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .post_json("/api/projects", Some("eld_nope"), &create)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.post_json("/api/projects", Some(&c.ana), &create).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post_json(
            "/api/projects",
            Some(&c.adm),
            &json!({"id": "bad", "title": "x", "source_csv": "id,title\nA1,\n"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = app.post_json("/api/projects", Some(&c.adm), &create).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["sources"], 5);
    assert_eq!(v["states"]["unmapped"], 5);
    let (s, _) = app.post_json("/api/projects", Some(&c.adm), &create).await;
    assert_eq!(s, StatusCode::CONFLICT);
}

/// Suggesting: admins only; the developer is the first candidate of "Software developer".
#[actix_web::test]
async fn suggesting_is_for_admins_and_ranks_the_developer_first() {
    let Project { app, c } = project(Step::Created).await;
    let suggest = format!("{P}/suggest");
    let (s, _) = app.post_empty(&suggest, Some(&c.ana)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app.post_empty(&suggest, Some(&c.adm)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["sources"], 5);
    assert!(v["suggested"].as_u64().unwrap() >= 4, "{v}");
    let (_, item) = app.get_json(&format!("{P}/items/N1")).await;
    assert_eq!(item["state"], "suggested");
    assert_eq!(item["label"], "Software developer");
    assert_eq!(item["candidates"][0]["concept"], DEVELOPER, "{item}");
    assert_eq!(item["candidates"][0]["rank"], 1);
    assert!(item["candidates"][0]["score"].as_f64().unwrap() > 0.5);
    assert_eq!(item["candidates"][0]["method"], "lexical");
}

/// Forbidden and malformed decisions are refused, and leave no trace in the store.
#[actix_web::test]
async fn refused_decisions_leave_no_trace_in_the_store() {
    let Project { app, c } = project(Step::Suggested).await;
    let before = quads(app.store());
    let validate_n1 = format!("{P}/items/N1/validate");
    let choice = n1_choice();
    let (s, _) = app.post_json(&validate_n1, None, &choice).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .post_json(&validate_n1, Some("eld_wrong"), &choice)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.post_json(&validate_n1, Some(&c.ben), &choice).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a reviewer cannot validate");
    let (s, _) = app
        .post_json(
            &format!("{P}/items/N1/review"),
            Some(&c.ben),
            &json!({"agree": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "nothing to review yet");
    let (s, _) = app
        .post_json(
            &validate_n1,
            Some(&c.ana),
            &json!({"candidate": 1, "relation": "sideways"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app
        .post_json(
            &validate_n1,
            Some(&c.ana),
            &json!({"concept": "http://data.europa.eu/esco/occupation/nope", "relation": "exact"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app
        .post_json(&format!("{P}/items/N9/validate"), Some(&c.ana), &choice)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        quads(app.store()),
        before,
        "refused actions changed the store"
    );
}

/// N1: ana validates (once), the item waits in ben's queue, ben agrees: final, written back
/// with a complete mapping record.
#[actix_web::test]
async fn a_validation_and_an_agreeing_review_publish_the_mapping_with_its_record() {
    let p = project(Step::Suggested).await;
    let (app, c) = (&p.app, &p.c);
    let validate_n1 = format!("{P}/items/N1/validate");
    let (s, v) = app
        .post_json(&validate_n1, Some(&c.ana), &n1_choice())
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["item"]["state"], "validated");
    let (s, _) = app
        .post_json(&validate_n1, Some(&c.ana), &n1_choice())
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "validated twice");
    // ben's queue holds N1; ana's does not.
    let queue = p.queue(&c.ben).await;
    assert!(queue.iter().any(|k| k == "N1"), "{queue:?}");
    let queue = p.queue(&c.ana).await;
    assert!(!queue.iter().any(|k| k == "N1"), "{queue:?}");
    let (s, _) = app.get_json(&format!("{P}/queue")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = app
        .post_json(
            &format!("{P}/items/N1/review"),
            Some(&c.ben),
            &json!({"agree": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["item"]["state"], "final");
    assert_eq!(v["revision"], 1);
    let source_n1 = v["item"]["source"].as_str().unwrap().to_owned();
    assert!(ask(
        app.store(),
        &format!("ASK {{ GRAPH <{CW}> {{ <{source_n1}> skos:exactMatch <{DEVELOPER}> }} }}")
    ));
    let record = format!(
        "PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX sssom: <https://w3id.org/sssom/>
         PREFIX semapv: <https://w3id.org/semapv/vocab/> PREFIX prov: <http://www.w3.org/ns/prov#>
         ASK {{ GRAPH <{CW}> {{ ?r owl:annotatedSource <{source_n1}> ; owl:annotatedProperty skos:exactMatch ;
           owl:annotatedTarget <{DEVELOPER}> ; sssom:mapping_justification semapv:ManualMappingCuration ;
           sssom:author_id <http://data.europa.eu/esco/curator/ana> ;
           sssom:reviewer_id <http://data.europa.eu/esco/curator/ben> ;
           sssom:similarity_score ?score ; sssom:mapping_date ?date ; prov:wasGeneratedBy ?d ;
           sssom:comment \"same occupation\" ;
           prov:wasDerivedFrom ?cand . FILTER NOT EXISTS {{ ?r prov:invalidatedAtTime ?t }} }}
           ?cand sssom:mapping_justification semapv:LexicalMatching . }}"
    );
    assert!(
        ask(app.store(), &record),
        "the mapping record is incomplete"
    );
}

/// SPARQL over HTTP and the concept page see a published mapping at once.
#[actix_web::test]
async fn sparql_and_the_concept_page_see_a_published_mapping_at_once() {
    let p = project(Step::N1Final).await;
    let source_n1 = p.source("N1").await;
    let query = format!(
        "ASK {{ <{source_n1}> <http://www.w3.org/2004/02/skos/core#exactMatch> <{DEVELOPER}> }}"
    );
    let v = p
        .app
        .get_as(&sparql_uri(&query, ""), "application/sparql-results+json")
        .await
        .json();
    assert_eq!(v["boolean"], true);
    let page = p
        .app
        .get_as(
            "/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1",
            "application/n-triples",
        )
        .await
        .text();
    assert!(
        page.contains(&format!(
            "<{source_n1}> <http://www.w3.org/2004/02/skos/core#exactMatch> <{DEVELOPER}>"
        )),
        "{page}"
    );
}

/// N2: dee validates and may not review her own validation; ben agrees that nothing matches.
#[actix_web::test]
async fn a_validator_may_not_review_her_own_validation() {
    let Project { app, c } = project(Step::N1Final).await;
    let (s, _) = app
        .post_json(
            &format!("{P}/items/N2/validate"),
            Some(&c.dee),
            &json!({"no_match": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let before = quads(app.store());
    let (s, v) = app
        .post_json(
            &format!("{P}/items/N2/review"),
            Some(&c.dee),
            &json!({"agree": true}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(quads(app.store()), before);
    let (s, v) = app
        .post_json(
            &format!("{P}/items/N2/review"),
            Some(&c.ben),
            &json!({"agree": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["item"]["state"], "reviewed",
        "agreed no match: settled, nothing published"
    );
    assert!(v["mapping"].is_null());
}

/// N3: ana says close, ben disagrees, ana and ben may not settle it, cai does.
#[actix_web::test]
async fn a_dispute_is_settled_by_a_third_validator() {
    let Project { app, c } = project(Step::N2Reviewed).await;
    let (s, _) = app
        .post_json(
            &format!("{P}/items/N3/validate"),
            Some(&c.ana),
            &json!({"concept": ARCHITECT, "relation": "close"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .post_json(
            &format!("{P}/items/N3/review"),
            Some(&c.ben),
            &json!({"agree": false, "concept": CLOUD, "relation": "exact", "comment": "the same job"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["item"]["state"], "disputed");
    let decide = format!("{P}/items/N3/decide");
    let settle = json!({"concept": CLOUD, "relation": "exact"});
    let (s, _) = app.post_json(&decide, Some(&c.ana), &settle).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the validator cannot settle her own dispute"
    );
    let (s, _) = app.post_json(&decide, Some(&c.ben), &settle).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a reviewer is not a validator");
    let (s, v) = app.post_json(&decide, Some(&c.cai), &settle).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["item"]["state"], "final");
    assert_eq!(v["revision"], 2);
    let history: Vec<&str> = v["item"]["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["step"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["validation", "review", "thirdDecision"]);
    assert_eq!(v["item"]["decisions"][1]["comment"], "the same job");
    let source_n3 = v["item"]["source"].as_str().unwrap().to_owned();
    assert!(ask(
        app.store(),
        &format!(
            "PREFIX sssom: <https://w3id.org/sssom/> ASK {{ GRAPH <{CW}> {{ <{source_n3}> skos:exactMatch <{CLOUD}> .
             ?r sssom:author_id <http://data.europa.eu/esco/curator/cai> ;
                sssom:reviewer_id <http://data.europa.eu/esco/curator/ana>, <http://data.europa.eu/esco/curator/ben> }} }}"
        )
    ));
    assert!(!ask(
        app.store(),
        &format!("ASK {{ <{source_n3}> ?p <{ARCHITECT}> }}")
    ));
}

/// The crosswalk is listed and exported with both mappings.
#[actix_web::test]
async fn the_crosswalk_is_listed_and_exported_with_both_mappings() {
    let Project { app, .. } = project(Step::N3Decided).await;
    let (_, all) = app.get_json("/api/crosswalks").await;
    let listed = all
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "lv-test")
        .cloned()
        .unwrap();
    assert_eq!(listed["links"]["exactMatch"], 2, "{listed}");
    let sssom = app.get("/api/crosswalks/lv-test?format=sssom").await.text();
    assert!(
        sssom.contains("lv-test/N1") && sssom.contains("lv-test/N3"),
        "{sssom}"
    );
}

/// Withdrawal: admins only; the triple goes, the record stays, marked; the item can be curated
/// again; every mapping triple still has its live record.
#[actix_web::test]
async fn withdrawal_is_for_admins_and_keeps_the_record_marked() {
    let p = project(Step::N3Decided).await;
    let (app, c) = (&p.app, &p.c);
    let source_n1 = p.source("N1").await;
    let withdraw = format!("{P}/items/N1/withdraw");
    let (s, _) = app.post_empty(&withdraw, Some(&c.ana)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post_json(&withdraw, Some(&c.adm), &json!({"comment": "wrong table"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["item"]["state"], "suggested");
    assert_eq!(v["revision"], 3);
    assert!(!ask(
        app.store(),
        &format!("ASK {{ <{source_n1}> skos:exactMatch <{DEVELOPER}> }}")
    ));
    assert_eq!(
        count(
            app.store(),
            &format!(
                "PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX prov: <http://www.w3.org/ns/prov#>
                 SELECT (COUNT(*) AS ?n) {{ ?r owl:annotatedSource <{source_n1}> ; prov:invalidatedAtTime ?t ; prov:wasInvalidatedBy ?d }}"
            )
        ),
        1,
        "the withdrawn record is kept and marked"
    );
    // ... and can be curated again.
    let queue = p.queue(&c.cai).await;
    assert!(queue.iter().any(|k| k == "N1"), "{queue:?}");

    // Every mapping triple of the crosswalk has its live record, and every live record its triple.
    assert_eq!(
        count(
            app.store(),
            &format!(
                "PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX prov: <http://www.w3.org/ns/prov#>
                 SELECT (COUNT(*) AS ?n) {{ GRAPH <{CW}> {{ ?s ?p ?o . FILTER(?p IN (skos:exactMatch, skos:closeMatch, skos:broadMatch, skos:narrowMatch))
                   FILTER NOT EXISTS {{ ?r owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o . FILTER NOT EXISTS {{ ?r prov:invalidatedAtTime ?t }} }} }} }}"
            )
        ),
        0
    );
}

/// After the work: the project's status and item lists, and what they refuse.
#[actix_web::test]
async fn the_project_status_and_item_lists_count_the_outcome() {
    let Project { app, .. } = project(Step::N1Withdrawn).await;
    let (_, st) = app.get_json(P).await;
    assert_eq!(st["mappings"], 1);
    assert_eq!(st["states"]["final"], 1);
    assert_eq!(st["states"]["reviewed"], 1);
    let (_, list) = app.get_json(&format!("{P}/items?state=final")).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["key"], "N3");
    let (s, _) = app.get_json(&format!("{P}/items?state=done")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app.get_json("/api/projects/nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn curators_work_through_the_html_screens() {
    let app = TestApp::with_layout(ADMIN_TOKEN);
    let c = curators(&app.users_file());
    let create =
        json!({"id": "screens", "title": "Screens", "source_csv": SOURCE_CSV, "language": "en"});
    let (s, _) = app
        .post_json("/api/projects", Some(ADMIN_TOKEN), &create)
        .await;
    assert_eq!(s, StatusCode::CREATED, "the admin token acts as an admin");
    let (s, _) = app
        .post_empty("/api/projects/screens/suggest", Some(ADMIN_TOKEN))
        .await;
    assert_eq!(s, StatusCode::OK);

    // Not signed in: a sign-in form; a wrong token is refused.
    let body = app.get("/curate").await.text();
    assert!(body.contains("name=\"token\""));
    let reply = app
        .post_form("/curate/login", &[("token", "eld_wrong")])
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.cookie().is_none());

    let reply = app
        .post_form("/curate/login", &[("token", c.ana.as_str())])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let cookie = reply.cookie().unwrap();
    assert!(cookie.http_only().unwrap_or(false));

    // The queue and an item screen.
    let signed_in = |uri: &str| TestRequest::get().uri(uri).cookie(cookie.clone());
    let body = app.call(signed_in("/curate/screens")).await.text();
    assert!(
        body.contains("Waiting for ana") && body.contains("/curate/screens/N1"),
        "{body}"
    );
    let body = app.call(signed_in("/curate/screens/N1")).await.text();
    assert!(body.contains("software developer"), "{body}");
    assert!(body.contains("name=\"choice\" value=\"1\"") && body.contains("Validate"));

    // Deciding by form: then on to the next item waiting.
    let reply = app
        .call(
            TestRequest::post()
                .uri("/curate/screens/N1")
                .cookie(cookie.clone())
                .set_form([("step", "validate"), ("choice", "1"), ("relation", "exact")]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let next = reply.header(header::LOCATION).unwrap();
    assert!(
        next.starts_with("/curate/screens/") && !next.ends_with("/N1"),
        "{next}"
    );
    let (_, item) = app.get_json("/api/projects/screens/items/N1").await;
    assert_eq!(item["state"], "validated");
    assert_eq!(item["decisions"][0]["user"], "ana");

    // A form post without a session is refused, as HTML.
    let reply = app
        .post_form(
            "/curate/screens/N2",
            &[("step", "validate"), ("choice", "none")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[test]
fn the_cli_creates_suggests_and_reports_a_project() {
    let (_tmp, dir) = crate::common::fixture_store();
    let csv = dir.with_file_name("source.csv");
    std::fs::write(&csv, SOURCE_CSV).unwrap();
    let store = dir.display().to_string();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--store", store.as_str()]);
        crate::common::esco_ld(&all)
    };
    let out = run(&[
        "map",
        "create",
        "cli-test",
        "--title",
        "CLI",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "map",
        "create",
        "cli-test",
        "--title",
        "CLI",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists"));
    let out = run(&["map", "suggest", "cli-test", "--no-model", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["sources"], 5);
    assert_eq!(
        (&report["method"], &report["model"]),
        (&json!("lexical"), &Value::Null)
    );
    // With a model, the suggestions record the vector space they were ranked in.
    let fast = crate::common::static_model();
    let out = run(&[
        "map",
        "suggest",
        "cli-test",
        "--model",
        fast.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&report["method"], &report["model"]),
        (&json!("fast"), &json!("m2v-me5-tiny"))
    );
    let out = run(&["map", "status", "cli-test"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("cli-test\tCLI\tsources=5"), "{text}");
    assert!(text.contains("suggested="));
    let out = run(&["map", "export", "cli-test", "--format", "sssom"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("mapping_set_id"));
    let out = run(&["map", "status", "missing"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no project"));
    let out = run(&["user", "add", "ana", "--role", "validator"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout)
        .trim()
        .starts_with("eld_"));
    let out = run(&["user", "add", "bo", "--role", "boss"]);
    assert!(!out.status.success());
    let out = run(&["user", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ana\tvalidator\t"));
}

const SKOS_SOURCE: &str = r#"@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://example.org/noc> a skos:ConceptScheme ; skos:prefLabel "Example NOC"@en .
<https://example.org/noc/1> a skos:Concept ; skos:inScheme <https://example.org/noc> ;
    skos:notation "1" ; skos:prefLabel "Software developer"@en .
<https://example.org/noc/2> a skos:Concept ; skos:inScheme <https://example.org/noc> ;
    skos:notation "2" ; skos:prefLabel "Cloud engineer"@en .
<http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1> skos:prefLabel "hijacked"@en .
"#;

#[actix_web::test]
async fn a_skos_source_and_every_revision_of_the_crosswalk_as_a_dump() {
    let app = TestApp::with_layout(ADMIN_TOKEN);
    let c = curators(&app.users_file());
    let (s, v) = app
        .post_json(
            "/api/projects",
            Some(&c.adm),
            &json!({"id": "noc", "title": "NOC", "source_skos": SKOS_SOURCE, "language": "en"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["sources"], 2);
    // Only the scheme and its concepts came in: the file's claim about an ESCO concept did not.
    assert!(!ask(
        app.store(),
        "ASK { ?s skos:prefLabel \"hijacked\"@en }"
    ));
    let (s, _) = app
        .post_empty("/api/projects/noc/suggest", Some(&c.adm))
        .await;
    assert_eq!(s, StatusCode::OK);
    // A concept outside the target (here: the source concept itself) is refused.
    let (s, _) = app
        .post_json(
            "/api/projects/noc/items/1/validate",
            Some(&c.ana),
            &json!({"concept": "https://example.org/noc/2", "relation": "exact"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    for (key, concept) in [("1", DEVELOPER), ("2", CLOUD)] {
        let (s, _) = app
            .post_json(
                &format!("/api/projects/noc/items/{key}/validate"),
                Some(&c.ana),
                &json!({"concept": concept, "relation": "exact"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        // An agreeing review cannot carry another answer.
        let (s, _) = app
            .post_json(
                &format!("/api/projects/noc/items/{key}/review"),
                Some(&c.ben),
                &json!({"agree": true, "no_match": true}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _) = app
            .post_json(
                &format!("/api/projects/noc/items/{key}/review"),
                Some(&c.ben),
                &json!({"agree": true}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, v) = app
        .post_empty("/api/projects/noc/items/1/withdraw", Some(&c.adm))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["revision"], 3);

    // Revision 2 had both mappings, revision 3 only the second, revision 1 only the first.
    let v2 = app.get("/esco/crosswalk/noc/v2.sssom.tsv").await.text();
    assert!(
        v2.contains("https://example.org/noc/1") && v2.contains("https://example.org/noc/2"),
        "{v2}"
    );
    assert!(v2.contains("mapping_set_version: \"2\""), "{v2}");
    let v1 = app
        .get("/api/crosswalks/noc?format=sssom&version=1")
        .await
        .text();
    assert!(v1.contains("https://example.org/noc/1") && !v1.contains("https://example.org/noc/2"));
    let latest = app.get("/esco/crosswalk/noc/latest.sssom.tsv").await.text();
    assert!(
        !latest.contains("https://example.org/noc/1\t")
            && latest.contains("https://example.org/noc/2")
    );
    // The curated export carries who and how similar.
    assert!(latest.contains("\tauthor_id\treviewer_id\t"), "{latest}");
    assert!(
        latest.contains("esco:curator/ana\tesco:curator/ben"),
        "{latest}"
    );
    let csv = app.get("/esco/crosswalk/noc/latest.csv").await.text();
    assert!(csv.contains(CLOUD) && !csv.contains(DEVELOPER), "{csv}");
    let ttl = app.get("/esco/crosswalk/noc/v1.ttl").await.text();
    assert!(ttl.contains("exactMatch") && ttl.contains("noc/1"), "{ttl}");
    let reply = app.get("/esco/crosswalk/noc/v9.sssom.tsv").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    // The crosswalk's description: a VoID linkset and a DCAT dataset with its distributions.
    let nt = app
        .get_as("/esco/crosswalk/noc", "application/n-triples")
        .await
        .text();
    assert!(nt.contains("<http://www.w3.org/ns/dcat#distribution> <http://data.europa.eu/esco/crosswalk/noc/latest.sssom.tsv>"), "{nt}");
    assert!(
        nt.contains("<http://rdfs.org/ns/void#Linkset>")
            && nt.contains("<http://www.w3.org/ns/dcat#Dataset>")
    );
    assert!(
        nt.contains("<http://www.w3.org/2002/07/owl#versionInfo> \"3\""),
        "{nt}"
    );
    let (_, st) = app.get_json("/api/projects/noc").await;
    assert_eq!(st["revision"], 3);
}
