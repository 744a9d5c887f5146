//! An item of a mapping project and what curators do to it: the item as stored (its state,
//! candidates and decisions), the answers and actions a curator can give, and what an action
//! did. Read from the store here; decided by [`super::transition`], written by the write-back.

use oxigraph::model::{NamedNodeRef, NamedOrBlankNode, Term};
use oxigraph::store::Store;
use serde::Serialize;

use super::project::Project;
use super::users::{Role, User};
use super::{object, CurationError, State};
use crate::load::crosswalk::MatchKind;
use crate::vocab::{cur, mint, prov, rdf, rdfs, sssom};

/// A curator's answer for a source concept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// This ESCO concept, with this relation (from the source concept to it).
    Map {
        /// The ESCO concept's IRI.
        concept: String,
        /// The relation.
        relation: MatchKind,
    },
    /// No ESCO concept fits.
    NoMatch,
}

/// Reads a relation: `exact`, `close`, `broad`, `narrow` (or the SKOS property names).
pub fn parse_relation(name: &str) -> Result<MatchKind, CurationError> {
    match name
        .trim()
        .trim_start_matches("skos:")
        .to_ascii_lowercase()
        .as_str()
    {
        "exact" | "exactmatch" => Ok(MatchKind::Exact),
        "close" | "closematch" => Ok(MatchKind::Close),
        "broad" | "broadmatch" => Ok(MatchKind::Broad),
        "narrow" | "narrowmatch" => Ok(MatchKind::Narrow),
        other => Err(CurationError::Input(format!(
            "unknown relation {other:?}: exact, close, broad or narrow"
        ))),
    }
}

/// What a curator does to an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// First decision (validator).
    Validate(Choice),
    /// Second opinion (reviewer, not the validator); a reviewer who disagrees may say what
    /// they would choose.
    Review {
        /// Agrees with the validation.
        agree: bool,
        /// What the reviewer would choose instead.
        alternative: Option<Choice>,
    },
    /// Settles a dispute (a validator who neither validated nor reviewed it).
    Decide(Choice),
    /// Takes back a settled item (admin): the mapping triple goes, its record stays.
    Withdraw,
}

impl Action {
    /// The answer the action gives, if it gives one (a disagreeing review's alternative too).
    pub fn choice(&self) -> Option<&Choice> {
        match self {
            Self::Validate(c) | Self::Decide(c) => Some(c),
            Self::Review { alternative, .. } => alternative.as_ref(),
            Self::Withdraw => None,
        }
    }

    /// The step's name as recorded.
    pub(crate) fn step(&self) -> &'static str {
        match self {
            Self::Validate(_) => "validation",
            Self::Review { .. } => "review",
            Self::Decide(_) => "thirdDecision",
            Self::Withdraw => "withdrawal",
        }
    }
}

/// A candidate as stored.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateView {
    /// Its IRI.
    pub iri: String,
    /// Its rank (1 = best).
    pub rank: u32,
    /// The ESCO concept.
    pub concept: String,
    /// Its score in [0, 1].
    pub score: f64,
    /// The surface form that matched.
    pub matched: String,
    /// `hybrid` or `lexical`.
    pub method: String,
    /// The embedding model, if any.
    pub model: String,
    /// When it was suggested.
    pub time: String,
}

/// A decision as stored.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionView {
    /// Its number within the item.
    pub seq: u32,
    /// `validation`, `review`, `thirdDecision` or `withdrawal`.
    pub step: String,
    /// `match`, `noMatch`, `agree` or `disagree` (empty for a withdrawal).
    pub verdict: String,
    /// The concept chosen, if any.
    pub concept: Option<String>,
    /// The relation chosen (`exactMatch` …), if any.
    pub relation: Option<String>,
    /// Who.
    pub user: String,
    /// When.
    pub time: String,
    /// Their comment.
    pub comment: String,
}

/// An item: a source concept of a project, its candidates and its history.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    /// Its key (URL segment).
    pub key: String,
    /// Its IRI.
    pub iri: String,
    /// The source concept.
    pub source: String,
    /// Its state.
    pub state: State,
    /// Candidates, best first.
    pub candidates: Vec<CandidateView>,
    /// Every decision, oldest first.
    pub decisions: Vec<DecisionView>,
    /// The mapping record of the current final mapping, if any.
    pub record: Option<String>,
}

impl ItemView {
    /// The decision of the current round with this step.
    pub(crate) fn current(&self, step: &str) -> Option<&DecisionView> {
        let start = self
            .decisions
            .iter()
            .rposition(|d| d.step == "withdrawal")
            .map_or(0, |i| i + 1);
        self.decisions[start..]
            .iter()
            .rev()
            .find(|d| d.step == step)
    }

