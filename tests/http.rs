//! The HTTP service over the real app factory and a store loaded from the fixture.

use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::test::TestRequest;
use esco_ld::http::Config;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Triple;

use crate::common::{lexical_config, sparql_uri, TestApp};

const OCC: &str = "http://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86";
const OCC_PATH: &str = "/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86";
const TOKEN: &str = "a-test-token-of-some-length";

/// The triples of an RDF body, sorted.
pub fn parse(body: &[u8], media: &str) -> Vec<String> {
    let format = RdfFormat::from_media_type(media).unwrap();
    let mut out: Vec<String> = RdfParser::from_format(format)
        .for_slice(body)
        .map(|q| Triple::from(q.unwrap()).to_string())
        .collect();
    out.sort();
    out
}

#[actix_web::test]
async fn sparql_query_by_get_post_form_and_post_direct() {
    let app = TestApp::lexical();
    let q = format!("SELECT ?l WHERE {{ <{OCC}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(LANG(?l) = 'fr') }}");
    let encoded: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("query", &q)
        .finish();
    let requests = vec![
        TestRequest::get().uri(&format!("/sparql?{encoded}")),
        TestRequest::post()
            .uri("/sparql")
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(encoded.clone()),
        TestRequest::post()
            .uri("/sparql")
            .insert_header((header::CONTENT_TYPE, "application/sparql-query"))
            .set_payload(q.clone()),
    ];
    for req in requests {
        let reply = app
            .call(req.insert_header((header::ACCEPT, "application/sparql-results+json")))
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply
            .header(header::CONTENT_TYPE)
            .unwrap()
            .starts_with("application/sparql-results+json"));
        let json = reply.json();
        assert_eq!(
            json["results"]["bindings"][0]["l"]["value"],
            "analyste logiciel"
        );
    }
    // ?format= wins over Accept; CSV and TSV.
    let reply = app.get(&format!("/sparql?{encoded}&format=csv")).await;
    assert_eq!(reply.body, "l\r\nanalyste logiciel\r\n");
    let reply = app
        .get_as(&format!("/sparql?{encoded}"), "text/tab-separated-values")
        .await;
    assert_eq!(reply.body, "?l\n\"analyste logiciel\"@fr\n");
}

#[actix_web::test]
async fn construct_results_in_every_rdf_format_parse_back() {
    let app = TestApp::lexical();
    let uri = sparql_uri(
        &format!("CONSTRUCT {{ <{OCC}> ?p ?o }} WHERE {{ <{OCC}> ?p ?o }}"),
        "",
    );
    let mut graphs = Vec::new();
    for media in [
        "text/turtle",
        "application/n-triples",
        "application/rdf+xml",
        "application/ld+json",
        "application/n-quads",
        "application/trig",
    ] {
        let reply = app.get_as(&uri, media).await;
        assert_eq!(reply.status, StatusCode::OK, "{media}");
        graphs.push(parse(&reply.body, media));
    }
    assert!(graphs[0]
        .iter()
        .any(|t| t.contains("\"software analyst\"@en")));
    assert!(
        graphs.iter().all(|g| *g == graphs[0]),
        "every format gives the same graph"
    );
    let reply = app.get_as(&uri, "image/png").await;
    assert_eq!(reply.status, StatusCode::NOT_ACCEPTABLE);
}

#[actix_web::test]
async fn protocol_errors() {
    let app = TestApp::lexical();
    let reply = app.get("/sparql?query=SELECT%20%3Fx%20WHERE%20%7B").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let body = reply.text();
    assert!(body.contains("1:"), "the parser's position: {body}");
    let reply = app.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app.post("/sparql", None, "text/plain", "ASK {}").await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let reply = app
        .get_as("/sparql?query=ASK%7B%7D", "text/turtle;q=5")
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "malformed Accept");
    let reply = app
        .get("/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri")
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn dataset_parameters_pick_graphs() {
    let app = TestApp::lexical();
    let q = "ASK { ?s <http://www.w3.org/2004/02/skos/core#closeMatch> ?o }";
    for (extra, expected) in [
        ("", "true"),
        ("&default-graph-uri=http%3A%2F%2Fdata.europa.eu%2Fesco%2Fgraph%2Fv1.1.1", "false"),
        ("&default-graph-uri=http%3A%2F%2Fdata.europa.eu%2Fesco%2Fcrosswalk%2Fesco-onet-crosswalk", "true"),
    ] {
        let reply = app.get_as(&sparql_uri(q, extra), "text/csv").await;
        assert_eq!(reply.text().trim(), expected, "{extra}");
    }
}

