//! Vacancy ↔ CV: each candidate's score and reasons over the fixture's specialist nurse (six
//! essential skills), through the library, `POST /api/compare` and `esco-ld compare`.

use actix_web::http::StatusCode;
use esco_ld::extract::compare::Side;
use esco_ld::extract::Extractor;
use esco_ld::matching::Matcher;
use esco_ld::store;

use crate::common::{self, esco_ld, TestApp};

const NURSE: &str = "http://data.europa.eu/esco/occupation/18e14e61-495b-44cc-a7c6-df4c625934ba";
const SKILL: &str = "http://data.europa.eu/esco/skill/";
const ESSENTIAL: [&str; 6] = [
    "27a638bc-6362-45f8-afce-5596a606269b",
    "99a09006-31f4-41d3-b3aa-feb2aeff730b",
    "049c8caf-dd12-45fc-9bfa-b64051f32a19",
    "097098fc-6d89-44e9-9305-98ac5c0a78ac",
    "0b5aaee4-c948-4853-bf8d-b9cd6c4917ee",
    "1023ac61-250f-4eef-b7a9-238cf071685f",
];
/// Narrower than "cope with stress": "respond to changing situations in health care".
const RESPOND: &str = "049c8caf-dd12-45fc-9bfa-b64051f32a19";
const STRESS: &str = "7a147904-22b3-498a-b4d9-7bceeb86b45d";
const NURSING_CARE: &str = "1023ac61-250f-4eef-b7a9-238cf071685f";
const PROGRAMMING: &str = "21d2f96d-35f7-4e3f-9745-c533d2dd6e97";

fn skill(id: &str) -> String {
    format!("{SKILL}{id}")
}

fn skills(ids: &[&str]) -> Side {
    Side::Skills(ids.iter().map(|i| skill(i)).collect())
}

#[test]
fn candidates_ranked_with_common_related_missing_and_other_skills() {
    let (_tmp, dir) = common::fixture_store();
    let store = store::open(&dir).unwrap();
    let matcher = Matcher::lexical(store::forms::Forms::read(&store).unwrap());
    let extractor = Extractor::new(&matcher, &store);
    let candidates = [
        skills(&[PROGRAMMING]),
        skills(&[NURSING_CARE, STRESS]),
        skills(&ESSENTIAL),
        Side::Text {
            title: Some("Nurse".into()),
            text:
                "Experience:\n- Provide professional care in nursing\n- Specialist nursing care\n"
                    .into(),
        },
    ];
    let found = extractor
        .compare(&Side::Occupation(NURSE.into()), &candidates)
        .unwrap();
    assert_eq!(found.vacancy_occupation.as_deref(), Some(NURSE));
    assert_eq!(found.vacancy_skills, 6);
    let order: Vec<usize> = found.candidates.iter().map(|c| c.candidate).collect();
    assert_eq!(order, [2, 3, 1, 0]);

    let all = &found.candidates[0];
    assert_eq!(all.score, 1.0);
    assert_eq!(all.common.len(), 6);
    assert!(all.missing_essential.is_empty() && all.other.is_empty());

    // Two of six from the text: 2/6.
    let text = &found.candidates[1];
    assert!((text.score - 2.0 / 6.0).abs() < 1e-6, "{text:?}");

    // Nursing care in common; "cope with stress" is broader than an essential skill: half credit.
    let some = &found.candidates[2];
    assert!((some.score - 1.5 / 6.0).abs() < 1e-6, "{some:?}");
    assert_eq!(some.common, [skill(NURSING_CARE)]);
    assert_eq!(some.related.len(), 1);
    assert_eq!(some.related[0].wanted, skill(RESPOND));
    assert_eq!(some.related[0].offered, skill(STRESS));
    assert_eq!(some.related[0].link, "broader");
    assert_eq!(some.missing_essential.len(), 4);
    assert!(some.other.is_empty());

    let none = &found.candidates[3];
    assert_eq!(none.score, 0.0);
    assert_eq!(none.other, [skill(PROGRAMMING)]);
    assert_eq!(none.missing_essential.len(), 6);

    // What cannot be compared.
    let err = extractor
        .compare(
            &Side::Occupation(NURSE.into()),
            &[skills(&["no-such-skill"])],
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("is not an ESCO skill"), "{err}");
    let err = extractor
        .compare(&Side::Occupation(NURSE.into()), &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("1 to 100 candidates"), "{err}");
}

#[actix_web::test]
async fn api_compare_answers_and_refuses_bad_input() {
    let app = TestApp::lexical();
    let body = serde_json::json!({
        "vacancy": {"occupation": NURSE},
        "candidates": [
            {"skills": [skill(PROGRAMMING)]},
            {"title": "Nurse", "text": "- Provide professional care in nursing"},
        ],
    })
    .to_string();
    let reply = app
        .post("/api/compare", None, "application/json", body)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let json = reply.json();
    assert_eq!(json["candidates"][0]["candidate"], 1);
    assert_eq!(json["candidates"][0]["common"][0], skill(NURSING_CARE));
    assert!(
        json["candidates"][1]["missing_essential"]
            .as_array()
            .unwrap()
            .len()
            == 6
    );

    for (body, message) in [
        ("[]".to_owned(), "must be JSON"),
        (
            serde_json::json!({"vacancy": {"occupation": NURSE}, "candidates": []}).to_string(),
            "1 to 100",
        ),
        (
            serde_json::json!({"vacancy": {"text": "x", "skills": [skill(STRESS)]}, "candidates": [{"skills": [skill(STRESS)]}]}).to_string(),
            "vacancy: each side is",
        ),
        (
            serde_json::json!({"vacancy": {"occupation": skill(STRESS)}, "candidates": [{"skills": [skill(STRESS)]}]}).to_string(),
            "is not an ESCO occupation",
        ),
    ] {
        let reply = app.post("/api/compare", None, "application/json", body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        let json = reply.json();
        assert!(json["message"].as_str().unwrap_or_default().contains(message), "{body}: {json}");
    }
}

#[test]
fn compare_on_the_command_line_reads_files_of_each_kind() {
    let (tmp, dir) = common::fixture_store();
    let write = |name: &str, text: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let vacancy = write("vacancy.txt", &format!("{NURSE}\n"));
    let cv = write(
        "cv.txt",
        "Jane Doe\nExperience:\n- Provide professional care in nursing\n",
    );
    let list = write("skills.txt", &ESSENTIAL.map(skill).join("\n"));
    let out = esco_ld(&[
        "compare",
        "--store",
        dir.to_str().unwrap(),
        "--no-model",
        "--json",
        &vacancy,
        &cv,
        &list,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["candidates"][0]["candidate"], 1);
    assert_eq!(json["candidates"][0]["score"], 1.0);
    assert_eq!(json["candidates"][1]["candidate"], 0);

    let out = esco_ld(&[
        "compare",
        "--store",
        dir.to_str().unwrap(),
        "--no-model",
        &vacancy,
    ]);
    assert_eq!(out.status.code(), Some(2));
}
