//! The embedding model: parity with the reference vectors sentence-transformers computed for
//! multilingual-e5-small (tests/fixtures/e5-reference, from the model's original
//! implementation on the same weights).
//!
//! The model folder comes from `ESCO_LD_MODEL` or `models/multilingual-e5-small` (where
//! `esco-ld model install` puts it). Without it the test says so and passes, unless
//! `ESCO_LD_REQUIRE_MODEL=1` (CI sets it, after installing the model).

use std::path::PathBuf;

use esco_ld::embed::{dot, Encoder, Kind};

use crate::common::fixture;

fn model_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("ESCO_LD_MODEL").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(esco_ld::embed::DEFAULT_MODEL_DIR),
        PathBuf::from,
    );
    if dir.join("model.safetensors").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var("ESCO_LD_REQUIRE_MODEL").map_or(true, |v| v != "1"),
        "ESCO_LD_REQUIRE_MODEL=1 but no model in {} (run `esco-ld model install`)",
        dir.display()
    );
    eprintln!(
        "skipped: no model in {} (run `esco-ld model install`)",
        dir.display()
    );
    None
}

fn reference(file: &str) -> Vec<Vec<f32>> {
    let bytes = std::fs::read(fixture(&format!("e5-reference/{file}"))).unwrap();
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect::<Vec<_>>()
        .chunks_exact(384)
        .map(<[f32]>::to_vec)
        .collect()
}

#[test]
fn e5_vectors_match_the_reference_implementation() {
    let Some(dir) = model_dir() else { return };
    let encoder = Encoder::load(&dir).unwrap();
    assert_eq!(encoder.dims(), 384);
    let texts: Vec<String> =
        serde_json::from_slice(&std::fs::read(fixture("e5-reference/texts.json")).unwrap())
            .unwrap();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    for (kind, file) in [
        (Kind::Query, "reference-query.f32"),
        (Kind::Passage, "reference-passage.f32"),
    ] {
        let expected = reference(file);
        assert_eq!(expected.len(), texts.len());
        // In one padded batch and one by one: padding must not change a vector.
        let batch = encoder.embed(&texts, kind).unwrap();
        for (i, text) in texts.iter().enumerate() {
            let single = encoder.embed(&[text], kind).unwrap().remove(0);
            for (how, v) in [("batch", &batch[i]), ("single", &single)] {
                let cos = dot(v, &expected[i]);
                assert!(cos >= 0.999, "{kind:?} {how} {text:?}: cosine {cos}");
            }
        }
    }
    // And the vectors mean something: a title is nearer its translation than another job.
    let v = encoder
        .embed(&["nurse", "Krankenpfleger", "truck driver"], Kind::Query)
        .unwrap();
    assert!(dot(&v[0], &v[1]) > dot(&v[0], &v[2]));
}
