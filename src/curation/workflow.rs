//! The review workflow: one curator validates (a candidate and a relation, or no match), a
//! second reviews (agrees or not), a third settles a disagreement. A settled match is written
//! into the crosswalk with its mapping record in the same transaction; withdrawing it removes the
//! mapping triple and keeps the record, marked withdrawn.

use std::time::SystemTime;

use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term};
use oxigraph::store::Store;
use serde::Serialize;

use super::project::Project;
use super::users::{Role, User};
use super::{object, text, CurationError, State};
use crate::crosswalk::MatchKind;
use crate::vocab::{
    cur, dcterms, mint, owl, owl_axiom, prov, rdf, rdfs, semapv, skos, sssom, void, xsd,
};

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
    fn step(&self) -> &'static str {
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
    fn current(&self, step: &str) -> Option<&DecisionView> {
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
        return Err(CurationError::NotFound(format!(
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

fn forbid(message: impl Into<String>) -> CurationError {
    CurationError::Forbidden(message.into())
}

fn wrong_state(item: &ItemView, what: &str) -> CurationError {
    CurationError::Conflict(format!(
        "item {:?} is {}: {what}",
        item.key,
        item.state.as_str()
    ))
}

/// A chosen concept must be one of the project's target: an ESCO concept of the target class,
/// or a concept of the target scheme.
fn check_concept(store: &Store, project: &Project, choice: &Choice) -> Result<(), CurationError> {
    let Choice::Map { concept, .. } = choice else {
        return Ok(());
    };
    let node = NamedNode::new(concept)
        .map_err(|e| CurationError::Input(format!("concept {concept:?}: {e}")))?;
    let has = |p: NamedNodeRef<'_>, o: NamedNodeRef<'_>| -> Result<bool, CurationError> {
        Ok(store
            .quads_for_pattern(Some(node.as_ref().into()), Some(p), Some(o.into()), None)
            .next()
            .transpose()?
            .is_some())
    };
    let class = match project.target.as_str() {
        "occupation" | "occupations" => Some(crate::vocab::esco::OCCUPATION),
        "skill" | "skills" => Some(crate::vocab::esco::SKILL),
        "isco" | "isco-group" | "isco-groups" => Some(crate::vocab::esco::ISCO_GROUP),
        "skill-group" | "skill-groups" => Some(crate::vocab::esco::SKILL_GROUP),
        _ => None,
    };
    let ok = if let Some(class) = class {
        has(rdf::TYPE, class)?
    } else if project.target.starts_with("http") {
        has(
            skos::IN_SCHEME,
            NamedNodeRef::new_unchecked(&project.target),
        )?
    } else {
        crate::crosswalk::is_esco_uri(concept)
            && store
                .quads_for_pattern(
                    Some(node.as_ref().into()),
                    Some(skos::PREF_LABEL),
                    None,
                    None,
                )
                .next()
                .is_some()
    };
    if ok {
        Ok(())
    } else {
        Err(CurationError::Input(format!(
            "<{concept}> is not one of the project's target concepts ({})",
            project.target
        )))
    }
}

/// Runs an action on item `key` as `user`. Checks role, state and the four-eyes rule, then writes
/// the decision (and, when it settles a match, the mapping and its record) in one transaction,
/// committed before this returns. Nothing is written when a check fails.
pub fn act(
    store: &Store,
    project: &Project,
    key: &str,
    user: &User,
    action: &Action,
    comment: &str,
) -> Result<Outcome, CurationError> {
    let item = item(store, project, key)?;
    let me = user.name.as_str();
    // What settles, if anything: (the choice, its author, the other curators involved).
    let mut settles: Option<(Choice, String, Vec<String>)> = None;
    let new_state = match action {
        Action::Validate(choice) => {
            if !user.can(Role::Validator) {
                return Err(forbid(format!("{me} is not a validator")));
            }
            if item.state != State::Suggested && item.state != State::Unmapped {
                return Err(wrong_state(&item, "only suggested items can be validated"));
            }
            check_concept(store, project, choice)?;
            State::Validated
        }
        Action::Review { agree, alternative } => {
            if !user.can(Role::Reviewer) {
                return Err(forbid(format!("{me} is not a reviewer")));
            }
            if item.state != State::Validated {
                return Err(wrong_state(&item, "only validated items can be reviewed"));
            }
            let validation = item.current("validation").ok_or_else(|| {
                CurationError::Internal("validated item without validation".into())
            })?;
            if validation.user == me {
                return Err(forbid(format!(
                    "{me} validated item {key:?} and cannot review it too"
                )));
            }
            if let Some(alt) = alternative {
                if *agree {
                    return Err(CurationError::Input(
                        "an agreeing review takes the validation as it is: give an alternative only when disagreeing".into(),
                    ));
                }
                check_concept(store, project, alt)?;
            }
            if *agree {
                let choice = choice_of(validation)?;
                settles = Some((choice, validation.user.clone(), vec![me.to_owned()]));
                State::Final
            } else {
                State::Disputed
            }
        }
        Action::Decide(choice) => {
            if !user.can(Role::Validator) {
                return Err(forbid(format!("{me} is not a validator")));
            }
            if item.state != State::Disputed {
                return Err(wrong_state(
                    &item,
                    "only disputed items take a third decision",
                ));
            }
            let (v, r) = (
                item.validator().unwrap_or(""),
                item.reviewer().unwrap_or(""),
            );
            if v == me || r == me {
                return Err(forbid(format!(
                    "{me} took part in item {key:?} already; a third curator decides"
                )));
            }
            check_concept(store, project, choice)?;
            settles = Some((
                choice.clone(),
                me.to_owned(),
                vec![v.to_owned(), r.to_owned()],
            ));
            State::Final
        }
        Action::Withdraw => {
            if !user.can(Role::Admin) {
                return Err(forbid(format!("{me} is not an admin")));
            }
            if item.state != State::Final && item.state != State::Reviewed {
                return Err(wrong_state(&item, "only settled items can be withdrawn"));
            }
            if item.candidates.is_empty() {
                State::Unmapped
            } else {
                State::Suggested
            }
        }
    };
    let new_state = match (&settles, new_state) {
        (Some((Choice::NoMatch, _, _)), State::Final) => State::Reviewed,
        (_, s) => s,
    };

    let now = SystemTime::now();
    let time = crate::util::utc_datetime(now);
    let g = project.graph();
    let pg = GraphName::NamedNode(g.clone());
    let i = project.item_iri(key);
    let seq = item.decisions.iter().map(|d| d.seq).max().unwrap_or(0) + 1;
    let d = NamedNode::new_unchecked(format!("{}/decision/{seq}", i.as_str()));
    let mut add: Vec<Quad> = Vec::new();
    let mut remove: Vec<Quad> = Vec::new();
    let q = |s: &NamedNode, p: NamedNodeRef<'_>, o: Term, g: &GraphName| {
        Quad::new(s.clone(), p, o, g.clone())
    };
    let dt = |t: &str| -> Term { Literal::new_typed_literal(t, xsd::DATE_TIME).into() };
    let s = |t: &str| -> Term { Literal::new_simple_literal(t).into() };
    let curator = |name: &str| -> Term { NamedNode::new_unchecked(mint::curator(name)).into() };

    add.push(q(&d, rdf::TYPE, cur::DECISION.into(), &pg));
    add.push(q(&d, rdf::TYPE, prov::ACTIVITY.into(), &pg));
    add.push(q(&d, cur::ITEM_OF, i.clone().into(), &pg));
    add.push(q(&d, cur::SEQ, Literal::from(i64::from(seq)).into(), &pg));
    add.push(q(&d, cur::STEP, s(action.step()), &pg));
    add.push(q(&d, prov::WAS_ASSOCIATED_WITH, curator(me), &pg));
    add.push(q(&d, prov::ENDED_AT_TIME, dt(&time), &pg));
    if !comment.trim().is_empty() {
        add.push(q(
            &d,
            rdfs::COMMENT,
            Literal::new_simple_literal(comment.trim()).into(),
            &pg,
        ));
    }
    let put_choice = |add: &mut Vec<Quad>, choice: &Choice, verdict_only: bool| match choice {
        Choice::Map { concept, relation } => {
            if !verdict_only {
                add.push(q(&d, cur::VERDICT, s("match"), &pg));
            }
            add.push(q(
                &d,
                cur::CONCEPT,
                NamedNode::new_unchecked(concept).into(),
                &pg,
            ));
            add.push(q(
                &d,
                cur::RELATION,
                crate::crosswalk::property(*relation).into(),
                &pg,
            ));
        }
        Choice::NoMatch => {
            if !verdict_only {
                add.push(q(&d, cur::VERDICT, s("noMatch"), &pg));
            }
        }
    };
    match action {
        Action::Validate(choice) | Action::Decide(choice) => put_choice(&mut add, choice, false),
        Action::Review { agree, alternative } => {
            add.push(q(
                &d,
                cur::VERDICT,
                s(if *agree { "agree" } else { "disagree" }),
                &pg,
            ));
            if let Some(alt) = alternative {
                put_choice(&mut add, alt, true);
            }
        }
        Action::Withdraw => {}
    }
    // The item.
    if let Some(old) = object(store, i.as_ref(), cur::STATE, g.as_ref())? {
        remove.push(q(&i, cur::STATE, old, &pg));
    }
    add.push(q(&i, cur::STATE, s(new_state.as_str()), &pg));

    let cg_node = project.crosswalk_graph();
    let cg = GraphName::NamedNode(cg_node.clone());
    let source = NamedNode::new_unchecked(&item.source);
    let mut mapping = None;
    let mut revision = None;
    let mut bump_revision =
        |add: &mut Vec<Quad>, remove: &mut Vec<Quad>, delta: i64| -> Result<u64, CurationError> {
            let cr = cg_node.as_ref();
            let rev: u64 = text(store, cr, cur::REVISION, cr)?.parse().unwrap_or(0) + 1;
            let triples: i64 = text(store, cr, void::TRIPLES, cr)?.parse().unwrap_or(0) + delta;
            for p in [
                cur::REVISION,
                owl::VERSION_INFO,
                void::TRIPLES,
                dcterms::MODIFIED,
            ] {
                for o in super::objects(store, cr, p, cr)? {
                    remove.push(q(&cg_node, p, o, &cg));
                }
            }
            let rev_i = i64::try_from(rev).unwrap_or(i64::MAX);
            add.push(q(&cg_node, cur::REVISION, Literal::from(rev_i).into(), &cg));
            add.push(q(&cg_node, owl::VERSION_INFO, s(&rev.to_string()), &cg));
            add.push(q(
                &cg_node,
                void::TRIPLES,
                Literal::from(triples.max(0)).into(),
                &cg,
            ));
            add.push(q(&cg_node, dcterms::MODIFIED, dt(&time), &cg));
            revision = Some(rev);
            Ok(rev)
        };
    if let Some((Choice::Map { concept, relation }, author, others)) = &settles {
        let rev = bump_revision(&mut add, &mut remove, 1)?;
        let target = NamedNode::new_unchecked(concept);
        let property = crate::crosswalk::property(*relation);
        add.push(Quad::new(
            source.clone(),
            property,
            target.clone(),
            cg.clone(),
        ));
        let r = NamedNode::new_unchecked(format!("{}/mapping/{key}/{seq}", project.crosswalk));
        add.push(q(&r, rdf::TYPE, sssom::MAPPING.into(), &cg));
        add.push(q(&r, rdf::TYPE, owl_axiom::AXIOM.into(), &cg));
        add.push(q(
            &r,
            owl_axiom::ANNOTATED_SOURCE,
            source.clone().into(),
            &cg,
        ));
        add.push(q(&r, owl_axiom::ANNOTATED_PROPERTY, property.into(), &cg));
        add.push(q(&r, owl_axiom::ANNOTATED_TARGET, target.into(), &cg));
        add.push(q(
            &r,
            sssom::MAPPING_JUSTIFICATION,
            semapv::MANUAL_MAPPING_CURATION.into(),
            &cg,
        ));
        add.push(q(&r, sssom::AUTHOR_ID, curator(author), &cg));
        for other in others.iter().filter(|o| !o.is_empty()) {
            add.push(q(&r, sssom::REVIEWER_ID, curator(other), &cg));
        }
        add.push(q(
            &r,
            sssom::MAPPING_DATE,
            Literal::new_typed_literal(&time[..10], xsd::DATE).into(),
            &cg,
        ));
        add.push(q(
            &r,
            sssom::MAPPING_TOOL,
            s(concat!("esco-ld ", env!("CARGO_PKG_VERSION"))),
            &cg,
        ));
        if let Some(c) = item.candidates.iter().find(|c| c.concept == *concept) {
            let cand = NamedNode::new_unchecked(&c.iri);
            add.push(q(&r, prov::WAS_DERIVED_FROM, cand.into(), &cg));
            add.push(q(
                &r,
                sssom::SIMILARITY_SCORE,
                Literal::from(c.score).into(),
                &cg,
            ));
            add.push(q(
                &r,
                sssom::SIMILARITY_MEASURE,
                s(&format!("esco-ld {} score", c.method)),
                &cg,
            ));
            if !c.model.is_empty() {
                add.push(q(&r, cur::MODEL, s(&c.model), &cg));
            }
        }
        // The record's comment: the kept answer's own (the validation's, when a review agrees)
        // and this decision's.
        let kept = match action {
            Action::Review { agree: true, .. } => item
                .current("validation")
                .map_or("", |v| v.comment.as_str()),
            Action::Validate(_) | Action::Review { .. } | Action::Decide(_) | Action::Withdraw => {
                ""
            }
        };
        let note: Vec<&str> = [kept.trim(), comment.trim()]
            .into_iter()
            .filter(|c| !c.is_empty())
            .collect();
        if !note.is_empty() {
            add.push(q(&r, sssom::COMMENT, s(&note.join(" — ")), &cg));
        }
        add.push(q(&r, prov::WAS_GENERATED_BY, d.clone().into(), &cg));
        add.push(q(&r, prov::GENERATED_AT_TIME, dt(&time), &cg));
        add.push(q(
            &r,
            cur::ADDED_IN,
            Literal::from(i64::try_from(rev).unwrap_or(i64::MAX)).into(),
            &cg,
        ));
        add.push(q(&r, cur::PROJECT_OF, g.clone().into(), &cg));
        add.push(q(&i, cur::RECORD, r.clone().into(), &pg));
        mapping = Some((
            item.source.clone(),
            relation.local_name().to_owned(),
            concept.clone(),
        ));
    }
    if *action == Action::Withdraw {
        if item.state == State::Final && item.record.is_none() {
            return Err(CurationError::Internal(format!(
                "final item {key:?} has no mapping record"
            )));
        }
        if let Some(record) = &item.record {
            let r = NamedNode::new_unchecked(record);
            let rr = r.as_ref();
            let cr = cg_node.as_ref();
            let (Some(Term::NamedNode(p)), Some(target)) = (
                object(store, rr, owl_axiom::ANNOTATED_PROPERTY, cr)?,
                object(store, rr, owl_axiom::ANNOTATED_TARGET, cr)?,
            ) else {
                return Err(CurationError::Internal(format!(
                    "mapping record <{record}> is incomplete"
                )));
            };
            let rev = bump_revision(&mut add, &mut remove, -1)?;
            remove.push(Quad::new(source.clone(), p, target, cg.clone()));
            add.push(q(&r, prov::INVALIDATED_AT_TIME, dt(&time), &cg));
            add.push(q(&r, prov::WAS_INVALIDATED_BY, d.clone().into(), &cg));
            add.push(q(
                &r,
                cur::REMOVED_IN,
                Literal::from(i64::try_from(rev).unwrap_or(i64::MAX)).into(),
                &cg,
            ));
            remove.push(q(&i, cur::RECORD, r.into(), &pg));
        }
    }
    let mut tx = store.start_transaction()?;
    for quad in &remove {
        tx.remove(quad);
    }
    for quad in &add {
        tx.insert(quad);
    }
    tx.commit()?;
    Ok(Outcome {
        item: self::item(store, project, key)?,
        mapping,
        revision,
    })
}

fn choice_of(d: &DecisionView) -> Result<Choice, CurationError> {
    match (d.verdict.as_str(), &d.concept, &d.relation) {
        ("noMatch", _, _) => Ok(Choice::NoMatch),
        ("match", Some(concept), Some(relation)) => Ok(Choice::Map {
            concept: concept.clone(),
            relation: parse_relation(relation)?,
        }),
        _ => Err(CurationError::Internal(format!(
            "decision {} has no choice",
            d.seq
        ))),
    }
}
