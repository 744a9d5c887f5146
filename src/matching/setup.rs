//! Putting a matcher together for a store: its surface forms, the lexical index, and when a
//! model is at hand the encoder and the dense side-index (kept in `STORE.match/`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use oxigraph::store::Store;
use usearch::ScalarKind;

use super::dense::{BuildReport, Dense};
use super::shortlist::ShortList;
use super::{Base, MatchError, Matcher, Semantic};
use crate::concept::Target;
use crate::config::AdapterChoice;
use crate::embed::{Encoder, DEFAULT_MODEL_DIR};
use crate::store::forms::Forms;

/// Which model to use.
#[derive(Debug, Clone)]
pub enum ModelChoice {
    /// This folder; failing to load it is an error.
    Dir(PathBuf),
    /// The default folder when it holds a model, else lexical matching.
    Default,
    /// No model: lexical matching.
    None,
}

impl ModelChoice {
    /// From `--model` / `--no-model`.
    pub fn from_flags(model: Option<PathBuf>, no_model: bool) -> Self {
        match (model, no_model) {
            (_, true) => Self::None,
            (Some(dir), false) => Self::Dir(dir),
            (None, false) => Self::Default,
        }
    }

    /// The folder to load, if any; an explicit folder without weights is an error.
    pub fn resolve(&self) -> Result<Option<PathBuf>, MatchError> {
        match self {
            Self::Dir(dir) => {
                if dir.join("model.safetensors").is_file() {
                    Ok(Some(dir.clone()))
                } else {
                    Err(MatchError::Input(format!(
                        "{} holds no model.safetensors (run `esco-ld model install --dir {}`)",
                        dir.display(),
                        dir.display()
                    )))
                }
            }
            Self::Default => Ok(Some(PathBuf::from(DEFAULT_MODEL_DIR))
                .filter(|d| d.join("model.safetensors").is_file())),
            Self::None => Ok(None),
        }
    }
}

/// Loads the model in `dir` with the process's adapter ([`crate::config::Settings::adapter`]):
/// the one shipped for the model unless told otherwise. An adapter applies to the model it was
/// tuned for only (not to the fast stage's static model).
pub fn load_encoder(dir: &Path) -> Result<Encoder, MatchError> {
    let encoder = Encoder::load(dir)?;
    let chosen = match &crate::config::settings().adapter {
        AdapterChoice::None => None,
        AdapterChoice::Dir(dir) => Some(dir.clone()),
        AdapterChoice::Shipped => crate::embed::adapter::shipped_dir(encoder.name()),
    };
    let Some(adapter_dir) = chosen else {
        return Ok(encoder);
    };
    let adapter = crate::embed::adapter::Adapter::load(&adapter_dir)?;
    if adapter.manifest.base_model != encoder.name() {
        tracing::info!(
            adapter = %adapter_dir.display(),
            "the adapter is for {}: not applied to {}",
            adapter.manifest.base_model,
            encoder.name()
        );
        return Ok(encoder);
    }
    let id = adapter.id().to_owned();
    let encoder = encoder.with_adapter(adapter)?;
    tracing::info!(
        adapter = %adapter_dir.display(),
        id,
        "adapter tuned on the store's labels applied to {}",
        encoder.name()
    );
    Ok(encoder)
}

/// The static model of the fast first stage, shipped in the data folder.
pub fn fast_model_dir() -> Option<PathBuf> {
    Some(crate::config::settings().fast_model_dir())
        .filter(|d| d.join("model.safetensors").is_file())
}

/// What setting up did, for logs and benchmarks.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SetupReport {
    /// Surface forms read.
    pub forms: usize,
    /// Concepts they name.
    pub concepts: usize,
    /// Seconds to read the forms and build the lexical index.
    pub lexical_seconds: f64,
    /// The model folder, if one was loaded.
    pub model: Option<String>,
    /// Seconds to load the model.
    pub model_seconds: f64,
    /// The dense index's report.
    pub dense: Option<BuildReport>,
}

/// Which label forms the dense index covers.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Concepts of this target only (all when `None`).
    pub target: Option<Target>,
    /// Labels in this language only (all when `None`).
    pub language: Option<String>,
    /// Preferred labels only.
    pub preferred_only: bool,
}

impl Scope {
    /// Every label of every concept: the service's index.
    pub fn all() -> Self {
        Self {
            target: None,
            language: None,
            preferred_only: false,
        }
    }

    /// The preferred label of every concept in every language: the service's first index.
    pub fn preferred() -> Self {
        Self {
            preferred_only: true,
            ..Self::all()
        }
    }

    /// Whether the scope covers a form.
    pub fn includes(
        &self,
        concepts: &[crate::store::forms::Concept],
        f: &crate::store::forms::Form,
    ) -> bool {
        (!self.preferred_only || f.kind == crate::store::forms::FormKind::Preferred)
            && self.language.as_ref().is_none_or(|l| *l == f.lang)
            && self
                .target
                .as_ref()
                .is_none_or(|t| concepts[f.concept as usize].is_in(t))
    }

    /// A name for the index files of this scope.
    pub fn tag(&self) -> String {
        let target = self
            .target
            .as_ref()
            .map_or_else(|| "all".to_owned(), target_tag);
        let kinds = if self.preferred_only {
            "-preferred"
        } else {
            ""
        };
        match &self.language {
            Some(l) => format!("{target}{kinds}-{l}"),
            None => format!("{target}{kinds}"),
        }
    }
}