#[actix_web::test]
async fn limits_stop_long_and_large_queries() {
    let app = TestApp::new(Config {
        query_timeout: Duration::from_millis(200),
        max_results: 5,
        ..lexical_config(None)
    });
    let heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";
    let started = std::time::Instant::now();
    let reply = app.get(&sparql_uri(heavy, "")).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() < Duration::from_secs(10));
    let reply = app
        .get("/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D")
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = reply.text();
    assert!(body.contains("more than 5 rows"), "{body}");
}

#[actix_web::test]
async fn updates_are_off_without_a_token_and_need_it_when_on() {
    let insert = "INSERT DATA { <http://example.org/a> <http://example.org/b> \"c\" }";
    let ask = "/sparql?query=ASK%7B%3Chttp%3A%2F%2Fexample.org%2Fa%3E%20%3Fp%20%3Fo%7D&format=csv";
    let app = TestApp::lexical();
    assert_eq!(
        app.update(Some(TOKEN), insert).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get(ask).await.text().trim(), "false");

    let app = TestApp::with_admin(TOKEN);
    let etag = app.etag();
    let reply = app.update(None, insert).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.headers.contains_key(header::WWW_AUTHENTICATE));
    assert_eq!(
        app.update(Some("wrong-token-of-some-length"), insert)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(ask).await.text().trim(),
        "false",
        "refused writes change nothing"
    );
    assert_eq!(
        app.update(Some(TOKEN), insert).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(ask).await.text().trim(), "true");
    assert_ne!(app.etag(), etag, "a write changes the entity tag");
}

#[actix_web::test]
async fn concepts_dereference_in_every_format() {
    let app = TestApp::lexical();
    let mut graphs = Vec::new();
    for (media, suffix) in [
        ("text/turtle", "ttl"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "rdf"),
        ("application/ld+json", "jsonld"),
    ] {
        let reply = app.get_as(OCC_PATH, media).await;
        assert_eq!(reply.status, StatusCode::OK, "{media}");
        assert_eq!(
            reply.header(header::VARY).unwrap(),
            "Accept, Accept-Language"
        );
        assert!(reply
            .header(header::LINK)
            .unwrap()
            .contains("rel=\"alternate\"; type=\"text/html\""));
        assert!(
            reply.headers.contains_key(header::ETAG)
                && reply.headers.contains_key(header::LAST_MODIFIED)
        );
        let by_accept = parse(&reply.body, media);
        let reply = app.get(&format!("{OCC_PATH}.{suffix}")).await;
        assert_eq!(parse(&reply.body, media), by_accept, "suffix .{suffix}");
        graphs.push(by_accept);
    }
    assert!(graphs.iter().all(|g| *g == graphs[0]));
    let g = &graphs[0];
    assert!(g.contains(&format!(
        "<{OCC}> <http://www.w3.org/2004/02/skos/core#prefLabel> \"software analyst\"@en"
    )));
    // Labels of what it links to, the broader chain, the crosswalk links that point at it.
    assert!(g.iter().any(|t| t.starts_with(
        "<http://data.europa.eu/esco/isco/C2512> <http://www.w3.org/2004/02/skos/core#prefLabel>"
    )));
    assert!(g.contains(&"<http://data.europa.eu/esco/isco/C25> <http://www.w3.org/2004/02/skos/core#broader> <http://data.europa.eu/esco/isco/C2>".to_owned()));
    assert!(g.contains(&format!("<http://data.europa.eu/esco/classification/onet/15-1211.00> <http://www.w3.org/2004/02/skos/core#closeMatch> <{OCC}>")));
}

