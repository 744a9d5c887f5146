//! Process-wide settings: where the shipped data is (the default data to load, the fast
//! stage's static model and the adapters tuned for each model live in it) and which adapter the
//! model's vectors go through. The command line builds them once from its flags (every
//! environment variable is declared there) and installs them before anything runs; a library
//! user that installs nothing gets the defaults. Paths are never baked in at build time: a
//! release binary copied elsewhere is pointed at its data with `--data` / `ESCO_LD_DATA`.

use std::path::PathBuf;
use std::sync::OnceLock;

/// The shipped data's folder unless told: `data` in the working directory.
pub const DEFAULT_DATA_DIR: &str = "data";

/// Which adapter the model's vectors go through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AdapterChoice {
    /// The one shipped for the model in the data folder, when there is one.
    #[default]
    Shipped,
    /// None: the model's own vectors.
    None,
    /// The one in this folder (as `model tune` writes it).
    Dir(PathBuf),
}

impl std::str::FromStr for AdapterChoice {
    type Err = std::convert::Infallible;

    /// `none` (or nothing) for none, else a folder.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text.trim() {
            "" | "none" => Self::None,
            dir => Self::Dir(PathBuf::from(dir)),
        })
    }
}

/// The settings of the process.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The shipped data's folder.
    pub data_dir: PathBuf,
    /// The adapter applied to the model.
    pub adapter: AdapterChoice,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            adapter: AdapterChoice::Shipped,
        }
    }
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

impl Settings {
    /// Makes these the process's settings: `false` when settings were installed or read
    /// already (they are fixed once read).
    pub fn install(self) -> bool {
        SETTINGS.set(self).is_ok()
    }

    /// The folder of the static model of the fast first stage.
    pub fn fast_model_dir(&self) -> PathBuf {
        self.data_dir.join("models/m2v-me5-tiny")
    }

    /// The folder of the adapter shipped for the model called `model`.
    pub fn shipped_adapter_dir(&self, model: &str) -> PathBuf {
        self.data_dir.join(format!("models/esco-adapter-{model}"))
    }
}

/// The process's settings (the defaults when none were installed).
pub fn settings() -> &'static Settings {
    SETTINGS.get_or_init(Settings::default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn an_adapter_choice_reads_none_or_a_folder() {
        assert_eq!("none".parse(), Ok(AdapterChoice::None));
        assert_eq!("".parse(), Ok(AdapterChoice::None));
        assert_eq!(
            "out/adapter".parse(),
            Ok(AdapterChoice::Dir(PathBuf::from("out/adapter")))
        );
        let s = Settings::default();
        assert_eq!(s.fast_model_dir(), Path::new("data/models/m2v-me5-tiny"));
        assert_eq!(
            s.shipped_adapter_dir("multilingual-e5-small"),
            Path::new("data/models/esco-adapter-multilingual-e5-small")
        );
    }
}
