//! Skills and occupations from job ads: ads in English, French and German written the way ads
//! are (a title, a description, requirement bullets, boilerplate), over the fixture with ESCO's
//! own French and German skill labels from `data/`; `/api/extract` and its bad input;
//! `eval-extract` on a hand-made set with known figures.

use std::path::{Path, PathBuf};

use actix_web::http::StatusCode;
use esco_ld::extract::{Extraction, Extractor, Request};
use esco_ld::matching::Matcher;
use esco_ld::store;
use oxigraph::store::Store;

use crate::common::{self, esco_ld, fixture, TestApp};

const HYGIENE: &str = "http://data.europa.eu/esco/skill/0450eaee-1a00-4622-8f4e-5356fce816d2";
const STRESS: &str = "http://data.europa.eu/esco/skill/7a147904-22b3-498a-b4d9-7bceeb86b45d";
const NURSING_CARE: &str = "http://data.europa.eu/esco/skill/1023ac61-250f-4eef-b7a9-238cf071685f";
const MEDICINES: &str = "http://data.europa.eu/esco/skill/2d6904db-9e16-42a5-bc12-c5acb8bfab18";
const PROJECT_MANAGEMENT: &str =
    "http://data.europa.eu/esco/skill/7111b95d-0ce3-441a-9d92-4c75d05c4388";
const CLOUD: &str = "http://data.europa.eu/esco/skill/bd14968e-e409-45af-b362-3495ed7b10e0";
const PROGRAMMING: &str = "http://data.europa.eu/esco/skill/21d2f96d-35f7-4e3f-9745-c533d2dd6e97";

/// The fixture with the older French, Spanish, German and Dutch skill labels shipped in `data/`.
fn multilingual_store() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    common::load(
        &dir,
        &[
            fixture("esco"),
            data.join("esco-v1.0.x-skills"),
            data.join("esco-v1.0.3-skills"),
        ],
        Some("1.1.1"),
    )
    .expect("the fixture and the older skill labels load");
    (tmp, dir)
}

fn extract(store: &Store, text: &str, language: Option<&str>) -> Extraction {
    let matcher = Matcher::lexical(store::forms::Forms::read(store).unwrap());
    let mut request = Request::new(text);
    request.language = language.map(str::to_owned);
    Extractor::new(&matcher, store).extract(&request).unwrap()
}

fn uris(found: &Extraction) -> Vec<&str> {
    found.skills.iter().map(|s| s.uri.as_str()).collect()
}

/// Every evidence span is the input's text at its character offsets.
fn assert_evidence_is_the_input(found: &Extraction, text: &str) {
    let chars: Vec<char> = text.chars().collect();
    for skill in &found.skills {
        assert!(!skill.evidence.is_empty(), "{} has no evidence", skill.uri);
        for e in &skill.evidence {
            let slice: String = chars[e.start..e.end].iter().collect();
            assert_eq!(slice, e.text, "{}", skill.uri);
        }
    }
}

/// The character offset where `needle` starts in `text`.
fn char_at(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].chars().count()
}

const AD_EN: &str = "Specialist Nurse – Intensive Care
About us:
We are a leading hospital group with a friendly team and a modern campus.

Your tasks:
- Provide professional care in nursing to critically ill patients
- Safe management of medicines on the ward

Your profile:
- Knowledge of hygiene in a health care setting
- Ability to cope with stress

What we offer:
- Project management training, cloud technologies and a company car
- Computer programming courses

Contact: jobs@hospital.example, +44 20 7946 0958
";