/// A target's part of an index name.
fn target_tag(target: &Target) -> String {
    match target {
        Target::Any => "all".to_owned(),
        Target::Occupations => "occupations".to_owned(),
        Target::Skills => "skills".to_owned(),
        Target::IscoGroups => "isco-groups".to_owned(),
        Target::SkillGroups => "skill-groups".to_owned(),
        Target::Scheme(s) => format!("scheme-{:016x}", super::vectors::key(&[s.as_str()])),
        Target::Union(parts) => parts.iter().map(target_tag).collect::<Vec<_>>().join("+"),
    }
}

/// The surface forms as last read, with the store version they were read at.
pub const FORMS_SNAPSHOT: &str = "forms.snapshot";

/// The surface forms of `store`, from the snapshot in `index` when it was taken at store version
/// `stamp` (and whether they were), else read from the store and the snapshot replaced.
pub fn forms(
    store: &Store,
    index: &Path,
    stamp: Option<&str>,
) -> Result<(Forms, bool), MatchError> {
    let path = index.join(FORMS_SNAPSHOT);
    if let Some(forms) = stamp.and_then(|s| Forms::load(&path, s)) {
        return Ok((forms, true));
    }
    let forms = Forms::read(store)?;
    if let Some(stamp) = stamp {
        // Only a cache: a failure costs the next start the read, nothing else.
        if let Err(e) = std::fs::create_dir_all(index).and_then(|()| forms.save(&path, stamp)) {
            tracing::warn!("cannot save {}: {e}", path.display());
        }
    }
    Ok((forms, false))
}

/// The surface forms of `store` with their lexical index. With the store version `stamp`, the
/// snapshot in `index` is used when it was taken at that version (much quicker than reading the
/// store), else replaced after the store is read.
pub fn base(store: &Store, index: &Path, stamp: Option<&str>) -> Result<Arc<Base>, MatchError> {
    let started = Instant::now();
    let (forms, from_snapshot) = forms(store, index, stamp)?;
    let read = started.elapsed().as_secs_f64();
    let base = Arc::new(Base::new(forms));
    tracing::info!(
        forms = base.forms.forms.len(),
        from_snapshot,
        read_seconds = read,
        seconds = started.elapsed().as_secs_f64(),
        "surface forms and lexical index ready"
    );
    Ok(base)
}

/// Builds the matcher for `store`; `index` is the folder of the side-index, `scope` what its
/// dense part covers. With the store version `stamp`, the forms come from their snapshot when
/// it was taken then (see [`base`]).
pub fn matcher(
    store: &Store,
    stamp: Option<&str>,
    index: &Path,
    model: &ModelChoice,
    scope: &Scope,
    progress: &dyn Fn(usize, usize),
) -> Result<(Matcher, SetupReport), MatchError> {
    let started = Instant::now();
    let base = base(store, index, stamp)?;
    let mut report = SetupReport {
        forms: base.forms.forms.len(),
        concepts: base.forms.concepts.len(),
        ..SetupReport::default()
    };
    let matcher = Matcher::on(base);
    report.lexical_seconds = started.elapsed().as_secs_f64();
    let Some(dir) = model.resolve()? else {
        return Ok((matcher, report));
    };
    let loaded = Instant::now();
    let encoder = load_encoder(&dir)?;
    report.model = Some(dir.display().to_string());
    report.model_seconds = loaded.elapsed().as_secs_f64();
    let concepts = &matcher.forms().concepts;
    let include = |f: &crate::store::forms::Form| scope.includes(concepts, f);
    let (dense, built) = Dense::open(
        index,
        &scope.tag(),
        matcher.forms(),
        &include,
        &encoder,
        ScalarKind::F16,
        progress,
    )?;
    report.dense = Some(built);
    Ok((
        matcher.with_semantic(Semantic {
            encoder: Arc::new(encoder),
            dense,
        }),
        report,
    ))
}

/// The staged matcher: the fast first stage (the shipped static model over the labels `scope`
/// covers) with `model` re-scoring its short list, for when the model's own index is not built.
pub fn staged(
    store: &Store,
    stamp: Option<&str>,
    index: &Path,
    model: &ModelChoice,
    scope: &Scope,
    progress: &dyn Fn(usize, usize),
) -> Result<(Matcher, SetupReport), MatchError> {
    let Some(dir) = model.resolve()? else {
        return Err(MatchError::Input(
            "the staged matcher needs a model (run `esco-ld model install` or give --model)".into(),
        ));
    };
    let fast = fast_model_dir().ok_or_else(|| {
        MatchError::Input(format!(
            "no static first-stage model in {}",
            crate::embed::FAST_MODEL_DIR
        ))
    })?;
    let (matcher, mut report) = matcher(
        store,
        stamp,
        index,
        &ModelChoice::Dir(fast),
        scope,
        progress,
    )?;
    let loaded = Instant::now();
    let encoder = load_encoder(&dir)?;
    report.model_seconds += loaded.elapsed().as_secs_f64();
    let short = ShortList::open(index, Arc::new(encoder))?;
    Ok((matcher.with_short_list(Arc::new(short)), report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_tags_name_target_kinds_and_language() {
        let scope = |target: &str, language: Option<&str>| Scope {
            target: Some(target.parse::<Target>().unwrap()),
            language: language.map(str::to_owned),
            preferred_only: false,
        };
        assert_eq!(Scope::all().tag(), "all");
        assert_eq!(Scope::preferred().tag(), "all-preferred");
        assert_eq!(scope("occupations", Some("es")).tag(), "occupations-es");
        assert_eq!(
            scope("occupations,isco-groups", Some("sv")).tag(),
            "occupations+isco-groups-sv"
        );
        assert_ne!(
            scope("occupations,isco-groups", None).tag(),
            scope("occupations", None).tag()
        );
    }
}
