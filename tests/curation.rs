//! Crosswalk curation over HTTP with several curators: a project from a CSV, suggestions,
//! validation, review, dispute and third decision, write-back with provenance that SPARQL and
//! the concept pages see, withdrawal, the queue, the HTML screens, and every forbidden action
//! refused without a trace in the store.

use actix_web::http::{header, StatusCode};
use actix_web::test as atest;
use esco_ld::curation::users::{self, Role};
use esco_ld::http::build_app;
use serde_json::{json, Value};

use crate::common::{app_state, ask, count, lexical_config, quads};

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

macro_rules! call {
    ($app:expr, $method:ident, $uri:expr, $token:expr, $body:expr) => {{
        let uri: String = AsRef::<str>::as_ref(&$uri).to_owned();
        let mut req = atest::TestRequest::$method().uri(&uri);
        if let Some(t) = $token {
            req = req.insert_header((header::AUTHORIZATION, format!("Bearer {}", t)));
        }
        let body: Option<Value> = $body;
        if let Some(b) = body {
            req = req.set_json(b);
        }
        let resp = atest::call_service(&$app, req.to_request()).await;
        let status = resp.status();
        let bytes = atest::read_body(resp).await;
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }};
}

const P: &str = "/api/projects/lv-test";

#[actix_web::test]
async fn a_whole_project_with_three_curators() {
    let (tmp, state) = {
        let users_dir = tempfile::tempdir().unwrap();
        let layout = esco_ld::store::StoreLayout::new(users_dir.path().join("store"));
        let file = layout.users();
        let config = esco_ld::http::Config {
            layout: Some(layout.clone()),
            ..lexical_config(Some(ADMIN_TOKEN))
        };
        let (guard, state) = app_state(config);
        ((guard, users_dir, file), state)
    };
    let c = curators(&tmp.2);
    let app = atest::init_service(build_app(state.clone())).await;
    let none: Option<&str> = None;
    let create = json!({"id": "lv-test", "title": "Test national table", "source_csv": SOURCE_CSV,
        "language": "en", "k": 5});

    // Creating: only admins; no token 401, unknown token 403, validator 403.
    let (s, _) = call!(app, post, "/api/projects", none, Some(create.clone()));
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = call!(
        app,
        post,
        "/api/projects",
        Some("eld_nope"),
        Some(create.clone())
    );
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call!(
        app,
        post,
        "/api/projects",
        Some(&c.ana),
        Some(create.clone())
    );
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = call!(
        app,
        post,
        "/api/projects",
        Some(&c.adm),
        Some(json!({"id": "bad", "title": "x", "source_csv": "id,title\nA1,\n"}))
    );
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = call!(
        app,
        post,
        "/api/projects",
        Some(&c.adm),
        Some(create.clone())
    );
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["sources"], 5);
    assert_eq!(v["states"]["unmapped"], 5);
    let (s, _) = call!(
        app,
        post,
        "/api/projects",
        Some(&c.adm),
        Some(create.clone())
    );
    assert_eq!(s, StatusCode::CONFLICT);

    // Suggesting: admins only.
    let suggest = format!("{P}/suggest");
    let (s, _) = call!(app, post, suggest, Some(&c.ana), None);
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = call!(app, post, suggest, Some(&c.adm), None);
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["sources"], 5);
    assert!(v["suggested"].as_u64().unwrap() >= 4, "{v}");
    let (_, item) = call!(app, get, format!("{P}/items/N1"), none, None);
    assert_eq!(item["state"], "suggested");
    assert_eq!(item["label"], "Software developer");
    assert_eq!(item["candidates"][0]["concept"], DEVELOPER, "{item}");
    assert_eq!(item["candidates"][0]["rank"], 1);
    assert!(item["candidates"][0]["score"].as_f64().unwrap() > 0.5);
    assert_eq!(item["candidates"][0]["method"], "lexical");

    // The store before forbidden actions: they must leave no trace.
    let before = quads(&state.store);
    let validate_n1 = format!("{P}/items/N1/validate");
    let choice = json!({"candidate": 1, "relation": "exact", "comment": "same occupation"});
    let (s, _) = call!(app, post, validate_n1, none, Some(choice.clone()));
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = call!(
        app,
        post,
        validate_n1,
        Some("eld_wrong"),
        Some(choice.clone())
    );
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call!(app, post, validate_n1, Some(&c.ben), Some(choice.clone()));
    assert_eq!(s, StatusCode::FORBIDDEN, "a reviewer cannot validate");
    let (s, _) = call!(
        app,
        post,
        format!("{P}/items/N1/review"),
        Some(&c.ben),
        Some(json!({"agree": true}))
    );
    assert_eq!(s, StatusCode::CONFLICT, "nothing to review yet");
    let (s, _) = call!(
        app,
        post,
        validate_n1,
        Some(&c.ana),
        Some(json!({"candidate": 1, "relation": "sideways"}))
    );
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = call!(
        app,
        post,
        validate_n1,
        Some(&c.ana),
        Some(json!({"concept": "http://data.europa.eu/esco/occupation/nope", "relation": "exact"}))
    );
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = call!(
        app,
        post,
        format!("{P}/items/N9/validate"),
        Some(&c.ana),
        Some(choice.clone())
    );
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        quads(&state.store),
        before,
        "refused actions changed the store"
    );

    // N1: ana validates, ben agrees: final, written back.
    let (s, v) = call!(app, post, validate_n1, Some(&c.ana), Some(choice.clone()));
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["item"]["state"], "validated");
    let (s, _) = call!(app, post, validate_n1, Some(&c.ana), Some(choice.clone()));
    assert_eq!(s, StatusCode::CONFLICT, "validated twice");
    // ben's queue holds N1; ana's does not.
    let (_, q) = call!(app, get, format!("{P}/queue"), Some(&c.ben), None);
    assert!(
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["key"] == "N1"),
        "{q}"
    );
    let (_, q) = call!(app, get, format!("{P}/queue"), Some(&c.ana), None);
    assert!(
        !q["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["key"] == "N1"),
        "{q}"
    );
    let (s, _) = call!(app, get, format!("{P}/queue"), none, None);
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = call!(
        app,
        post,
        format!("{P}/items/N1/review"),
        Some(&c.ben),
        Some(json!({"agree": true}))
    );
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["item"]["state"], "final");
    assert_eq!(v["revision"], 1);
    let source_n1 = v["item"]["source"].as_str().unwrap().to_owned();
    let cw = "http://data.europa.eu/esco/crosswalk/lv-test";
    assert!(ask(
        &state.store,
        &format!("ASK {{ GRAPH <{cw}> {{ <{source_n1}> skos:exactMatch <{DEVELOPER}> }} }}")
    ));
    let record = format!(
        "PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX sssom: <https://w3id.org/sssom/>
         PREFIX semapv: <https://w3id.org/semapv/vocab/> PREFIX prov: <http://www.w3.org/ns/prov#>
         ASK {{ GRAPH <{cw}> {{ ?r owl:annotatedSource <{source_n1}> ; owl:annotatedProperty skos:exactMatch ;
           owl:annotatedTarget <{DEVELOPER}> ; sssom:mapping_justification semapv:ManualMappingCuration ;
           sssom:author_id <http://data.europa.eu/esco/curator/ana> ;
           sssom:reviewer_id <http://data.europa.eu/esco/curator/ben> ;
           sssom:similarity_score ?score ; sssom:mapping_date ?date ; prov:wasGeneratedBy ?d ;
           sssom:comment \"same occupation\" ;
           prov:wasDerivedFrom ?cand . FILTER NOT EXISTS {{ ?r prov:invalidatedAtTime ?t }} }}
           ?cand sssom:mapping_justification semapv:LexicalMatching . }}"
    );
    assert!(
        ask(&state.store, &record),
        "the mapping record is incomplete"
    );

    // SPARQL over HTTP and the concept page see it at once.
    let req = atest::TestRequest::get()
        .uri(&format!(
            "/sparql?query={}",
            form_urlencoded::byte_serialize(
                format!("ASK {{ <{source_n1}> <http://www.w3.org/2004/02/skos/core#exactMatch> <{DEVELOPER}> }}").as_bytes()
            )
            .collect::<String>()
        ))
        .insert_header((header::ACCEPT, "application/sparql-results+json"))
        .to_request();
    let v: Value = atest::call_and_read_body_json(&app, req).await;
    assert_eq!(v["boolean"], true);
    let req = atest::TestRequest::get()
        .uri("/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1")
        .insert_header((header::ACCEPT, "application/n-triples"))
        .to_request();
    let page = String::from_utf8(atest::call_and_read_body(&app, req).await.to_vec()).unwrap();
    assert!(
        page.contains(&format!(
            "<{source_n1}> <http://www.w3.org/2004/02/skos/core#exactMatch> <{DEVELOPER}>"
        )),
        "{page}"
    );

    // N2: dee validates and may not review her own validation.
    let (s, _) = call!(
        app,
        post,
        format!("{P}/items/N2/validate"),
        Some(&c.dee),
        Some(json!({"no_match": true}))
    );
    assert_eq!(s, StatusCode::OK);
    let before = quads(&state.store);
    let (s, v) = call!(
        app,
        post,
        format!("{P}/items/N2/review"),
        Some(&c.dee),
        Some(json!({"agree": true}))
    );
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(quads(&state.store), before);
    let (s, v) = call!(
        app,
        post,
        format!("{P}/items/N2/review"),
        Some(&c.ben),
        Some(json!({"agree": true}))
    );
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["item"]["state"], "reviewed",
        "agreed no match: settled, nothing published"
    );
    assert!(v["mapping"].is_null());

    // N3: ana says close, ben disagrees, ana and ben may not settle it, cai does.
    let (s, _) = call!(
        app,
        post,
        format!("{P}/items/N3/validate"),
        Some(&c.ana),
        Some(json!({"concept": ARCHITECT, "relation": "close"}))
    );
    assert_eq!(s, StatusCode::OK);
    let (s, v) = call!(
        app,
        post,
        format!("{P}/items/N3/review"),
        Some(&c.ben),
        Some(
            json!({"agree": false, "concept": CLOUD, "relation": "exact", "comment": "the same job"})
        )
    );
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["item"]["state"], "disputed");
    let decide = format!("{P}/items/N3/decide");
    let settle = json!({"concept": CLOUD, "relation": "exact"});
    let (s, _) = call!(app, post, decide, Some(&c.ana), Some(settle.clone()));
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the validator cannot settle her own dispute"
    );
    let (s, _) = call!(app, post, decide, Some(&c.ben), Some(settle.clone()));
    assert_eq!(s, StatusCode::FORBIDDEN, "a reviewer is not a validator");
    let (s, v) = call!(app, post, decide, Some(&c.cai), Some(settle.clone()));
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
        &state.store,
        &format!(
            "PREFIX sssom: <https://w3id.org/sssom/> ASK {{ GRAPH <{cw}> {{ <{source_n3}> skos:exactMatch <{CLOUD}> .
             ?r sssom:author_id <http://data.europa.eu/esco/curator/cai> ;
                sssom:reviewer_id <http://data.europa.eu/esco/curator/ana>, <http://data.europa.eu/esco/curator/ben> }} }}"
        )
    ));
    assert!(!ask(
        &state.store,
        &format!("ASK {{ <{source_n3}> ?p <{ARCHITECT}> }}")
    ));

    // The crosswalk is listed and exported with both mappings.
    let (_, all) = call!(app, get, "/api/crosswalks", none, None);
    let listed = all
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "lv-test")
        .cloned()
        .unwrap();
    assert_eq!(listed["links"]["exactMatch"], 2, "{listed}");
    let req = atest::TestRequest::get()
        .uri("/api/crosswalks/lv-test?format=sssom")
        .to_request();
    let sssom = String::from_utf8(atest::call_and_read_body(&app, req).await.to_vec()).unwrap();
    assert!(
        sssom.contains("lv-test/N1") && sssom.contains("lv-test/N3"),
        "{sssom}"
    );

    // Withdrawal: admins only; the triple goes, the record stays, marked.
    let withdraw = format!("{P}/items/N1/withdraw");
    let (s, _) = call!(app, post, withdraw, Some(&c.ana), None);
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = call!(
        app,
        post,
        withdraw,
        Some(&c.adm),
        Some(json!({"comment": "wrong table"}))
    );
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["item"]["state"], "suggested");
    assert_eq!(v["revision"], 3);
    assert!(!ask(
        &state.store,
        &format!("ASK {{ <{source_n1}> skos:exactMatch <{DEVELOPER}> }}")
    ));
    assert_eq!(
        count(
            &state.store,
            &format!(
                "PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX prov: <http://www.w3.org/ns/prov#>
                 SELECT (COUNT(*) AS ?n) {{ ?r owl:annotatedSource <{source_n1}> ; prov:invalidatedAtTime ?t ; prov:wasInvalidatedBy ?d }}"
            )
        ),
        1,
        "the withdrawn record is kept and marked"
    );
    // ... and can be curated again.
    let (_, q) = call!(app, get, format!("{P}/queue"), Some(&c.cai), None);
    assert!(
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["key"] == "N1"),
        "{q}"
    );

    // Every mapping triple of the crosswalk has its live record, and every live record its triple.
    assert_eq!(
        count(
            &state.store,
            &format!(
                "PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX prov: <http://www.w3.org/ns/prov#>
                 SELECT (COUNT(*) AS ?n) {{ GRAPH <{cw}> {{ ?s ?p ?o . FILTER(?p IN (skos:exactMatch, skos:closeMatch, skos:broadMatch, skos:narrowMatch))
                   FILTER NOT EXISTS {{ ?r owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o . FILTER NOT EXISTS {{ ?r prov:invalidatedAtTime ?t }} }} }} }}"
            )
        ),
        0
    );

    // Status and item lists.
    let (_, st) = call!(app, get, P, none, None);
    assert_eq!(st["mappings"], 1);
    assert_eq!(st["states"]["final"], 1);
    assert_eq!(st["states"]["reviewed"], 1);
    let (_, list) = call!(app, get, format!("{P}/items?state=final"), none, None);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["key"], "N3");
    let (s, _) = call!(app, get, format!("{P}/items?state=done"), none, None);
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = call!(app, get, "/api/projects/nope", none, None);
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn curators_work_through_the_html_screens() {
    let users_dir = tempfile::tempdir().unwrap();
    let layout = esco_ld::store::StoreLayout::new(users_dir.path().join("store"));
    let file = layout.users();
    let config = esco_ld::http::Config {
        layout: Some(layout.clone()),
        ..lexical_config(Some(ADMIN_TOKEN))
    };
    let (_guard, state) = app_state(config);
    let c = curators(&file);
    let app = atest::init_service(build_app(state.clone())).await;
    let create =
        json!({"id": "screens", "title": "Screens", "source_csv": SOURCE_CSV, "language": "en"});
    let (s, _) = call!(app, post, "/api/projects", Some(ADMIN_TOKEN), Some(create));
    assert_eq!(s, StatusCode::CREATED, "the admin token acts as an admin");
    let (s, _) = call!(
        app,
        post,
        "/api/projects/screens/suggest",
        Some(ADMIN_TOKEN),
        None
    );
    assert_eq!(s, StatusCode::OK);

    // Not signed in: a sign-in form; a wrong token is refused.
    let req = atest::TestRequest::get().uri("/curate").to_request();
    let body = String::from_utf8(atest::call_and_read_body(&app, req).await.to_vec()).unwrap();
    assert!(body.contains("name=\"token\""));
    let req = atest::TestRequest::post()
        .uri("/curate/login")
        .set_form([("token", "eld_wrong")])
        .to_request();
    let resp = atest::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.response().cookies().next().is_none());

    let req = atest::TestRequest::post()
        .uri("/curate/login")
        .set_form([("token", c.ana.as_str())])
        .to_request();
    let resp = atest::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = resp.response().cookies().next().unwrap().into_owned();
    assert!(cookie.http_only().unwrap_or(false));

    // The queue and an item screen.
    let req = atest::TestRequest::get()
        .uri("/curate/screens")
        .cookie(cookie.clone())
        .to_request();
    let body = String::from_utf8(atest::call_and_read_body(&app, req).await.to_vec()).unwrap();
    assert!(
        body.contains("Waiting for ana") && body.contains("/curate/screens/N1"),
        "{body}"
    );
    let req = atest::TestRequest::get()
        .uri("/curate/screens/N1")
        .cookie(cookie.clone())
        .to_request();
    let body = String::from_utf8(atest::call_and_read_body(&app, req).await.to_vec()).unwrap();
    assert!(body.contains("software developer"), "{body}");
    assert!(body.contains("name=\"choice\" value=\"1\"") && body.contains("Validate"));

    // Deciding by form: then on to the next item waiting.
    let req = atest::TestRequest::post()
        .uri("/curate/screens/N1")
        .cookie(cookie.clone())
        .set_form([("step", "validate"), ("choice", "1"), ("relation", "exact")])
        .to_request();
    let resp = atest::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let next = resp
        .headers()
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        next.starts_with("/curate/screens/") && !next.ends_with("/N1"),
        "{next}"
    );
    let (_, item) = call!(
        app,
        get,
        "/api/projects/screens/items/N1",
        None::<&str>,
        None
    );
    assert_eq!(item["state"], "validated");
    assert_eq!(item["decisions"][0]["user"], "ana");

    // A form post without a session is refused, as HTML.
    let req = atest::TestRequest::post()
        .uri("/curate/screens/N2")
        .set_form([("step", "validate"), ("choice", "none")])
        .to_request();
    let resp = atest::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn the_cli_creates_suggests_and_reports_a_project() {
    let (_tmp, dir) = crate::common::fixture_store();
    let csv = dir.with_file_name("source.csv");
    std::fs::write(&csv, SOURCE_CSV).unwrap();
    let bin = env!("CARGO_BIN_EXE_esco-ld");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .arg("--store")
            .arg(&dir)
            .output()
            .unwrap()
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
    let fast =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(esco_ld::embed::FAST_MODEL_DIR);
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
    let users_dir = tempfile::tempdir().unwrap();
    let layout = esco_ld::store::StoreLayout::new(users_dir.path().join("store"));
    let file = layout.users();
    let config = esco_ld::http::Config {
        layout: Some(layout.clone()),
        ..lexical_config(Some(ADMIN_TOKEN))
    };
    let (_guard, state) = app_state(config);
    let c = curators(&file);
    let app = atest::init_service(build_app(state.clone())).await;
    let none: Option<&str> = None;
    let (s, v) = call!(
        app,
        post,
        "/api/projects",
        Some(&c.adm),
        Some(json!({"id": "noc", "title": "NOC", "source_skos": SKOS_SOURCE, "language": "en"}))
    );
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["sources"], 2);
    // Only the scheme and its concepts came in: the file's claim about an ESCO concept did not.
    assert!(!ask(
        &state.store,
        "ASK { ?s skos:prefLabel \"hijacked\"@en }"
    ));
    let (s, _) = call!(app, post, "/api/projects/noc/suggest", Some(&c.adm), None);
    assert_eq!(s, StatusCode::OK);
    // A concept outside the target (here: the source concept itself) is refused.
    let (s, _) = call!(
        app,
        post,
        "/api/projects/noc/items/1/validate",
        Some(&c.ana),
        Some(json!({"concept": "https://example.org/noc/2", "relation": "exact"}))
    );
    assert_eq!(s, StatusCode::BAD_REQUEST);
    for (key, concept) in [("1", DEVELOPER), ("2", CLOUD)] {
        let (s, _) = call!(
            app,
            post,
            format!("/api/projects/noc/items/{key}/validate"),
            Some(&c.ana),
            Some(json!({"concept": concept, "relation": "exact"}))
        );
        assert_eq!(s, StatusCode::OK);
        // An agreeing review cannot carry another answer.
        let (s, _) = call!(
            app,
            post,
            format!("/api/projects/noc/items/{key}/review"),
            Some(&c.ben),
            Some(json!({"agree": true, "no_match": true}))
        );
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _) = call!(
            app,
            post,
            format!("/api/projects/noc/items/{key}/review"),
            Some(&c.ben),
            Some(json!({"agree": true}))
        );
        assert_eq!(s, StatusCode::OK);
    }
    let (s, v) = call!(
        app,
        post,
        "/api/projects/noc/items/1/withdraw",
        Some(&c.adm),
        None
    );
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["revision"], 3);

    let get = |uri: &str| atest::TestRequest::get().uri(uri).to_request();
    let text = |b: actix_web::web::Bytes| String::from_utf8(b.to_vec()).unwrap();
    // Revision 2 had both mappings, revision 3 only the second, revision 1 only the first.
    let v2 = text(atest::call_and_read_body(&app, get("/esco/crosswalk/noc/v2.sssom.tsv")).await);
    assert!(
        v2.contains("https://example.org/noc/1") && v2.contains("https://example.org/noc/2"),
        "{v2}"
    );
    assert!(v2.contains("mapping_set_version: \"2\""), "{v2}");
    let v1 = text(
        atest::call_and_read_body(&app, get("/api/crosswalks/noc?format=sssom&version=1")).await,
    );
    assert!(v1.contains("https://example.org/noc/1") && !v1.contains("https://example.org/noc/2"));
    let latest =
        text(atest::call_and_read_body(&app, get("/esco/crosswalk/noc/latest.sssom.tsv")).await);
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
    let csv = text(atest::call_and_read_body(&app, get("/esco/crosswalk/noc/latest.csv")).await);
    assert!(csv.contains(CLOUD) && !csv.contains(DEVELOPER), "{csv}");
    let ttl = text(atest::call_and_read_body(&app, get("/esco/crosswalk/noc/v1.ttl")).await);
    assert!(ttl.contains("exactMatch") && ttl.contains("noc/1"), "{ttl}");
    let resp = atest::call_service(&app, get("/esco/crosswalk/noc/v9.sssom.tsv")).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // The crosswalk's description: a VoID linkset and a DCAT dataset with its distributions.
    let req = atest::TestRequest::get()
        .uri("/esco/crosswalk/noc")
        .insert_header((header::ACCEPT, "application/n-triples"))
        .to_request();
    let nt = text(atest::call_and_read_body(&app, req).await);
    assert!(nt.contains("<http://www.w3.org/ns/dcat#distribution> <http://data.europa.eu/esco/crosswalk/noc/latest.sssom.tsv>"), "{nt}");
    assert!(
        nt.contains("<http://rdfs.org/ns/void#Linkset>")
            && nt.contains("<http://www.w3.org/ns/dcat#Dataset>")
    );
    assert!(
        nt.contains("<http://www.w3.org/2002/07/owl#versionInfo> \"3\""),
        "{nt}"
    );
    let (_, st) = call!(app, get, "/api/projects/noc", none, None);
    assert_eq!(st["revision"], 3);
}
