//! Adapters tuned on the store's labels: `model tune` on the fixture (with the shipped static
//! model, so it runs everywhere), its errors, and an adapter applied to both sides of a match
//! with its index filed apart from the model's own.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use esco_ld::concept::Target;
use esco_ld::embed::adapter::{Adapter, Manifest, TrainedOn, FORMAT};
use esco_ld::embed::{Encoder, Kind};
use esco_ld::lab::eval;
use esco_ld::matching::dense::Dense;
use esco_ld::matching::{Input, Matcher, Semantic};
use esco_ld::store::forms::Forms;

use crate::common::{esco_ld, fixture, fixture_store, static_model};

/// `model tune` on the store with the shipped static model, no hold-out, the report as JSON.
fn run_tune(store: &str, out: &Path, extra: &[&str]) -> Output {
    let model = static_model().display().to_string();
    let out = out.display().to_string();
    let mut args = vec![
        "model",
        "tune",
        "--store",
        store,
        "--model",
        &model,
        "--holdout",
        "0",
        "--json",
        "--out",
        &out,
    ];
    args.extend(extra);
    esco_ld(&args)
}

#[test]
fn tuning_an_adapter_on_the_fixture_labels() {
    let (tmp, dir) = fixture_store();
    let store = dir.display().to_string();
    let model = static_model().display().to_string();
    let out = tmp.path().join("adapter");
    let tune = |out: &Path, extra: &[&str]| run_tune(&store, out, extra);
    let o = tune(&out, &["--languages", "en", "--steps", "300"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let labels = report["labels"].as_u64().unwrap();
    assert!(labels >= 9, "{report}");
    assert_eq!(report["concepts"], 9, "{report}");
    assert_eq!(report["embedded"].as_u64(), Some(labels), "{report}");
    // Training pulled labels of one concept together: the loss went down.
    let (first, last) = (
        report["loss_first"].as_f64().unwrap(),
        report["loss_last"].as_f64().unwrap(),
    );
    assert!(last < first, "{report}");
    let floor = report["floor"].as_f64().unwrap();
    assert!(floor > -1.0 && floor < 1.0, "{report}");
    assert_eq!(report["languages"]["en"]["labels"].as_u64(), Some(labels));
    let adapter = Adapter::load(&out).unwrap();
    assert_eq!(adapter.manifest.base_model, "m2v-me5-tiny");
    assert_eq!(adapter.dims(), 64);
    assert!((f64::from(adapter.manifest.floor) - floor).abs() < 1e-6);
    // The labels' vectors were cached beside the store: a second run embeds none.
    let again = tmp.path().join("again");
    let o = tune(&again, &["--languages", "en", "--steps", "300"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["embedded"], 0, "{report}");
    // The same data and seed give the same adapter.
    assert_eq!(Adapter::load(&again).unwrap().weight(), adapter.weight());

    // Errors: a language without labels, no steps; nothing is written.
    let bad = tmp.path().join("bad");
    let o = tune(&bad, &["--languages", "en,xx", "--steps", "300"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no labels in language \"xx\""), "{err}");
    let o = tune(&bad, &["--languages", "en", "--steps", "0"]);
    assert_eq!(o.status.code(), Some(2), "no steps is a bad flag value");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--steps"));
    assert!(!bad.exists());
    // A damaged adapter is refused where it is used.
    std::fs::write(out.join("adapter.json"), "{}").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_esco-ld"))
        .args(["match", "--store", &store, "--model", &model, "developer"])
        .env("ESCO_LD_ADAPTER", &out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("adapter.json"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn an_adapter_tuned_on_a_crosswalk_is_not_measured_on_it() {
    let (tmp, dir) = fixture_store();
    let store = dir.display().to_string();
    let model = static_model().display().to_string();
    let crosswalk = fixture("crosswalks/onet_esco_crosswalk_subset.csv");
    // What the tuning should take from it: each title with each occupation of the store it is
    // mapped to.
    let (queries, _) = eval::crosswalk_queries(&crosswalk).unwrap();
    let expected: usize = {
        let st = esco_ld::store::open(&dir).unwrap();
        let forms = Forms::read_labels(&st).unwrap();
        queries
            .iter()
            .flat_map(|q| &q.gold)
            .filter(|(uri, _)| {
                forms
                    .concepts
                    .iter()
                    .any(|c| c.iri.as_str() == uri.as_str() && c.is_in(&Target::Occupations))
            })
            .count()
    };
    assert!(expected > 0);
    let tune = |out: &Path, crosswalk: Option<&Path>| {
        let c = crosswalk.map(|c| c.display().to_string());
        let mut extra = vec!["--languages", "en", "--steps", "200"];
        if let Some(c) = &c {
            extra.extend(["--crosswalk", c.as_str()]);
        }
        run_tune(&store, out, &extra)
    };
    let with = tmp.path().join("with");
    let o = tune(&with, Some(&crosswalk));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        report["crosswalk_pairs"].as_u64(),
        Some(expected as u64),
        "{report}"
    );
    let adapter = Adapter::load(&with).unwrap();
    assert_eq!(
        adapter.manifest.crosswalks,
        vec![TrainedOn {
            file: "onet_esco_crosswalk_subset.csv".into(),
            sha256: eval::fingerprint(&queries),
            pairs: expected,
        }]
    );
    // The pairs changed what was learnt.
    let without = tmp.path().join("without");
    let o = tune(&without, None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plain = Adapter::load(&without).unwrap();
    assert!(plain.manifest.crosswalks.is_empty());
    assert_ne!(plain.weight(), adapter.weight());

    let evaluate = |adapter: &Path, crosswalk: &Path| {
        Command::new(env!("CARGO_BIN_EXE_esco-ld"))
            .args([
                "eval",
                "--store",
                &store,
                "--model",
                &model,
                "--json",
                "--crosswalk",
            ])
            .arg(crosswalk)
            .env("ESCO_LD_ADAPTER", adapter)
            .env_remove("ESCO_LD_MODEL")
            .output()
            .unwrap()
    };
    // Measured on the crosswalk it was trained on: refused, also for a re-ordered copy.
    let o = evaluate(&with, &crosswalk);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("was trained on this crosswalk"), "{err}");
    let text = std::fs::read_to_string(&crosswalk).unwrap();
    let (head, body) = text.split_at(text.find("15-1211.00").unwrap());
    // Records (a description may span lines) in reverse order.
    let mut records: Vec<String> = Vec::new();
    for line in body.lines() {
        let b = line.as_bytes();
        let starts = b.len() > 10 && b[2] == b'-' && b[7] == b'.' && b[0].is_ascii_digit();
        if starts || records.is_empty() {
            records.push(String::new());
        }
        let record = records.last_mut().unwrap();
        record.push_str(line);
        record.push('\n');
    }
    assert!(records.len() > 10);
    records.reverse();
    let copy = tmp.path().join("reordered.csv");
    std::fs::write(&copy, format!("{head}{}", records.concat())).unwrap();
    assert_eq!(
        eval::fingerprint(&eval::crosswalk_queries(&copy).unwrap().0),
        eval::fingerprint(&queries)
    );
    let o = evaluate(&with, &copy);
    assert!(!o.status.success());
    // Without it, or with the adapter tuned on the labels alone, the figures are printed.
    for a in [Path::new("none"), without.as_path()] {
        let o = evaluate(a, &crosswalk);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(
            report["overall"]["queries"].as_u64().unwrap() > 0,
            "{report}"
        );
    }
    // A file that is no crosswalk: refused before anything is written.
    let bad = tmp.path().join("bad");
    let o = tune(&bad, Some(&fixture("esco/skills_en.csv")));
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot read") && err.contains("skills_en.csv"),
        "{err}"
    );
    assert!(!bad.exists());
}

fn input(text: &str) -> Input {
    Input {
        text: text.into(),
        description: None,
        language: None,
        target: Target::Occupations,
        k: 5,
        label_language: None,
    }
}

/// The matcher over every label with `encoder`, its index in `index`.
fn matcher(store: &oxigraph::store::Store, index: &Path, encoder: Encoder) -> Matcher {
    let forms = Forms::read(store).unwrap();
    let matcher = Matcher::lexical(forms);
    let (dense, _) = Dense::open(
        index,
        "all",
        matcher.forms(),
        &|f| f.kind.is_label(),
        &encoder,
        usearch::ScalarKind::F32,
        &|_, _| {},
    )
    .unwrap();
    matcher.with_semantic(Semantic {
        encoder: Arc::new(encoder),
        dense,
    })
}

#[test]
fn an_adapter_applies_to_both_sides_and_files_its_index_apart() {
    let (tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let index = tmp.path().join("match");
    let load = || Encoder::load(&static_model()).unwrap();
    let plain = matcher(&store, &index, load());
    let manifest = |floor: f32| Manifest {
        format: FORMAT.into(),
        base_model: "m2v-me5-tiny".into(),
        dims: 64,
        floor,
        sha256: String::new(),
        training: serde_json::Value::Null,
        crosswalks: Vec::new(),
    };
    // A random map (fixed seed), saved and loaded as a user's would be.
    let mut state = 7u64;
    let weight: Vec<f32> = (0..64 * 64)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 2001) as f32 / 1000.0 - 1.0
        })
        .collect();
    let path = tmp.path().join("adapter");
    Adapter::new(manifest(0.1), weight)
        .unwrap()
        .save(&path)
        .unwrap();
    let adapter = Adapter::load(&path).unwrap();
    let id = adapter.id().to_owned();
    let adapted = matcher(&store, &index, load().with_adapter(adapter).unwrap());
    // The adapted index is filed under the model and the adapter; the cache of the model's own
    // vectors is shared (nothing embedded twice).
    let files: Vec<String> = std::fs::read_dir(&index)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.contains(&format!("m2v-me5-tiny+{id}.all.usearch"))
            && files.contains(&"m2v-me5-tiny.all.usearch".to_owned())
            && files.iter().filter(|f| f.ends_with(".vectors")).count() == 1,
        "{files:?}"
    );
    // The nearest form in the adapted index is the nearest by adapted cosine, computed here
    // from the model's vectors: the query and the labels both went through the map.
    let sem = adapted.semantic.as_ref().unwrap();
    let raw = sem
        .encoder
        .embed(&["software developer"], Kind::Query)
        .unwrap()
        .remove(0);
    let q = sem.encoder.adapt(Kind::Query, raw.clone());
    assert_ne!(q, raw);
    let hits = sem.dense.search(&q, 3, |_| true, 1.0).unwrap();
    let forms = &adapted.forms().forms;
    let by_hand = |i: u32| {
        let text = forms[i as usize].text.as_str();
        let v = sem.encoder.embed(&[text], Kind::Query).unwrap().remove(0);
        esco_ld::embed::dot(&q, &sem.encoder.adapt(Kind::Query, v))
    };
    let best = forms
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind.is_label())
        .map(|(i, _)| by_hand(i as u32))
        .fold(f32::MIN, f32::max);
    assert!((hits[0].1 - best).abs() < 1e-3, "{hits:?} vs {best}");
    for (f, sim) in &hits {
        assert!((sim - by_hand(*f)).abs() < 1e-3, "{hits:?}");
    }
    // The plain matcher's dense scores differ: the adapter is not ignored.
    let a = adapted.search(&input("software developer")).unwrap();
    let p = plain.search(&input("software developer")).unwrap();
    let dense = |m: &esco_ld::matching::Matches| -> Vec<Option<f32>> {
        m.candidates.iter().map(|c| c.dense).collect()
    };
    assert_ne!(dense(&a), dense(&p));
    assert!(a.candidates.iter().all(|c| (0.0..=1.0).contains(&c.score)));
    // An adapter made for another model is refused.
    let err = load()
        .with_adapter(
            Adapter::new(
                Manifest {
                    dims: 384,
                    ..manifest(0.1)
                },
                vec![0.0; 384 * 384],
            )
            .unwrap(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("384 dimensions"), "{err}");
}
