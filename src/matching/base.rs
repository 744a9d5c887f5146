//! What every matcher of one store version shares: the surface forms, the lexical index over
//! their labels, and the shares of label forms by class and language.

use std::collections::HashMap;

use super::lexical::LexicalIndex;
use super::Input;
use crate::concept::{Class, Target};
use crate::store::forms::{FormKind, Forms};

/// What every matcher of one store version shares: the surface forms and the lexical index
/// over their labels (built once, whatever model comes on top).
pub struct Base {
    /// The surface forms.
    pub forms: Forms,
    /// Form number of each text in the lexical index.
    pub(super) label_forms: Vec<u32>,
    pub(super) lexical: LexicalIndex,
    /// Description forms by concept.
    pub(super) descriptions: HashMap<u32, Vec<u32>>,
    /// Label forms by concept.
    pub(super) labels: Vec<Vec<u32>>,
    /// Share of the label forms per class and per language.
    pub(super) shares: Shares,
}

impl Base {
    /// Indexes the labels of `forms`.
    pub fn new(forms: Forms) -> Self {
        let label_forms: Vec<u32> = forms
            .forms
            .iter()
            .enumerate()
            .filter(|(_, f)| f.kind.is_label())
            .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
            .collect();
        let lexical = LexicalIndex::build(
            label_forms
                .iter()
                .map(|i| forms.forms[*i as usize].text.as_str()),
        );
        let mut descriptions: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut labels: Vec<Vec<u32>> = vec![Vec::new(); forms.concepts.len()];
        for (i, f) in forms.forms.iter().enumerate() {
            if f.kind.is_label() {
                if let Some(l) = labels.get_mut(f.concept as usize) {
                    l.push(u32::try_from(i).unwrap_or(u32::MAX));
                }
            }
            if f.kind == FormKind::Description {
                descriptions
                    .entry(f.concept)
                    .or_default()
                    .push(u32::try_from(i).unwrap_or(u32::MAX));
            }
        }
        let shares = Shares::of(&forms, &label_forms);
        Self {
            forms,
            label_forms,
            lexical,
            descriptions,
            labels,
            shares,
        }
    }
}

/// Shares of the label forms, to estimate how many forms a search's filter accepts.
#[derive(Debug, Default)]
pub(super) struct Shares {
    class: HashMap<Class, f64>,
    language: HashMap<String, f64>,
}

impl Shares {
    fn of(forms: &Forms, label_forms: &[u32]) -> Self {
        let mut shares = Self::default();
        let unit = 1.0 / label_forms.len().max(1) as f64;
        for f in label_forms {
            let form = &forms.forms[*f as usize];
            *shares
                .class
                .entry(forms.concepts[form.concept as usize].class)
                .or_default() += unit;
            *shares.language.entry(form.lang.clone()).or_default() += unit;
        }
        shares
    }

    /// The share of label forms a target accepts (0 for a scheme, whose share is not known; a
    /// union's parts may overlap, so their sum is capped at 1).
    fn target_share(&self, target: &Target) -> f64 {
        let class = |c: Class| self.class.get(&c).copied().unwrap_or(0.0);
        match target {
            Target::Occupations => class(Class::Occupation),
            Target::Skills => class(Class::Skill),
            Target::IscoGroups => class(Class::IscoGroup),
            Target::SkillGroups => class(Class::SkillGroup),
            Target::Any => 1.0,
            Target::Scheme(_) => 0.0,
            Target::Union(parts) => parts
                .iter()
                .map(|t| self.target_share(t))
                .sum::<f64>()
                .min(1.0),
        }
    }

    /// The expected share of label forms an input's filter accepts (classes and languages
    /// taken as independent; 0 for a scheme, whose share is not known).
    pub(super) fn accepted(&self, input: &Input) -> f64 {
        let target = self.target_share(&input.target);
        let language = input
            .label_language
            .as_ref()
            .map_or(1.0, |l| self.language.get(l).copied().unwrap_or(0.0));
        target * language
    }
}
