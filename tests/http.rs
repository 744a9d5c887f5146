//! The HTTP service over the real app factory and a store loaded from the fixture.

use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::{test, web};
use esco_ld::http::{build_app, AppState, Config};
use esco_ld::store::StoreVersion;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Triple;

use crate::common::fixture_store;

const OCC: &str = "http://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86";
const OCC_PATH: &str = "/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86";
const TOKEN: &str = "a-test-token-of-some-length";

fn state(config: Config) -> (tempfile::TempDir, web::Data<AppState>) {
    let (tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    (
        tmp,
        web::Data::new(AppState::new(
            store,
            config,
            StoreVersion::new(42, std::time::SystemTime::UNIX_EPOCH),
        )),
    )
}

macro_rules! app {
    ($config:expr) => {{
        let (tmp, data) = state($config);
        (tmp, data.clone(), test::init_service(build_app(data)).await)
    }};
}

fn parse(body: &[u8], media: &str) -> Vec<String> {
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
    let (_tmp, _data, app) = app!(Config::default());
    let q = format!("SELECT ?l WHERE {{ <{OCC}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(LANG(?l) = 'fr') }}");
    let encoded: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("query", &q)
        .finish();
    let requests = vec![
        test::TestRequest::get().uri(&format!("/sparql?{encoded}")),
        test::TestRequest::post()
            .uri("/sparql")
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(encoded.clone()),
        test::TestRequest::post()
            .uri("/sparql")
            .insert_header((header::CONTENT_TYPE, "application/sparql-query"))
            .set_payload(q.clone()),
    ];
    for req in requests {
        let resp = test::call_service(
            &app,
            req.insert_header((header::ACCEPT, "application/sparql-results+json"))
                .to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp
            .headers()
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("application/sparql-results+json"));
        let json: serde_json::Value = test::read_body_json(resp).await;
        assert_eq!(
            json["results"]["bindings"][0]["l"]["value"],
            "analyste logiciel"
        );
    }
    // ?format= wins over Accept; CSV and TSV.
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(&format!("/sparql?{encoded}&format=csv"))
            .to_request(),
    )
    .await;
    assert_eq!(test::read_body(resp).await, "l\r\nanalyste logiciel\r\n");
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(&format!("/sparql?{encoded}"))
            .insert_header((header::ACCEPT, "text/tab-separated-values"))
            .to_request(),
    )
    .await;
    assert_eq!(
        test::read_body(resp).await,
        "?l\n\"analyste logiciel\"@fr\n"
    );
}