#[test]
fn an_english_ad_gives_its_skills_and_nothing_from_its_boilerplate() {
    let (_tmp, dir) = common::fixture_store();
    let store = store::open(&dir).unwrap();
    let found = extract(&store, AD_EN, None);
    assert_eq!(found.language.as_deref(), Some("en"));
    let got = uris(&found);
    for skill in [NURSING_CARE, MEDICINES, HYGIENE, STRESS] {
        assert!(got.contains(&skill), "{skill} missing from {got:?}");
    }
    // What the employer offers names skills, but is no requirement.
    for skill in [PROJECT_MANAGEMENT, CLOUD, PROGRAMMING] {
        assert!(!got.contains(&skill), "{skill} from the offer section");
    }
    let offer = char_at(AD_EN, "What we offer");
    for s in &found.skills {
        assert!(s.evidence.iter().all(|e| e.end <= offer), "{s:?}");
        assert!((0.0..=1.0).contains(&s.score));
    }
    assert_evidence_is_the_input(&found, AD_EN);
    // The title names the occupation; the skills it needs are marked.
    assert_eq!(
        found.title.as_deref(),
        Some("Specialist Nurse – Intensive Care")
    );
    assert_eq!(found.occupations[0].label, "specialist nurse");
    assert!(found.occupations[0].isco.is_some());
    let hygiene = found.skills.iter().find(|s| s.uri == HYGIENE).unwrap();
    assert_eq!(
        serde_json::to_value(hygiene).unwrap()["skill_type"],
        "knowledge"
    );
    assert!(found.skills.iter().any(|s| s.relation.is_some()));
}

#[test]
fn a_french_ad_matches_french_skill_labels() {
    let (_tmp, dir) = multilingual_store();
    let store = store::open(&dir).unwrap();
    let ad = "Infirmier spécialisé (H/F)
Missions :
- Fournir des soins infirmiers professionnels aux patients
- Gestion sûre des médicaments
Profil recherché :
- Hygiène en milieu médical
- Capacité à supporter la pression
Nous offrons :
- Formation en gestion de projets, cybersécurité
Postulez sur https://emploi.example.fr
";
    let found = extract(&store, ad, Some("fr"));
    let got = uris(&found);
    for skill in [NURSING_CARE, MEDICINES, HYGIENE, STRESS] {
        assert!(got.contains(&skill), "{skill} missing from {got:?}");
    }
    assert!(!got.contains(&PROJECT_MANAGEMENT), "{got:?}");
    // Labels in the text's language.
    let hygiene = found.skills.iter().find(|s| s.uri == HYGIENE).unwrap();
    assert_eq!(hygiene.label, "hygiène en milieu médical");
    assert_evidence_is_the_input(&found, ad);
}

#[test]
fn a_german_ad_matches_german_skill_labels_and_shows_english_on_request() {
    let (_tmp, dir) = multilingual_store();
    let store = store::open(&dir).unwrap();
    let ad = "Fachkrankenpfleger Intensivpflege (m/w/d)
Ihre Aufgaben:
- Professionelle Krankenpflege anbieten
- Sicheres Medizinmanagement auf der Station
Ihr Profil:
- Erfahrung mit Hygiene im Gesundheitsbereich
Wir bieten:
- Weiterbildung in Projektleitung und Cloud-Technologien
Kontakt: bewerbung@klinik.example.de
";
    let matcher = Matcher::lexical(store::forms::Forms::read(&store).unwrap());
    let mut request = Request::new(ad);
    request.target_language = Some("en".into());
    let found = Extractor::new(&matcher, &store).extract(&request).unwrap();
    assert_eq!(found.language.as_deref(), Some("de"));
    let got = uris(&found);
    for skill in [NURSING_CARE, MEDICINES, HYGIENE] {
        assert!(got.contains(&skill), "{skill} missing from {got:?}");
    }
    for skill in [PROJECT_MANAGEMENT, CLOUD] {
        assert!(!got.contains(&skill), "{skill} from the offer section");
    }
    let hygiene = found.skills.iter().find(|s| s.uri == HYGIENE).unwrap();
    assert_eq!(hygiene.label, "hygiene in a health care setting");
    assert_evidence_is_the_input(&found, ad);
    // Matched against the labels of one language only: the store has no Finnish skill labels.
    request.esco_language = Some("fi".into());
    let none = Extractor::new(&matcher, &store).extract(&request).unwrap();
    assert!(none.skills.is_empty(), "{:?}", uris(&none));
}

