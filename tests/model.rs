//! The embedding model: parity with the reference vectors sentence-transformers computed for
//! multilingual-e5-small (tests/fixtures/e5-reference, from the model's original
//! implementation on the same weights).
//!
//! The model folder is [`installed_model`]'s: the test that needs it is ignored by default, and
//! fails without it when run (`cargo test --release -- --include-ignored`, as CI does).

use esco_ld::embed::{dot, Encoder, Kind};

use crate::common::{fixture, installed_model, static_model};

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
#[ignore = "needs the model: esco-ld model install"]
fn e5_vectors_match_the_reference_implementation() {
    let encoder = Encoder::load(&installed_model()).unwrap();
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

/// The static first-stage model shipped in `data/models/m2v-me5-tiny`: vectors equal those of
/// the `model2vec` package (0.10.0, `StaticModel.encode`) for the same texts
/// (tests/fixtures/m2v-reference, generated once).
#[test]
fn static_vectors_match_the_reference_implementation() {
    let encoder = Encoder::load(&static_model()).unwrap();
    assert!(encoder.is_static());
    assert_eq!(encoder.dims(), 64);
    let texts: Vec<String> =
        serde_json::from_slice(&std::fs::read(fixture("e5-reference/texts.json")).unwrap())
            .unwrap();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let bytes = std::fs::read(fixture("m2v-reference/reference.f32")).unwrap();
    let expected: Vec<Vec<f32>> = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect::<Vec<_>>()
        .chunks_exact(64)
        .map(<[f32]>::to_vec)
        .collect();
    assert_eq!(expected.len(), texts.len());
    // No prefix for a static model: query and passage give the same vector.
    let batch = encoder.embed(&texts, Kind::Query).unwrap();
    let passages = encoder.embed(&texts, Kind::Passage).unwrap();
    for (i, text) in texts.iter().enumerate() {
        let single = encoder.embed(&[text], Kind::Query).unwrap().remove(0);
        for (how, v) in [
            ("batch", &batch[i]),
            ("single", &single),
            ("passage", &passages[i]),
        ] {
            let cos = dot(v, &expected[i]);
            assert!(cos >= 0.999, "{how} {text:?}: cosine {cos}");
        }
    }
    // A text of unknown tokens only is the zero vector, not NaN.
    let empty = encoder.embed(&[""], Kind::Query).unwrap().remove(0);
    assert!(empty.iter().all(|x| *x == 0.0));
}

#[test]
fn a_model_folder_with_a_broken_table_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let src = static_model();
    for f in ["config.json", "tokenizer.json"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    // A safetensors header that promises more data than the file holds.
    let header = br#"{"embeddings":{"dtype":"I8","shape":[10,4],"data_offsets":[0,40]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header);
    bytes.extend_from_slice(&[1; 8]);
    std::fs::write(dir.path().join("model.safetensors"), bytes).unwrap();
    let err = Encoder::load(dir.path()).unwrap_err().to_string();
    assert!(err.contains("out of bounds"), "{err}");
}
