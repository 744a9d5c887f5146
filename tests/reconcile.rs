//! The W3C Reconciliation API (0.2) at `/reconcile`: every response is validated against the
//! specification's own JSON schemas (tests/fixtures/reconciliation-0.2, copied verbatim).

use actix_web::http::{header, StatusCode};
use serde_json::{json, Value};

use crate::common::{fixture, TestApp};

const DEVELOPER: &str =
    "http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1";
const SPECIALIST_NURSE: &str =
    "http://data.europa.eu/esco/occupation/18e14e61-495b-44cc-a7c6-df4c625934ba";

fn schema(name: &str) -> Value {
    let path = fixture(&format!("reconciliation-0.2/{name}"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Validates `doc` against the spec's schema `name`; panics with every error.
fn validate(name: &str, doc: &Value) {
    let registry = jsonschema::Registry::new()
        .add(
            "https://reconciliation-api.github.io/specs/0.2/schemas/type.json",
            schema("type.json"),
        )
        .unwrap()
        .add("http://swagger.io/v2/schema.json", schema("openapi.json"))
        .unwrap()
        .prepare()
        .unwrap();
    let validator = jsonschema::options()
        .offline()
        .with_registry(&registry)
        .build(&schema(name))
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?}\n{doc}");
}

#[test]
fn the_validator_rejects_what_the_schemas_forbid() {
    // The check must be able to fail: a result without a score, a manifest without versions.
    let registry_free = jsonschema::options()
        .offline()
        .build(&schema("reconciliation-result-batch.json"))
        .unwrap();
    assert!(!registry_free.is_valid(&json!({"q0": {"result": [{"id": "x", "name": "y"}]}})));
    assert!(
        registry_free.is_valid(&json!({"q0": {"result": [{"id": "x", "name": "y", "score": 1}]}}))
    );
}

#[actix_web::test]
async fn the_manifest_follows_the_schema() {
    let app = TestApp::lexical();
    let (status, manifest) = app.get_json("/reconcile").await;
    assert_eq!(status, StatusCode::OK);
    validate("manifest.json", &manifest);
    assert_eq!(manifest["identifierSpace"], "http://data.europa.eu/esco/");
    assert!(manifest["versions"]
        .as_array()
        .unwrap()
        .contains(&json!("0.2")));
    assert!(manifest["preview"]["url"]
        .as_str()
        .unwrap()
        .contains("{{id}}"));
}

#[actix_web::test]
async fn batches_by_post_and_get_find_and_match() {
    let app = TestApp::lexical();
    let queries = json!({
        "q0": {"query": "Software Developer", "type": "Occupation", "limit": 3, "type_strict": "should"},
        "q1": {"query": "specialist nurse", "type": ["Occupation"],
               "properties": [{"pid": "isco", "v": "2221"}, {"pid": "language", "v": "en"}]},
        "q2": {"query": "programer for software", "properties": [{"pid": "description", "v": "writes code"}]},
    });
    validate("reconciliation-query-batch.json", &queries);
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("queries", &queries.to_string())
        .finish();
    let reply = app
        .post(
            "/reconcile",
            None,
            "application/x-www-form-urlencoded",
            form.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let body: Value = serde_json::from_slice(&reply.body).unwrap();
    validate("reconciliation-result-batch.json", &body);
    let q0 = body["q0"]["result"].as_array().unwrap();
    assert!(!q0.is_empty() && q0.len() <= 3);
    assert_eq!(q0[0]["id"], DEVELOPER);
    assert_eq!(q0[0]["match"], true);
    assert!(q0.iter().skip(1).all(|c| c["match"] == false));
    assert!(q0
        .windows(2)
        .all(|w| w[0]["score"].as_f64() >= w[1]["score"].as_f64()));
    assert_eq!(body["q1"]["result"][0]["id"], SPECIALIST_NURSE);
    assert_eq!(body["q1"]["result"][0]["match"], true);
    // Without an exact label there is no certain match, but the developer is proposed.
    let q2 = body["q2"]["result"].as_array().unwrap();
    assert!(q2.iter().all(|c| c["match"] == false));
    assert!(q2.iter().any(|c| c["id"] == DEVELOPER), "{q2:?}");
    // The same by GET.
    let (status, by_get) = app.get_json(&format!("/reconcile?{form}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_get, body);
}

#[actix_web::test]
async fn the_isco_property_lowers_candidates_outside_the_group() {
    let app = TestApp::lexical();
    let ask = |isco: &str| {
        json!({"q0": {"query": "software developer", "type": "Occupation", "limit": 10,
                      "properties": [{"pid": "isco", "v": isco}]}})
    };
    let score = |body: &Value| {
        body["q0"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == DEVELOPER)
            .map(|c| c["score"].as_f64().unwrap())
            .unwrap()
    };
    let enc =
        |v: &Value| form_urlencoded::byte_serialize(v.to_string().as_bytes()).collect::<String>();
    let (_, inside) = app
        .get_json(&format!("/reconcile?queries={}", enc(&ask("2512"))))
        .await;
    let (_, outside) = app
        .get_json(&format!("/reconcile?queries={}", enc(&ask("2221"))))
        .await;
    assert!(score(&inside) > score(&outside), "{inside} {outside}");
}

#[actix_web::test]
async fn suggest_preview_flyout_and_view() {
    let app = TestApp::lexical();
    let (status, entities) = app
        .get_json("/reconcile/suggest/entity?prefix=software%20dev&type=Occupation")
        .await;
    assert_eq!(status, StatusCode::OK);
    validate("suggest-entities-response.json", &entities);
    assert!(
        entities["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == DEVELOPER),
        "{entities}"
    );
    let (_, types) = app.get_json("/reconcile/suggest/type?prefix=occ").await;
    validate("suggest-types-response.json", &types);
    assert_eq!(types["result"][0]["id"], "Occupation");
    let (_, properties) = app.get_json("/reconcile/suggest/property?prefix=isc").await;
    validate("suggest-properties-response.json", &properties);
    assert_eq!(properties["result"][0]["id"], "isco");
    let (status, flyout) = app
        .get_json(&format!("/reconcile/flyout/entity?id={DEVELOPER}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(flyout["html"]
        .as_str()
        .unwrap()
        .contains("software developer"));
    let reply = app.get(&format!("/reconcile/preview?id={DEVELOPER}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header(header::ETAG).is_some());
    let html = reply.text();
    assert!(
        html.contains("software developer") && html.contains("2512"),
        "{html}"
    );
    let reply = app.get(&format!("/reconcile/view?id={DEVELOPER}")).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        reply.header(header::LOCATION).unwrap(),
        "/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1"
    );
    // JSONP for old clients; a callback that is not an identifier is refused.
    let reply = app.get("/reconcile?callback=jQuery_123").await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.text();
    assert!(
        body.starts_with("jQuery_123({") && body.ends_with(");"),
        "{body}"
    );
    let (status, _) = app.get_json("/reconcile?callback=alert(1)").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn bad_requests_are_refused_with_reasons() {
    let app = TestApp::lexical();
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    for (queries, needle) in [
        ("not json", "queries must be a JSON object"),
        ("[1,2]", "queries must be a JSON object"),
        (
            r#"{"q0": {"query": "nurse", "type": "Planet"}}"#,
            "unknown type",
        ),
        (r#"{"q0": {"query": "nurse", "limit": 0}}"#, "limit must be"),
        (
            r#"{"q0": {"query": "nurse", "limit": -2}}"#,
            "limit must be",
        ),
        (r#"{"q0": {"query": "  "}}"#, "must contain a letter"),
        (
            r#"{"q0": {"query": "nurse", "properties": [{"pid": "P31", "v": "x"}]}}"#,
            "unknown property",
        ),
        (
            r#"{"q0": {"query": "nurse", "properties": [{"pid": "isco", "v": "22x"}]}}"#,
            "ISCO-08 code",
        ),
        (
            r#"{"q0": {"query": "nurse", "properties": [{"pid": "language", "v": "xx"}]}}"#,
            "no labels in language",
        ),
    ] {
        let (status, body) = app
            .get_json(&format!("/reconcile?queries={}", enc(queries)))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{queries}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(needle),
            "{queries}: {body}"
        );
    }
    for (uri, status) in [
        ("/reconcile/suggest/entity", StatusCode::BAD_REQUEST),
        (
            "/reconcile/suggest/entity?prefix=nurse&cursor=-1",
            StatusCode::BAD_REQUEST,
        ),
        ("/reconcile/preview", StatusCode::BAD_REQUEST),
        (
            "/reconcile/preview?id=http://data.europa.eu/esco/occupation/nothing-here",
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (got, body) = app.get_json(uri).await;
        assert_eq!(got, status, "{uri}: {body}");
    }
    let reply = app.post("/reconcile", None, "application/json", "{}").await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}