#[actix_web::test]
async fn concept_pages_for_people() {
    let app = TestApp::lexical();
    let reply = app
        .call(
            TestRequest::get()
                .uri(OCC_PATH)
                .insert_header((header::ACCEPT, "text/html,*/*;q=0.8"))
                .insert_header((header::ACCEPT_LANGUAGE, "fr, en;q=0.5")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = reply.text();
    assert!(html.contains("<h1>analyste logiciel</h1>"), "French first");
    assert!(html.contains("Professionals</a> &gt;"), "breadcrumb");
    assert!(html.contains("Essential skills"));
    assert!(
        html.contains("Computer Systems Analysts"),
        "O*NET mapping shown"
    );
    assert!(html.contains(&format!("href=\"{OCC_PATH}.ttl\"")));
    // Conditional GET.
    let reply = app
        .call(
            TestRequest::get()
                .uri(OCC_PATH)
                .insert_header((header::IF_NONE_MATCH, app.etag())),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_MODIFIED);
    // Unknown concept, unacceptable type, bad Accept.
    let reply = app
        .get("/esco/occupation/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["code"], "not_found");
    let reply = app.get_as(OCC_PATH, "image/png").await;
    assert_eq!(reply.status, StatusCode::NOT_ACCEPTABLE);
    let reply = app.get_as(OCC_PATH, "nonsense").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app.get("/esco/model.ttl").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(parse(&reply.body, "text/turtle")
        .iter()
        .any(|t| t.starts_with("<http://data.europa.eu/esco/model#relatedEssentialSkill>")));
}

#[actix_web::test]
async fn home_query_page_and_service_description() {
    let app = TestApp::lexical();
    let reply = app.get("/").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(),
        "*"
    );
    let html = reply.text();
    assert!(html.contains("ESCO-O*NET Crosswalk") && html.contains("/sparql"));
    let html = app.get_as("/sparql", "text/html").await.text();
    assert!(html.contains("<form") && html.contains("Label lookup"));
    let reply = app.get_as("/sparql", "text/turtle").await;
    assert_eq!(reply.status, StatusCode::OK);
    let sd = parse(&reply.body, "text/turtle");
    assert!(sd
        .iter()
        .any(|t| t.contains("sparql-service-description#SPARQL11Query")));
    assert!(
        !sd.iter().any(|t| t.contains("SPARQL11Update")),
        "updates are off"
    );
    assert_eq!(app.get("/nowhere").await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn oversized_bodies_are_refused() {
    let app = TestApp::new(Config {
        max_body: 64,
        ..lexical_config(None)
    });
    let big = format!("ASK {{ {} }}", "?s ?p ?o . ".repeat(20));
    let reply = app
        .post("/sparql", None, "application/sparql-query", big)
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[actix_web::test]
async fn graph_store_protocol() {
    let app = TestApp::with_admin(TOKEN);
    let g = "/store?graph=http%3A%2F%2Fexample.org%2Fg";
    let ttl = "text/turtle";
    // Read a graph of the store.
    let reply = app
        .get_as(
            "/store?graph=http%3A%2F%2Fdata.europa.eu%2Fesco%2Fcrosswalk%2Fesco-onet-crosswalk",
            "application/n-triples",
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(parse(&reply.body, "application/n-triples")
        .iter()
        .any(|t| t.contains("closeMatch")));
    // Writes need the token; a refused write changes nothing.
    let reply = app
        .put(
            g,
            None,
            ttl,
            "<http://example.org/s> <http://example.org/p> 1 .",
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get(g).await.status, StatusCode::NOT_FOUND);
    // PUT creates (201), PUT again replaces (204), POST merges, DELETE removes.
    let token = Some(TOKEN);
    assert_eq!(
        app.put(
            g,
            token,
            ttl,
            "<http://example.org/s> <http://example.org/p> 1 ."
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.put(
            g,
            token,
            ttl,
            "<http://example.org/s> <http://example.org/p> 2 ."
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let reply = app
        .post(
            g,
            token,
            ttl,
            "<http://example.org/s> <http://example.org/p> 3 .",
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = app.get_as(g, "application/n-triples").await;
    let triples = parse(&reply.body, "application/n-triples");
    assert_eq!(triples.len(), 2, "{triples:?}");
    assert!(!triples.iter().any(|t| t.contains("\"1\"")), "PUT replaced");
    let reply = app.put(g, token, ttl, "<broken").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app.put(g, token, "image/png", "x").await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.delete(g, token).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.delete(g, token).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/store").await.status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn void_description_and_dumps() {
    let app = TestApp::lexical();
    let reply = app.get_as("/.well-known/void", "text/turtle").await;
    assert_eq!(reply.status, StatusCode::OK);
    let void = parse(&reply.body, "text/turtle");
    let quads = app.store().len().unwrap();
    assert!(
        void.iter()
            .any(|t| t.contains("#triples>") && t.contains(&format!("\"{quads}\""))),
        "void:triples is the store's size"
    );
    assert!(void.iter().any(|t| t.contains("#sparqlEndpoint>")));
    assert!(
        void.iter()
            .any(|t| t
                .contains("#subset> <http://data.europa.eu/esco/crosswalk/esco-onet-crosswalk>"))
    );
    assert!(void
        .iter()
        .any(|t| t.contains("#dataDump>") && t.contains("esco-ld.nq.gz")));
    // The N-Quads dump holds every quad of the store.
    let reply = app.get("/dumps/esco-ld.nq.gz").await;
    assert_eq!(reply.status, StatusCode::OK);
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&reply.body[..]),
        &mut text,
    )
    .unwrap();
    assert_eq!(
        RdfParser::from_format(RdfFormat::NQuads)
            .for_slice(text.as_bytes())
            .count(),
        quads
    );
    assert_eq!(
        app.get("/dumps/esco-ld.ttl.gz").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/dumps/nothing.zip").await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn graph_store_direct_identification_multipart_and_relative_iris() {
    let app = TestApp::with_admin(TOKEN);
    let token = Some(TOKEN);
    // Direct identification: the request URL names the graph; relative IRIs resolve against it.
    let reply = app
        .put(
            "/store/people/1",
            token,
            "text/turtle",
            "<#me> <http://example.org/name> \"A\" .",
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let body = "--XyZ\r\nContent-Type: application/n-triples\r\n\r\n<http://example.org/b> <http://example.org/name> \"B\" .\r\n--XyZ\r\nContent-Type: text/turtle\r\n\r\n<http://example.org/c> <http://example.org/name> \"C\" .\r\n--XyZ--\r\n";
    let reply = app
        .post(
            "/store/people/1",
            token,
            "multipart/form-data; boundary=XyZ",
            body,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = app.get_as("/store/people/1", "application/n-triples").await;
    let triples = parse(&reply.body, "application/n-triples");
    assert_eq!(triples.len(), 3, "{triples:?}");
    assert!(
        triples
            .iter()
            .any(|t| t.starts_with("<http://localhost:8080/store/people/1#me>")),
        "{triples:?}"
    );
    // POST to the store creates a graph and says where.
    let reply = app
        .post(
            "/store",
            token,
            "text/turtle",
            "<http://example.org/d> <http://example.org/p> 1 .",
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let location = reply.header(header::LOCATION).unwrap();
    let path = location.strip_prefix("http://localhost:8080").unwrap();
    assert_eq!(app.get(path).await.status, StatusCode::OK);
    // Queries resolve relative IRIs against the endpoint.
    let reply = app
        .get(&sparql_uri(
            "SELECT (STR(<x>) AS ?x) WHERE {}",
            "&format=csv",
        ))
        .await;
    assert_eq!(reply.body, "x\r\nhttp://localhost:8080/x\r\n");
}

#[actix_web::test]
async fn cached_pages_follow_writes() {
    let app = TestApp::with_admin(TOKEN);
    let before = app.get_as(OCC_PATH, "application/n-triples").await;
    let etag = before.header(header::ETAG).unwrap().to_owned();
    assert!(!parse(&before.body, "application/n-triples")
        .iter()
        .any(|t| t.contains("\"nouveau\"@fr")));
    let update = format!("INSERT DATA {{ GRAPH <http://example.org/g> {{ <{OCC}> <http://www.w3.org/2004/02/skos/core#altLabel> \"nouveau\"@fr }} }}");
    let reply = app.update(Some(TOKEN), &update).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let after = app.get_as(OCC_PATH, "application/n-triples").await;
    assert_ne!(after.header(header::ETAG).unwrap(), etag);
    assert!(parse(&after.body, "application/n-triples")
        .iter()
        .any(|t| t.contains("\"nouveau\"@fr")));
    let stale = app
        .call(
            TestRequest::get()
                .uri(OCC_PATH)
                .insert_header((header::IF_NONE_MATCH, etag)),
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::OK,
        "an old entity tag no longer matches"
    );
}

#[actix_web::test]
async fn crosswalks_are_listed_and_exported_over_http() {
    let app = TestApp::lexical();
    let reply = app.get("/api/crosswalks").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header(header::ETAG).is_some());
    let list: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    let cw = &list[0];
    let id = cw["id"].as_str().unwrap();
    let links: u64 = cw["links"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    let reply = app.get(&format!("/api/crosswalks/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply
        .header(header::CONTENT_TYPE)
        .unwrap()
        .starts_with("text/tab-separated-values"));
    let body = reply.text();
    assert_eq!(
        body.lines().filter(|l| !l.starts_with('#')).count() as u64,
        links + 1
    );
    let reply = app.get(&format!("/api/crosswalks/{id}?format=eures")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.text().starts_with("Mapping project name,"));
    for (uri, status) in [
        ("/api/crosswalks/nothing".to_owned(), StatusCode::NOT_FOUND),
        (
            format!("/api/crosswalks/{id}?format=pdf"),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        assert_eq!(app.get(&uri).await.status, status, "{uri}");
    }
}