#[test]
fn boilerplate_alone_yields_no_skills() {
    let (_tmp, dir) = common::fixture_store();
    let store = store::open(&dir).unwrap();
    let ad = "Great opportunity
We offer:
- Cloud technologies and project management training
Benefits: free lunch, gym, computer programming courses
Equal opportunity employer. All qualified applicants will be considered.
Apply now at https://careers.example.com or call +1 555 123 4567
";
    let found = extract(&store, ad, None);
    assert!(found.skills.is_empty(), "{:?}", uris(&found));
}

#[test]
fn bad_requests_are_refused_with_a_reason() {
    let (_tmp, dir) = common::fixture_store();
    let store = store::open(&dir).unwrap();
    let matcher = Matcher::lexical(store::forms::Forms::read(&store).unwrap());
    let extractor = Extractor::new(&matcher, &store);
    let too_long = "a".repeat(50_001);
    for (request, message) in [
        (Request::new("  "), "empty"),
        (Request::new(too_long.as_str()), "more than 50000"),
        (
            Request {
                k: 0,
                ..Request::new("x")
            },
            "k must",
        ),
        (
            Request {
                threshold: 1.5,
                ..Request::new("x")
            },
            "threshold",
        ),
        (
            Request {
                language: Some("english!".into()),
                ..Request::new("x")
            },
            "language tag",
        ),
    ] {
        let err = extractor.extract(&request).unwrap_err().to_string();
        assert!(err.contains(message), "{err}");
    }
}

