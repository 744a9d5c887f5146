//! What curators see and send: a project's items as lines, the items waiting for a curator (the
//! four-eyes rule applied), one item with what is needed to judge it, and a decision as posted
//! (by the API or the curation screens) turned into an action and run.

use oxigraph::store::Store;
use serde::{Deserialize, Serialize};

use super::project::{self, Project};
use super::users::{Role, User};
use super::workflow::{self, parse_relation, Action, Choice, ItemView, Outcome};
use super::{Curation, CurationError, State};
use crate::describe::Labels;

/// One line of an item list.
#[derive(Debug, Clone, Serialize)]
pub struct ItemLine {
    /// The item's key.
    pub key: String,
    /// The source concept's IRI.
    pub source: String,
    /// Its code.
    pub notation: String,
    /// Its label.
    pub label: String,
    /// Where it stands.
    pub state: State,
}

/// The items of a project (every source concept; those without an item are unmapped).
pub fn item_lines(store: &Store, p: &Project) -> Result<Vec<ItemLine>, CurationError> {
    let states = project::states(store, p)?;
    Ok(project::source_concepts(store, p)?
        .into_iter()
        .map(|s| ItemLine {
            state: states.get(&s.key).copied().unwrap_or(State::Unmapped),
            key: s.key,
            source: s.iri,
            notation: s.notation,
            label: s.label,
        })
        .collect())
}

