//! Whole bodies that users script against, as reviewed snapshots (`tests/snapshots/`): the JSON
//! error body of each kind of error, the ESCO API's error and resource shapes, the VoID
//! description, the SSSOM header of a crosswalk export and a concept's Turtle page. What varies
//! from run to run (entity tags, dates, tokens, temporary paths) is redacted.
//!
//! A snapshot that changes fails the test; after a deliberate change, run the tests once with
//! `INSTA_UPDATE=always`, review the `.snap` files' diff and commit it. With `CI` set, a missing
//! snapshot fails too.

use actix_web::http::{header, StatusCode};
use esco_ld::curation::users::{self, Role};
use serde_json::{json, Value};

use crate::common::TestApp;
use crate::http::parse;

const ANALYST: &str = "http://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86";
const ADMIN: &str = "the-service-admin-token";

/// `text` with every line that starts with one of `prefixes` cut after the prefix and
/// `[redacted]` put in its place.
fn redact_lines(text: &str, prefixes: &[&str]) -> String {
    text.lines()
        .map(
            |line| match prefixes.iter().find(|p| line.starts_with(*p)) {
                Some(p) => format!("{p}[redacted]"),
                None => line.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}

/// An error answer: the status, and the body with exactly `message`, `code` and `type`.
fn error_body(status: StatusCode, body: Value, expected: StatusCode) -> Value {
    assert_eq!(status, expected, "{body}");
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {body}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "message", "type"], "{body}");
    body
}

#[actix_web::test]
async fn json_error_bodies_one_per_kind() {
    let app = TestApp::with_layout(ADMIN);
    let ana = users::add(&app.users_file(), "ana", &[Role::Validator]).unwrap();
    let ben = users::add(&app.users_file(), "ben", &[Role::Reviewer]).unwrap();

    let (s, body) = app.get_json("/api/search?text=nurse&limit=0").await;
    insta::assert_json_snapshot!(
        "error_invalid_parameter",
        error_body(s, body, StatusCode::BAD_REQUEST)
    );
    let (s, body) = app.get_json("/api/match?text=nurse&target=planets").await;
    insta::assert_json_snapshot!(
        "error_invalid_target",
        error_body(s, body, StatusCode::BAD_REQUEST)
    );
    let (s, body) = app.get_json("/api/projects/nope").await;
    insta::assert_json_snapshot!(
        "error_unknown_project",
        error_body(s, body, StatusCode::NOT_FOUND)
    );
    let project = json!({"id": "p", "title": "P", "language": "en",
        "source_csv": "id,title\nN1,Software developer\n"});
    let (s, body) = app.post_json("/api/projects", None, &project).await;
    insta::assert_json_snapshot!(
        "error_missing_token",
        error_body(s, body, StatusCode::UNAUTHORIZED)
    );
    let (s, body) = app.post_json("/api/projects", Some(&ana), &project).await;
    insta::assert_json_snapshot!(
        "error_not_permitted",
        error_body(s, body, StatusCode::FORBIDDEN)
    );
    for (content_type, payload) in [
        ("application/json", "{\"id\": \"p\","),
        ("text/plain", "{\"id\": 3}"),
    ] {
        let reply = app
            .post("/api/projects", Some(ADMIN), content_type, payload)
            .await;
        let body = error_body(reply.status, reply.json(), StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "invalid_body", "{content_type}: {body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("unreadable JSON body")),
            "{body}"
        );
    }
    let (s, v) = app.post_json("/api/projects", Some(ADMIN), &project).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app.post_empty("/api/projects/p/suggest", Some(ADMIN)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, body) = app
        .post_json(
            "/api/projects/p/items/N1/review",
            Some(&ben),
            &json!({"agree": true}),
        )
        .await;
    insta::assert_json_snapshot!(
        "error_item_state_conflict",
        error_body(s, body, StatusCode::CONFLICT)
    );
}

#[actix_web::test]
async fn esco_api_error_body() {
    let app = TestApp::lexical();
    let (s, body) = app
        .get_json("/resource/occupation?uri=not%20an%20iri")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    insta::assert_json_snapshot!("esco_api_error_bad_input", body);
    let (s, body) = app
        .get_json(&format!("/resource/skill?uri={ANALYST}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    insta::assert_json_snapshot!("esco_api_error_not_found", body);
}

#[actix_web::test]
async fn esco_api_occupation_resource() {
    let app = TestApp::lexical();
    let (s, body) = app
        .get_json(&format!(
            "/resource/occupation?uri={ANALYST}&language=en&selectedVersion=v1.1.1"
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    insta::assert_json_snapshot!("esco_api_occupation_analyst", body);
}

#[actix_web::test]
async fn void_description_as_sorted_n_triples() {
    let app = TestApp::lexical();
    let reply = app.get_as("/.well-known/void", "text/turtle").await;
    assert_eq!(reply.status, StatusCode::OK);
    let triples = parse(&reply.body, "text/turtle").join("\n");
    insta::assert_snapshot!("void_description", triples);
}

#[actix_web::test]
async fn sssom_header_of_a_crosswalk_export() {
    let app = TestApp::lexical();
    let reply = app
        .get("/api/crosswalks/esco-onet-crosswalk?format=sssom")
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply
        .header(header::CONTENT_TYPE)
        .unwrap()
        .starts_with("text/tab-separated-values"));
    let text = reply.text();
    // The metadata block and the column names.
    let header: Vec<&str> = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .chain(text.lines().find(|l| !l.starts_with('#')))
        .collect();
    insta::assert_snapshot!("sssom_header_onet", header.join("\n"));
}

/// The header of a curated crosswalk's export: its revision, its date (redacted), and the
/// columns of who decided and how similar.
#[actix_web::test]
async fn sssom_header_of_a_curated_crosswalk() {
    let app = TestApp::with_layout(ADMIN);
    let ana = users::add(&app.users_file(), "ana", &[Role::Validator]).unwrap();
    let ben = users::add(&app.users_file(), "ben", &[Role::Reviewer]).unwrap();
    let project = json!({"id": "p", "title": "A national table", "language": "en",
        "source_csv": "id,title\nN1,Software developer\n"});
    for (uri, token, body) in [
        ("/api/projects", ADMIN, project),
        ("/api/projects/p/suggest", ADMIN, Value::Null),
        (
            "/api/projects/p/items/N1/validate",
            ana.as_str(),
            json!({"candidate": 1, "relation": "exact"}),
        ),
        (
            "/api/projects/p/items/N1/review",
            ben.as_str(),
            json!({"agree": true}),
        ),
    ] {
        let (s, v) = if body.is_null() {
            app.post_empty(uri, Some(token)).await
        } else {
            app.post_json(uri, Some(token), &body).await
        };
        assert!(s.is_success(), "{uri}: {s} {v}");
    }
    let reply = app.get("/esco/crosswalk/p/latest.sssom.tsv").await;
    assert_eq!(reply.status, StatusCode::OK);
    let text = reply.text();
    let header: Vec<&str> = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .chain(text.lines().find(|l| !l.starts_with('#')))
        .collect();
    assert_eq!(
        header
            .iter()
            .filter(|l| l.starts_with("# publication_date: "))
            .count(),
        1,
        "{text}"
    );
    insta::assert_snapshot!(
        "sssom_header_curated",
        redact_lines(&header.join("\n"), &["# publication_date: "])
    );
}

#[actix_web::test]
async fn turtle_page_of_a_concept() {
    let app = TestApp::lexical();
    let reply = app
        .get_as(
            "/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86",
            "text/turtle",
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    insta::assert_snapshot!("turtle_page_analyst", reply.text());
}