#[actix_web::test]
async fn api_extract_answers_and_refuses_bad_input() {
    let app = TestApp::lexical();
    let body = serde_json::json!({ "text": AD_EN, "k": 3 }).to_string();
    let reply = app
        .post("/api/extract", None, "application/json", body)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let json = reply.json();
    assert_eq!(json["language"], "en");
    assert_eq!(json["method"], "lexical");
    assert_eq!(json["skills"].as_array().unwrap().len(), 3);
    let skill = &json["skills"][0];
    for key in [
        "uri",
        "label",
        "score",
        "skill_type",
        "reuse_level",
        "collections",
        "evidence",
    ] {
        assert!(!skill[key].is_null(), "{key} missing: {skill}");
    }
    assert!(skill["evidence"][0]["start"].is_u64() && skill["evidence"][0]["text"].is_string());
    assert!(json["occupations"][0]["uri"]
        .as_str()
        .unwrap()
        .contains("/occupation/"));

    let long = serde_json::json!({ "text": "a".repeat(50_001) }).to_string();
    for (body, message) in [
        ("not json", "must be JSON"),
        (r#"{"title": "nurse"}"#, "`text` is required"),
        (r#"{"text": "nurse", "k": 0}"#, "`k` must be between"),
        (r#"{"text": "nurse", "threshold": 2}"#, "`threshold`"),
        (r#"{"text": "nurse", "language": "xx!"}"#, "language tag"),
        (
            r#"{"text": "nurse", "esco_language": "en_GB!"}"#,
            "language tag",
        ),
        (r#"{"text": "nurse", "colour": "red"}"#, "unknown field"),
        (long.as_str(), "more than 50000"),
    ] {
        let reply = app
            .post("/api/extract", None, "application/json", body.to_owned())
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        let json = reply.json();
        assert!(
            json["message"]
                .as_str()
                .unwrap_or_default()
                .contains(message),
            "{body}: {json}"
        );
    }
}

#[test]
fn eval_extract_prints_the_figures_of_a_hand_made_set() {
    let (tmp, dir) = common::fixture_store();
    let sentences = tmp.path().join("sentences.tsv");
    // The first sentence is a skill's label: its gold skill ranks first. The second names cloud
    // technologies, its gold skill is chemistry: not first.
    std::fs::write(
        &sentences,
        format!("id\tsentence\tskills\ns1\tcope with stress\t{STRESS}\ns2\tcloud technologies\thttp://data.europa.eu/esco/skill/cde9911c-f92e-4de1-811f-336e177ac4ce\n"),
    )
    .unwrap();
    let out = esco_ld(&[
        "eval-extract",
        "--store",
        dir.to_str().unwrap(),
        "--no-model",
        "--json",
        "--sentences",
        sentences.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let overall = &report["overall"];
    assert_eq!(overall["queries"], 2);
    assert_eq!(overall["rp_1"], 0.5);
    let mrr = overall["mrr"].as_f64().unwrap();
    assert!((0.5..1.0).contains(&mrr), "{mrr}");
    assert!(overall["queries_per_s"].as_f64().unwrap() > 0.0);
    for key in ["rp_5", "rp_10"] {
        assert!(overall[key].as_f64().unwrap() >= 0.5, "{key}");
    }

    // A file that is not a sentence set: exit code 1 and the line that is wrong.
    std::fs::write(&sentences, "id\tsentence\tskills\ns1\tno skills here\n").unwrap();
    let out = esco_ld(&[
        "eval-extract",
        "--store",
        dir.to_str().unwrap(),
        "--no-model",
        "--sentences",
        sentences.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn extract_on_the_command_line_reads_standard_input() {
    use std::io::Write;
    let (_tmp, dir) = common::fixture_store();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_esco-ld"))
        .args([
            "extract",
            "--store",
            dir.to_str().unwrap(),
            "--no-model",
            "--json",
            "-",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(AD_EN.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<&str> = json["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["uri"].as_str().unwrap())
        .collect();
    assert!(got.contains(&HYGIENE), "{got:?}");

    let out = esco_ld(&[
        "extract",
        "--store",
        dir.to_str().unwrap(),
        "--no-model",
        "--threshold",
        "3",
        "x",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("between 0 and 1"));
}

#[actix_web::test]
async fn the_extract_page_marks_the_evidence_and_downloads_csv() {
    let app = TestApp::lexical();
    let reply = app.get("/extract").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply
        .text()
        .contains("<form method=\"post\" action=\"/extract\""));

    let reply = app
        .post_form("/extract", &[("text", AD_EN), ("format", "html")])
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = reply.text();
    assert!(
        html.contains("<mark title=\"hygiene in a health care setting\">Knowledge of hygiene in a health care setting</mark>"),
        "{html}"
    );
    assert!(html.contains(&format!(
        "href=\"/esco/skill/{}\"",
        HYGIENE.rsplit('/').next().unwrap()
    )));
    // The offer section is shown, never marked.
    assert!(html.contains("Project management training"));
    assert!(!html.contains("\">Project management training"));

    let reply = app
        .post_form("/extract", &[("text", AD_EN), ("format", "csv")])
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let csv = reply.text();
    assert!(
        csv.starts_with("uri,label,score,skill_type,reuse_level,collections,relation,evidence\n")
    );
    assert!(csv.contains(HYGIENE));

    let reply = app.post_form("/extract", &[("text", "  ")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.text().contains("`text` is required"));
    let reply = app
        .post_form("/extract", &[("text", AD_EN), ("format", "pdf")])
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

fn ids_of(path: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids
}

fn batch(store: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["extract", "--store", store.to_str().unwrap(), "--no-model"];
    args.extend_from_slice(extra);
    esco_ld(&args)
}

#[test]
fn the_batch_skips_bad_rows_resumes_cuts_torn_lines_and_shards() {
    let (tmp, dir) = common::fixture_store();
    let ads = tmp.path().join("ads.jsonl");
    let lines = [
        serde_json::json!({"id": "a1", "title": "Specialist nurse", "text": AD_EN}).to_string(),
        r#"{"id": "a2", "title": "No text"}"#.to_owned(),
        serde_json::json!({"id": 3, "text": "Requirements:\n- Cloud technologies\n- Computer programming"}).to_string(),
        "not json".to_owned(),
        serde_json::json!({"id": "a5", "text": "Profil :\n- cope with stress", "language": "fr"}).to_string(),

        serde_json::json!({"id": "a6", "text": "- Safe management of medicines"}).to_string(),
    ];
    std::fs::write(&ads, lines.join("\n") + "\n").unwrap();
    let out = tmp.path().join("out.jsonl");
    let whole = tmp.path().join("whole.json");
    let path = |p: &Path| p.to_str().unwrap().to_owned();
    let run = batch(
        &dir,
        &[
            "--input",
            &path(&ads),
            "--output",
            &path(&out),
            "--summary",
            &path(&whole),
        ],
    );
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(err.contains("line 2 (id a2): no text"), "{err}");
    assert!(err.contains("line 4: not an ad object"), "{err}");
    assert_eq!(ids_of(&out), ["3", "a1", "a5", "a6"]);
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert!(first["skills"].is_array() && first["occupations"].is_array());
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&whole).unwrap()).unwrap();
    assert_eq!(summary["ads"], 4);
    assert_eq!(summary["skills"][HYGIENE], 1);
    assert!(!summary["cooccurrence"].as_object().unwrap().is_empty());

    // A crash left a torn line: it is cut, and nothing is extracted twice.
    let mut text = std::fs::read_to_string(&out).unwrap();
    text.push_str("{\"id\":\"a9\",\"skills\":[{\"ur");
    std::fs::write(&out, &text).unwrap();
    let run = batch(&dir, &["--input", &path(&ads), "--output", &path(&out)]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(
        err.contains("0 ads written") && err.contains("4 written before"),
        "{err}"
    );
    assert_eq!(ids_of(&out), ["3", "a1", "a5", "a6"]);
    assert!(std::fs::read_to_string(&out).unwrap().ends_with("}\n"));

    // Two shards split the input; their summaries add up to the whole one's.
    let mut shard_ids = Vec::new();
    let mut summaries = Vec::new();
    for i in 0..2 {
        let o = tmp.path().join(format!("out-{i}.jsonl"));
        let s = tmp.path().join(format!("summary-{i}.json"));
        let run = batch(
            &dir,
            &[
                "--input",
                &path(&ads),
                "--output",
                &path(&o),
                "--summary",
                &path(&s),
                "--shard",
                &format!("{i}/2"),
            ],
        );
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        shard_ids.push(ids_of(&o));
        summaries.push(path(&s));
    }
    // Rows 0, 2, 4 (a1, 3, a5) and rows 1, 3, 5 (a2 without text, the line that is no JSON, a6).
    assert_eq!(shard_ids, [vec!["3", "a1", "a5"], vec!["a6"]]);
    let merged = tmp.path().join("merged.json");
    let mut args = vec!["extract", "--merge"];
    args.extend(summaries.iter().map(String::as_str));
    args.extend(["--summary", merged.to_str().unwrap()]);
    let run = esco_ld(&args);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let merged: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&merged).unwrap()).unwrap();
    let whole: serde_json::Value = serde_json::from_slice(&std::fs::read(&whole).unwrap()).unwrap();
    for key in [
        "ads",
        "skills",
        "occupations",
        "cooccurrence",
        "skill_mentions",
    ] {
        assert_eq!(merged[key], whole[key], "{key}");
    }

    // Input it cannot read: exit 1 with the reason.
    let run = batch(&dir, &["--input", "ads.parquet", "--output", &path(&out)]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("Parquet"));
    let run = batch(
        &dir,
        &[
            "--input",
            &path(&ads),
            "--output",
            &path(&out),
            "--shard",
            "2/2",
        ],
    );
    assert_eq!(run.status.code(), Some(2));
}

#[test]
fn with_a_title_given_the_first_line_is_read_for_skills() {
    let (_tmp, dir) = common::fixture_store();
    let store = store::open(&dir).unwrap();
    let matcher = Matcher::lexical(store::forms::Forms::read(&store).unwrap());
    let mut request =
        Request::new("Cope with stress\nKnowledge of hygiene in a health care setting");
    let without = Extractor::new(&matcher, &store).extract(&request).unwrap();
    assert_eq!(without.title.as_deref(), Some("Cope with stress"));
    assert!(!uris(&without).contains(&STRESS));
    request.title = Some("Specialist nurse".into());
    let with = Extractor::new(&matcher, &store).extract(&request).unwrap();
    assert!(uris(&with).contains(&STRESS), "{:?}", uris(&with));
}