/// The items waiting for `user`, in source order, at most `limit` (each candidate item is read
/// whole to apply the four-eyes rule, so callers wanting only the next one say so).
pub fn waiting(
    store: &Store,
    p: &Project,
    user: &User,
    limit: usize,
) -> Result<Vec<ItemLine>, CurationError> {
    let mut out = Vec::new();
    for line in item_lines(store, p)? {
        if out.len() >= limit {
            break;
        }
        let candidate = match line.state {
            State::Suggested | State::Unmapped | State::Disputed => user.can(Role::Validator),
            State::Validated => user.can(Role::Reviewer),
            State::Reviewed | State::Final => false,
        };
        if !candidate {
            continue;
        }
        // A source concept not suggested yet has no item to act on.
        match workflow::item(store, p, &line.key) {
            Ok(item) if item.waits_for(user) => out.push(line),
            Ok(_) | Err(CurationError::UnknownItem(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// An item with what a curator needs to judge it.
#[derive(Debug, Clone, Serialize)]
pub struct ItemDetail {
    /// The project's ID.
    pub project: String,
    /// The item.
    #[serde(flatten)]
    pub item: ItemView,
    /// The source concept's label.
    pub label: String,
    /// Its code.
    pub notation: String,
    /// Its description.
    pub description: String,
    /// Preferred label of each candidate (in the project's language, else English).
    pub candidate_labels: Vec<String>,
}

/// Item `key` of `p`, with its source concept and its candidates' labels.
pub fn detail(
    store: &Store,
    labels: &Labels,
    p: &Project,
    key: &str,
) -> Result<ItemDetail, CurationError> {
    let item = workflow::item(store, p, key)?;
    let source = project::source_concepts(store, p)?
        .into_iter()
        .find(|s| s.iri == item.source);
    let lang = if p.language.is_empty() {
        "en"
    } else {
        p.language.as_str()
    };
    let candidate_labels = item
        .candidates
        .iter()
        .map(|c| labels.preferred(&c.concept, lang).unwrap_or("").to_owned())
        .collect();
    let (label, notation, description) =
        source.map_or_else(Default::default, |s| (s.label, s.notation, s.description));
    Ok(ItemDetail {
        project: p.id.clone(),
        item,
        label,
        notation,
        description,
        candidate_labels,
    })
}

/// A decision as posted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The ESCO concept chosen.
    #[serde(default)]
    pub concept: Option<String>,
    /// The candidate chosen, by rank (instead of `concept`).
    #[serde(default)]
    pub candidate: Option<u32>,
    /// `exact`, `close`, `broad`, `narrow`.
    #[serde(default)]
    pub relation: Option<String>,
    /// No ESCO concept fits.
    #[serde(default)]
    pub no_match: bool,
    /// For a review: agrees with the validation.
    #[serde(default)]
    pub agree: Option<bool>,
    /// Why.
    #[serde(default)]
    pub comment: Option<String>,
}

/// The steps a decision can be posted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The first decision.
    Validate,
    /// The second opinion.
    Review,
    /// The third decision on a dispute.
    Decide,
    /// Taking a settled item back.
    Withdraw,
}

impl std::str::FromStr for Step {
    type Err = CurationError;

    fn from_str(step: &str) -> Result<Self, CurationError> {
        match step {
            "validate" => Ok(Self::Validate),
            "review" => Ok(Self::Review),
            "decide" => Ok(Self::Decide),
            "withdraw" => Ok(Self::Withdraw),
            other => Err(CurationError::NotFound(format!(
                "no action {other:?}: validate, review, decide or withdraw"
            ))),
        }
    }
}

impl Step {
    /// The step an item in `state` waits for.
    pub fn next(state: State) -> Self {
        match state {
            State::Suggested | State::Unmapped => Self::Validate,
            State::Validated => Self::Review,
            State::Disputed => Self::Decide,
            State::Reviewed | State::Final => Self::Withdraw,
        }
    }

    /// Its name in URLs and forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validate => "validate",
            Self::Review => "review",
            Self::Decide => "decide",
            Self::Withdraw => "withdraw",
        }
    }
}

impl Decision {
    /// The answer the decision names; `None` when it names none.
    pub fn choice(&self, item: &ItemView) -> Result<Option<Choice>, CurationError> {
        if self.no_match {
            if self.concept.is_some() || self.candidate.is_some() {
                return Err(CurationError::Input(
                    "no_match excludes concept and candidate".into(),
                ));
            }
            return Ok(Some(Choice::NoMatch));
        }
        let concept = match (&self.concept, self.candidate) {
            (Some(c), None) => c.clone(),
            (None, Some(rank)) => item
                .candidates
                .iter()
                .find(|c| c.rank == rank)
                .map(|c| c.concept.clone())
                .ok_or_else(|| CurationError::Input(format!("no candidate ranked {rank}")))?,
            (None, None) => return Ok(None),
            (Some(_), Some(_)) => {
                return Err(CurationError::Input(
                    "give concept or candidate, not both".into(),
                ))
            }
        };
        let relation = self.relation.as_deref().ok_or_else(|| {
            CurationError::Input("a mapping needs a relation: exact, close, broad or narrow".into())
        })?;
        Ok(Some(Choice::Map {
            concept,
            relation: parse_relation(relation)?,
        }))
    }

    /// The action the decision is at `step`, on `item`.
    pub fn action(&self, step: Step, item: &ItemView) -> Result<Action, CurationError> {
        let chosen = || {
            self.choice(item)?.ok_or_else(|| {
                CurationError::Input(
                    "choose a concept (concept or candidate, with relation) or no_match".into(),
                )
            })
        };
        Ok(match step {
            Step::Validate => Action::Validate(chosen()?),
            Step::Decide => Action::Decide(chosen()?),
            Step::Review => Action::Review {
                agree: self.agree.ok_or_else(|| {
                    CurationError::Input("a review says agree: true or false".into())
                })?,
                alternative: self.choice(item)?,
            },
            Step::Withdraw => Action::Withdraw,
        })
    }
}

/// Runs `decision` at `step` on item `key` of `p` as `user`, serialised with every other
/// curation write; the store has committed it when this returns.
pub fn decide(
    store: &Store,
    curation: &Curation,
    p: &Project,
    key: &str,
    user: &User,
    step: Step,
    decision: &Decision,
) -> Result<Outcome, CurationError> {
    curation.exclusive(|| {
        let item = workflow::item(store, p, key)?;
        let action = decision.action(step, &item)?;
        workflow::act(
            store,
            p,
            key,
            user,
            &action,
            decision.comment.as_deref().unwrap_or(""),
        )
    })
}