#[actix_web::test]
async fn construct_results_in_every_rdf_format_parse_back() {
    let (_tmp, _data, app) = app!(Config::default());
    let q = format!("CONSTRUCT {{ <{OCC}> ?p ?o }} WHERE {{ <{OCC}> ?p ?o }}");
    let encoded: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("query", &q)
        .finish();
    let mut graphs = Vec::new();
    for media in [
        "text/turtle",
        "application/n-triples",
        "application/rdf+xml",
        "application/ld+json",
        "application/n-quads",
        "application/trig",
    ] {
        let resp = test::call_service(
            &app,
            test::TestRequest::get()
                .uri(&format!("/sparql?{encoded}"))
                .insert_header((header::ACCEPT, media))
                .to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK, "{media}");
        graphs.push(parse(&test::read_body(resp).await, media));
    }
    assert!(graphs[0]
        .iter()
        .any(|t| t.contains("\"software analyst\"@en")));
    assert!(
        graphs.iter().all(|g| *g == graphs[0]),
        "every format gives the same graph"
    );
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(&format!("/sparql?{encoded}"))
            .insert_header((header::ACCEPT, "image/png"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
}

#[actix_web::test]
async fn protocol_errors() {
    let (_tmp, _data, app) = app!(Config::default());
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/sparql?query=SELECT%20%3Fx%20WHERE%20%7B")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(body.contains("1:"), "the parser's position: {body}");
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/sparql")
            .insert_header((header::CONTENT_TYPE, "text/plain"))
            .set_payload("ASK {}")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/sparql?query=ASK%7B%7D")
            .insert_header((header::ACCEPT, "text/turtle;q=5"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "malformed Accept");
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn dataset_parameters_pick_graphs() {
    let (_tmp, _data, app) = app!(Config::default());
    let q = "ASK { ?s <http://www.w3.org/2004/02/skos/core#closeMatch> ?o }";
    let enc = |extra: &str| {
        format!(
            "/sparql?{}{extra}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("query", q)
                .finish()
        )
    };
    for (extra, expected) in [
        ("", "true"),
        ("&default-graph-uri=http%3A%2F%2Fdata.europa.eu%2Fesco%2Fgraph%2Fv1.1.1", "false"),
        ("&default-graph-uri=http%3A%2F%2Fdata.europa.eu%2Fesco%2Fcrosswalk%2Fesco-onet-crosswalk", "true"),
    ] {
        let resp = test::call_service(&app, test::TestRequest::get().uri(&enc(extra)).insert_header((header::ACCEPT, "text/csv")).to_request()).await;
        assert_eq!(String::from_utf8(test::read_body(resp).await.to_vec()).unwrap().trim(), expected, "{extra}");
    }
}

#[actix_web::test]
async fn limits_stop_long_and_large_queries() {
    let (_tmp, _data, app) = app!(Config {
        query_timeout: Duration::from_millis(200),
        max_results: 5,
        ..Config::default()
    });
    let heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";
    let uri = format!(
        "/sparql?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("query", heavy)
            .finish()
    );
    let started = std::time::Instant::now();
    let resp = test::call_service(&app, test::TestRequest::get().uri(&uri).to_request()).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() < Duration::from_secs(10));
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(body.contains("more than 5 rows"), "{body}");
}

#[actix_web::test]
async fn updates_are_off_without_a_token_and_need_it_when_on() {
    let insert = "INSERT DATA { <http://example.org/a> <http://example.org/b> \"c\" }";
    let ask = "/sparql?query=ASK%7B%3Chttp%3A%2F%2Fexample.org%2Fa%3E%20%3Fp%20%3Fo%7D&format=csv";
    let post = |auth: Option<&str>| {
        let mut req = test::TestRequest::post()
            .uri("/update")
            .insert_header((header::CONTENT_TYPE, "application/sparql-update"))
            .set_payload(insert);
        if let Some(auth) = auth {
            req = req.insert_header((header::AUTHORIZATION, auth.to_owned()));
        }
        req.to_request()
    };
    let (_tmp, _data, app) = app!(Config::default());
    assert_eq!(
        test::call_service(&app, post(Some(&format!("Bearer {TOKEN}"))))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let resp = test::call_service(&app, test::TestRequest::get().uri(ask).to_request()).await;
    assert_eq!(
        String::from_utf8(test::read_body(resp).await.to_vec())
            .unwrap()
            .trim(),
        "false"
    );

    let (_tmp, data, app) = app!(Config {
        admin_token: Some(TOKEN.into()),
        ..Config::default()
    });
    let etag = data.version.etag();
    let resp = test::call_service(&app, post(None)).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().contains_key(header::WWW_AUTHENTICATE));
    assert_eq!(
        test::call_service(&app, post(Some("Bearer wrong-token-of-some-length")))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let resp = test::call_service(&app, test::TestRequest::get().uri(ask).to_request()).await;
    assert_eq!(
        String::from_utf8(test::read_body(resp).await.to_vec())
            .unwrap()
            .trim(),
        "false",
        "refused writes change nothing"
    );
    assert_eq!(
        test::call_service(&app, post(Some(&format!("Bearer {TOKEN}"))))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let resp = test::call_service(&app, test::TestRequest::get().uri(ask).to_request()).await;
    assert_eq!(
        String::from_utf8(test::read_body(resp).await.to_vec())
            .unwrap()
            .trim(),
        "true"
    );
    assert_ne!(data.version.etag(), etag, "a write changes the entity tag");
}

#[actix_web::test]
async fn concepts_dereference_in_every_format() {
    let (_tmp, _data, app) = app!(Config::default());
    let mut graphs = Vec::new();
    for (media, suffix) in [
        ("text/turtle", "ttl"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "rdf"),
        ("application/ld+json", "jsonld"),
    ] {
        let resp = test::call_service(
            &app,
            test::TestRequest::get()
                .uri(OCC_PATH)
                .insert_header((header::ACCEPT, media))
                .to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK, "{media}");
        assert_eq!(
            resp.headers().get(header::VARY).unwrap(),
            "Accept, Accept-Language"
        );
        assert!(resp
            .headers()
            .get(header::LINK)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("rel=\"alternate\"; type=\"text/html\""));
        assert!(
            resp.headers().contains_key(header::ETAG)
                && resp.headers().contains_key(header::LAST_MODIFIED)
        );
        let by_accept = parse(&test::read_body(resp).await, media);
        let resp = test::call_service(
            &app,
            test::TestRequest::get()
                .uri(&format!("{OCC_PATH}.{suffix}"))
                .to_request(),
        )
        .await;
        assert_eq!(
            parse(&test::read_body(resp).await, media),
            by_accept,
            "suffix .{suffix}"
        );
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
    let (_tmp, data, app) = app!(Config::default());
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(OCC_PATH)
            .insert_header((header::ACCEPT, "text/html,*/*;q=0.8"))
            .insert_header((header::ACCEPT_LANGUAGE, "fr, en;q=0.5"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(html.contains("<h1>analyste logiciel</h1>"), "French first");
    assert!(html.contains("Professionals</a> &gt;"), "breadcrumb");
    assert!(html.contains("Essential skills"));
    assert!(
        html.contains("Computer Systems Analysts"),
        "O*NET mapping shown"
    );
    assert!(html.contains(&format!("href=\"{OCC_PATH}.ttl\"")));
    // Conditional GET.
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(OCC_PATH)
            .insert_header((header::IF_NONE_MATCH, data.version.etag()))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
    // Unknown concept, unacceptable type, bad Accept.
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/esco/occupation/00000000-0000-0000-0000-000000000000")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let json: serde_json::Value = test::read_body_json(resp).await;
    assert_eq!(json["code"], "not_found");
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(OCC_PATH)
            .insert_header((header::ACCEPT, "image/png"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(OCC_PATH)
            .insert_header((header::ACCEPT, "nonsense"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = test::call_service(
        &app,
        test::TestRequest::get().uri("/esco/model.ttl").to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(parse(&test::read_body(resp).await, "text/turtle")
        .iter()
        .any(|t| t.starts_with("<http://data.europa.eu/esco/model#relatedEssentialSkill>")));
}

#[actix_web::test]
async fn home_query_page_and_service_description() {
    let (_tmp, _data, app) = app!(Config::default());
    let resp = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .unwrap(),
        "*"
    );
    let html = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(html.contains("ESCO-O*NET Crosswalk") && html.contains("/sparql"));
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/sparql")
            .insert_header((header::ACCEPT, "text/html"))
            .to_request(),
    )
    .await;
    let html = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(html.contains("<form") && html.contains("Label lookup"));
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/sparql")
            .insert_header((header::ACCEPT, "text/turtle"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let sd = parse(&test::read_body(resp).await, "text/turtle");
    assert!(sd
        .iter()
        .any(|t| t.contains("sparql-service-description#SPARQL11Query")));
    assert!(
        !sd.iter().any(|t| t.contains("SPARQL11Update")),
        "updates are off"
    );
    let resp =
        test::call_service(&app, test::TestRequest::get().uri("/nowhere").to_request()).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn oversized_bodies_are_refused() {
    let (_tmp, _data, app) = app!(Config {
        max_body: 64,
        ..Config::default()
    });
    let big = format!("ASK {{ {} }}", "?s ?p ?o . ".repeat(20));
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/sparql")
            .insert_header((header::CONTENT_TYPE, "application/sparql-query"))
            .set_payload(big)
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[actix_web::test]
async fn graph_store_protocol() {
    let (_tmp, _data, app) = app!(Config {
        admin_token: Some(TOKEN.into()),
        ..Config::default()
    });
    let auth = (header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    let g = "/store?graph=http%3A%2F%2Fexample.org%2Fg";
    let ttl = || (header::CONTENT_TYPE, "text/turtle");
    // Read a graph of the store.
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(
                "/store?graph=http%3A%2F%2Fdata.europa.eu%2Fesco%2Fcrosswalk%2Fesco-onet-crosswalk",
            )
            .insert_header((header::ACCEPT, "application/n-triples"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(parse(&test::read_body(resp).await, "application/n-triples")
        .iter()
        .any(|t| t.contains("closeMatch")));
    // Writes need the token; a refused write changes nothing.
    let resp = test::call_service(
        &app,
        test::TestRequest::put()
            .uri(g)
            .insert_header(ttl())
            .set_payload("<http://example.org/s> <http://example.org/p> 1 .")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        test::call_service(&app, test::TestRequest::get().uri(g).to_request())
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // PUT creates (201), PUT again replaces (204), POST merges, DELETE removes.
    let put = |body: &'static str| {
        test::TestRequest::put()
            .uri(g)
            .insert_header(ttl())
            .insert_header(auth.clone())
            .set_payload(body)
            .to_request()
    };
    let put = &put;
    assert_eq!(
        test::call_service(
            &app,
            put("<http://example.org/s> <http://example.org/p> 1 .")
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        test::call_service(
            &app,
            put("<http://example.org/s> <http://example.org/p> 2 .")
        )
        .await
        .status(),
        StatusCode::NO_CONTENT
    );
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri(g)
            .insert_header(ttl())
            .insert_header(auth.clone())
            .set_payload("<http://example.org/s> <http://example.org/p> 3 .")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(g)
            .insert_header((header::ACCEPT, "application/n-triples"))
            .to_request(),
    )
    .await;
    let triples = parse(&test::read_body(resp).await, "application/n-triples");
    assert_eq!(triples.len(), 2, "{triples:?}");
    assert!(!triples.iter().any(|t| t.contains("\"1\"")), "PUT replaced");
    let resp = test::call_service(
        &app,
        test::TestRequest::put()
            .uri(g)
            .insert_header(ttl())
            .insert_header(auth.clone())
            .set_payload("<broken")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = test::call_service(
        &app,
        test::TestRequest::put()
            .uri(g)
            .insert_header((header::CONTENT_TYPE, "image/png"))
            .insert_header(auth.clone())
            .set_payload("x")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        test::call_service(
            &app,
            test::TestRequest::delete()
                .uri(g)
                .insert_header(auth.clone())
                .to_request()
        )
        .await
        .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        test::call_service(
            &app,
            test::TestRequest::delete()
                .uri(g)
                .insert_header(auth.clone())
                .to_request()
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        test::call_service(&app, test::TestRequest::get().uri("/store").to_request())
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
}

#[actix_web::test]
async fn void_description_and_dumps() {
    let (_tmp, data, app) = app!(Config::default());
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/.well-known/void")
            .insert_header((header::ACCEPT, "text/turtle"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let void = parse(&test::read_body(resp).await, "text/turtle");
    let quads = data.store.len().unwrap();
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
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/dumps/esco-ld.nq.gz")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let gz = test::read_body(resp).await;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut text).unwrap();
    assert_eq!(
        RdfParser::from_format(RdfFormat::NQuads)
            .for_slice(text.as_bytes())
            .count(),
        quads
    );
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/dumps/esco-ld.ttl.gz")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/dumps/nothing.zip")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn graph_store_direct_identification_multipart_and_relative_iris() {
    let (_tmp, _data, app) = app!(Config {
        admin_token: Some(TOKEN.into()),
        ..Config::default()
    });
    let auth = (header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    // Direct identification: the request URL names the graph; relative IRIs resolve against it.
    let resp = test::call_service(
        &app,
        test::TestRequest::put()
            .uri("/store/people/1")
            .insert_header((header::CONTENT_TYPE, "text/turtle"))
            .insert_header(auth.clone())
            .set_payload("<#me> <http://example.org/name> \"A\" .")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body = "--XyZ\r\nContent-Type: application/n-triples\r\n\r\n<http://example.org/b> <http://example.org/name> \"B\" .\r\n--XyZ\r\nContent-Type: text/turtle\r\n\r\n<http://example.org/c> <http://example.org/name> \"C\" .\r\n--XyZ--\r\n";
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/store/people/1")
            .insert_header((header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ"))
            .insert_header(auth.clone())
            .set_payload(body)
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/store/people/1")
            .insert_header((header::ACCEPT, "application/n-triples"))
            .to_request(),
    )
    .await;
    let triples = parse(&test::read_body(resp).await, "application/n-triples");
    assert_eq!(triples.len(), 3, "{triples:?}");
    assert!(
        triples
            .iter()
            .any(|t| t.starts_with("<http://localhost:8080/store/people/1#me>")),
        "{triples:?}"
    );
    // POST to the store creates a graph and says where.
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/store")
            .insert_header((header::CONTENT_TYPE, "text/turtle"))
            .insert_header(auth.clone())
            .set_payload("<http://example.org/d> <http://example.org/p> 1 .")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let location = resp
        .headers()
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let path = location
        .strip_prefix("http://localhost:8080")
        .unwrap()
        .to_owned();
    assert_eq!(
        test::call_service(&app, test::TestRequest::get().uri(&path).to_request())
            .await
            .status(),
        StatusCode::OK
    );
    // Queries resolve relative IRIs against the endpoint.
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair("query", "SELECT (STR(<x>) AS ?x) WHERE {}")
        .finish();
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(&format!("/sparql?{q}&format=csv"))
            .to_request(),
    )
    .await;
    assert_eq!(
        test::read_body(resp).await,
        "x\r\nhttp://localhost:8080/x\r\n"
    );
}

#[actix_web::test]
async fn cached_pages_follow_writes() {
    let (_tmp, _data, app) = app!(Config {
        admin_token: Some(TOKEN.into()),
        ..Config::default()
    });
    let get = || {
        test::TestRequest::get()
            .uri(OCC_PATH)
            .insert_header((header::ACCEPT, "application/n-triples"))
            .to_request()
    };
    let before = test::call_service(&app, get()).await;
    let etag = before.headers().get(header::ETAG).unwrap().clone();
    assert!(
        !parse(&test::read_body(before).await, "application/n-triples")
            .iter()
            .any(|t| t.contains("\"nouveau\"@fr"))
    );
    let update = format!("INSERT DATA {{ GRAPH <http://example.org/g> {{ <{OCC}> <http://www.w3.org/2004/02/skos/core#altLabel> \"nouveau\"@fr }} }}");
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/update")
            .insert_header((header::CONTENT_TYPE, "application/sparql-update"))
            .insert_header((header::AUTHORIZATION, format!("Bearer {TOKEN}")))
            .set_payload(update)
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let after = test::call_service(&app, get()).await;
    assert_ne!(after.headers().get(header::ETAG).unwrap(), &etag);
    assert!(
        parse(&test::read_body(after).await, "application/n-triples")
            .iter()
            .any(|t| t.contains("\"nouveau\"@fr"))
    );
    let stale = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(OCC_PATH)
            .insert_header((header::IF_NONE_MATCH, etag))
            .to_request(),
    )
    .await;
    assert_eq!(
        stale.status(),
        StatusCode::OK,
        "an old entity tag no longer matches"
    );
}

#[actix_web::test]
async fn crosswalks_are_listed_and_exported_over_http() {
    let (_tmp, _data, app) = app!(Config::default());
    let resp = test::call_service(
        &app,
        test::TestRequest::get().uri("/api/crosswalks").to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get(header::ETAG).is_some());
    let list: serde_json::Value = serde_json::from_slice(&test::read_body(resp).await).unwrap();
    let cw = &list[0];
    let id = cw["id"].as_str().unwrap();
    let links: u64 = cw["links"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(&format!("/api/crosswalks/{id}"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp
        .headers()
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/tab-separated-values"));
    let body = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert_eq!(
        body.lines().filter(|l| !l.starts_with('#')).count() as u64,
        links + 1
    );
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(&format!("/api/crosswalks/{id}?format=eures"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(body.starts_with("Mapping project name,"));
    for (uri, status) in [
        ("/api/crosswalks/nothing".to_owned(), StatusCode::NOT_FOUND),
        (
            format!("/api/crosswalks/{id}?format=pdf"),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let resp = test::call_service(&app, test::TestRequest::get().uri(&uri).to_request()).await;
        assert_eq!(resp.status(), status, "{uri}");
    }
}