    /// Who validated it in the current round.
    pub fn validator(&self) -> Option<&str> {
        self.current("validation").map(|d| d.user.as_str())
    }

    /// Who reviewed it in the current round.
    pub fn reviewer(&self) -> Option<&str> {
        self.current("review").map(|d| d.user.as_str())
    }

    /// Whether `user` may act on it now, and how (for queues).
    pub fn waits_for(&self, user: &User) -> bool {
        let name = user.name.as_str();
        match self.state {
            State::Suggested | State::Unmapped => user.can(Role::Validator),
            State::Validated => user.can(Role::Reviewer) && self.validator() != Some(name),
            State::Disputed => {
                user.can(Role::Validator)
                    && self.validator() != Some(name)
                    && self.reviewer() != Some(name)
            }
            State::Reviewed | State::Final => false,
        }
    }
}

fn lit(term: Option<Term>) -> String {
    match term {
        Some(Term::Literal(l)) => l.value().to_owned(),
        Some(Term::NamedNode(n)) => n.into_string(),
        _ => String::new(),
    }
}

fn curator_name(iri: &str) -> String {
    iri.strip_prefix(&mint::curator(""))
        .unwrap_or(iri)
        .to_owned()
}

/// Reads an item.
pub fn item(store: &Store, project: &Project, key: &str) -> Result<ItemView, CurationError> {
    let g = project.graph();
    let i = project.item_iri(key);
    let (gr, ir) = (g.as_ref(), i.as_ref());
    let Some(state) = object(store, ir, cur::STATE, gr)? else {
        return Err(CurationError::UnknownItem(format!(
            "no item {key:?} in project {:?} (items appear when suggestions are run)",
            project.id
        )));
    };
    let state = State::parse(&lit(Some(state)))?;
    let mut candidates = Vec::new();
    let mut decisions = Vec::new();
    for q in store.quads_for_pattern(None, Some(cur::ITEM_OF), Some(ir.into()), Some(gr.into())) {
        let NamedOrBlankNode::NamedNode(s) = q?.subject else {
            continue;
        };
        let s = s.as_ref();
        let get = |p: NamedNodeRef<'_>| -> Result<String, CurationError> {
            Ok(lit(object(store, s, p, gr)?))
        };
        let is = |class: NamedNodeRef<'_>| {
            store.contains(oxigraph::model::QuadRef::new(s, rdf::TYPE, class, gr))
        };
        if is(cur::CANDIDATE)? {
            candidates.push(CandidateView {
                iri: s.as_str().to_owned(),
                rank: get(cur::RANK)?.parse().unwrap_or(0),
                concept: get(cur::CONCEPT)?,
                score: get(sssom::SIMILARITY_SCORE)?.parse().unwrap_or(0.0),
                matched: get(cur::MATCHED_LABEL)?,
                method: get(cur::METHOD)?,
                model: get(cur::MODEL)?,
                time: get(prov::GENERATED_AT_TIME)?,
            });
        } else if is(cur::DECISION)? {
            let concept = get(cur::CONCEPT)?;
            let relation = get(cur::RELATION)?;
            decisions.push(DecisionView {
                seq: get(cur::SEQ)?.parse().unwrap_or(0),
                step: get(cur::STEP)?,
                verdict: get(cur::VERDICT)?,
                concept: (!concept.is_empty()).then_some(concept),
                relation: (!relation.is_empty())
                    .then(|| relation.rsplit('#').next().unwrap_or_default().to_owned()),
                user: curator_name(&get(prov::WAS_ASSOCIATED_WITH)?),
                time: get(prov::ENDED_AT_TIME)?,
                comment: get(rdfs::COMMENT)?,
            });
        }
    }
    candidates.sort_by_key(|c| c.rank);
    decisions.sort_by_key(|d| d.seq);
    let record = lit(object(store, ir, cur::RECORD, gr)?);
    Ok(ItemView {
        key: key.to_owned(),
        iri: i.as_str().to_owned(),
        source: lit(object(store, ir, cur::SOURCE, gr)?),
        state,
        candidates,
        decisions,
        record: (!record.is_empty()).then_some(record),
    })
}

/// What an action did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The item afterwards.
    pub item: ItemView,
    /// The mapping written (subject, relation, object), if the action made one final.
    pub mapping: Option<(String, String, String)>,
    /// The crosswalk revision afterwards, if the action changed the crosswalk.
    pub revision: Option<u64>,
}
