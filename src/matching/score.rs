//! How the stages' similarities become one score: the calibration of a model's cosines, the
//! weights of the parts, and what a concept scored before its candidate is made.

use crate::embed::Encoder;

/// Forms taken from each first stage.
pub(super) const SHORT_LIST: usize = 300;
/// Candidates re-scored by their description.
pub(super) const RERANK: usize = 20;
/// Weight of the description similarity in a re-scored candidate; tuned on the O*NET dev set
/// (docs/matching.md#description-weight).
pub(super) const DESCRIPTION_WEIGHT: f32 = 0.5;
/// What a match on an alternative or hidden label counts of one on the preferred label, so that
/// a form two concepts share names the one it is the preferred label of first
/// (docs/matching.md#other-label-weight).
pub(super) const OTHER_LABEL_WEIGHT: f32 = 0.97;
/// The share of its best member occupation's score an ISCO group matched beside occupations
/// gets: the broader answer, offered below the occupation that best names the input
/// (docs/matching.md#group-share).
pub(super) const GROUP_SHARE: f32 = 0.9;
/// Dense weight in the fused score; tuned on the O*NET dev set
/// (docs/matching.md#dense-weight-and-floor).
const DENSE_WEIGHT: f32 = 0.8;
/// E5 cosine below which two short texts are taken as unrelated: the dense score's zero
/// (docs/matching.md#dense-weight-and-floor).
const DENSE_FLOOR: f32 = 0.8;

/// How a model's cosines turn into scores: the cosine taken as "unrelated" (0) and the dense
/// part's weight in the fused score.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Calibration {
    floor: f32,
    weight: f32,
}

impl Calibration {
    /// For the model's own vectors (descriptions, and everything without an adapter).
    pub(crate) fn raw(encoder: &Encoder) -> Self {
        if encoder.is_static() {
            STATIC
        } else {
            TRANSFORMER
        }
    }

    /// For title and label vectors: adapted ones start from the adapter's own floor (its
    /// training spreads cosines out), with the model's weight.
    pub(crate) fn of(encoder: &Encoder) -> Self {
        let raw = Self::raw(encoder);
        encoder.adapter().map_or(raw, |a| Self {
            floor: a.manifest.floor,
            ..raw
        })
    }

    /// The fused score of a rescaled dense part and a lexical part.
    pub(crate) fn fuse(self, dense: f32, lexical: f32) -> f32 {
        self.weight * dense + (1.0 - self.weight) * lexical
    }

    /// A cosine on the [0, 1] scale: 0 at the floor (unrelated), 1 for the same text.
    pub(crate) fn rescale(self, cos: f32) -> f32 {
        ((cos - self.floor) / (1.0 - self.floor)).clamp(0.0, 1.0)
    }
}

/// The transformer model's calibration.
const TRANSFORMER: Calibration = Calibration {
    floor: DENSE_FLOOR,
    weight: DENSE_WEIGHT,
};

/// A static model's calibration: a weak model, so a light weight; tuned on the O*NET dev set
/// (docs/matching.md#static-calibration).
const STATIC: Calibration = Calibration {
    floor: 0.5,
    weight: 0.3,
};

/// A concept's best form from each first stage, as the stages found them.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Scores {
    /// The best lexical similarity and its form.
    pub(super) lexical: Option<(f32, u32)>,
    /// The best dense cosine and its form.
    pub(super) dense: Option<(f32, u32)>,
}
