//! The write-back of a curation decision: the decision itself, the item's new state and, when
//! the decision settles a match, the mapping triple in the crosswalk with its mapping record
//! (SSSOM in RDF with PROV-O links), or, for a withdrawal, the triple removed and its record
//! marked invalidated. One store transaction, committed before [`apply`] returns.

use std::time::SystemTime;

use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, Quad, Term};
use oxigraph::store::Store;

use super::item::{item, Action, Choice, ItemView, Outcome};
use super::project::Project;
use super::transition::{Settlement, Transition};
use super::users::User;
use super::{object, text, CurationError};
use crate::vocab::{cur, dcterms, mint, owl, owl_axiom, prov, rdf, rdfs, semapv, sssom, void, xsd};

/// The triples one decision adds and removes.
struct Write<'a> {
    store: &'a Store,
    project: &'a Project,
    item: &'a ItemView,
    /// The decision's IRI.
    decision: NamedNode,
    /// Its number within the item.
    seq: u32,
    /// When it was made (`xsd:dateTime`).
    time: String,
    project_graph: GraphName,
    crosswalk: NamedNode,
    add: Vec<Quad>,
    remove: Vec<Quad>,
}

fn plain(text: &str) -> Term {
    Literal::new_simple_literal(text).into()
}

fn date_time(text: &str) -> Term {
    Literal::new_typed_literal(text, xsd::DATE_TIME).into()
}

fn curator(name: &str) -> Term {
    NamedNode::new_unchecked(mint::curator(name)).into()
}

fn int(n: u64) -> Term {
    Literal::from(i64::try_from(n).unwrap_or(i64::MAX)).into()
}

/// Writes what `transition` says `action` does to `item`, with `user` as its curator.
pub fn apply(
    store: &Store,
    project: &Project,
    item_view: &ItemView,
    user: &User,
    action: &Action,
    transition: &Transition,
    comment: &str,
) -> Result<Outcome, CurationError> {
    let seq = item_view.decisions.iter().map(|d| d.seq).max().unwrap_or(0) + 1;
    let item_iri = project.item_iri(&item_view.key);
    let mut w = Write {
        store,
        project,
        item: item_view,
        decision: NamedNode::new_unchecked(format!("{}/decision/{seq}", item_iri.as_str())),
        seq,
        time: crate::util::utc_datetime(SystemTime::now()),
        project_graph: GraphName::NamedNode(project.graph()),
        crosswalk: project.crosswalk_graph(),
        add: Vec::new(),
        remove: Vec::new(),
    };
    w.decision_quads(user, action, comment);
    w.state_quads(transition)?;
    let mut mapping = None;
    let mut revision = None;
    if let Some(settles) = &transition.settles {
        if let Choice::Map { concept, relation } = &settles.choice {
            let rev = w.bump_revision(1)?;
            w.record(settles, concept, *relation, rev, action, comment);
            revision = Some(rev);
            mapping = Some((
                item_view.source.clone(),
                relation.local_name().to_owned(),
                concept.clone(),
            ));
        }
    }
    if *action == Action::Withdraw {
        revision = w.withdraw()?.or(revision);
    }
    let mut tx = store.start_transaction()?;
    for quad in &w.remove {
        tx.remove(quad);
    }
    for quad in &w.add {
        tx.insert(quad);
    }
    tx.commit()?;
    Ok(Outcome {
        item: item(store, project, &item_view.key)?,
        mapping,
        revision,
    })
}

impl Write<'_> {
    fn in_project(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, o: Term) {
        self.add
            .push(Quad::new(s.clone(), p, o, self.project_graph.clone()));
    }

    fn in_crosswalk(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, o: Term) {
        let g = GraphName::NamedNode(self.crosswalk.clone());
        self.add.push(Quad::new(s.clone(), p, o, g));
    }

    /// The decision: who, when, which step, the verdict and the choice.
    fn decision_quads(&mut self, user: &User, action: &Action, comment: &str) {
        let d = self.decision.clone();
        let item_iri = self.project.item_iri(&self.item.key);
        self.in_project(&d, rdf::TYPE, cur::DECISION.into());
        self.in_project(&d, rdf::TYPE, prov::ACTIVITY.into());
        self.in_project(&d, cur::ITEM_OF, item_iri.into());
        self.in_project(&d, cur::SEQ, Literal::from(i64::from(self.seq)).into());
        self.in_project(&d, cur::STEP, plain(action.step()));
        self.in_project(&d, prov::WAS_ASSOCIATED_WITH, curator(&user.name));
        let time = date_time(&self.time);
        self.in_project(&d, prov::ENDED_AT_TIME, time);
        if !comment.trim().is_empty() {
            self.in_project(&d, rdfs::COMMENT, plain(comment.trim()));
        }
        match action {
            Action::Validate(choice) | Action::Decide(choice) => self.choice(choice, true),
            Action::Review { agree, alternative } => {
                let verdict = if *agree { "agree" } else { "disagree" };
                self.in_project(&d, cur::VERDICT, plain(verdict));
                if let Some(alt) = alternative {
                    self.choice(alt, false);
                }
            }
            Action::Withdraw => {}
        }
    }

    /// A choice on the decision, with its verdict (`match`, `noMatch`) when `verdict`.
    fn choice(&mut self, choice: &Choice, verdict: bool) {
        let d = self.decision.clone();
        match choice {
            Choice::Map { concept, relation } => {
                if verdict {
                    self.in_project(&d, cur::VERDICT, plain("match"));
                }
                self.in_project(&d, cur::CONCEPT, NamedNode::new_unchecked(concept).into());
                let property = crate::load::crosswalk::property(*relation);
                self.in_project(&d, cur::RELATION, property.into());
            }
            Choice::NoMatch => {
                if verdict {
                    self.in_project(&d, cur::VERDICT, plain("noMatch"));
                }
            }
        }
    }

    /// The item's state, replaced.
    fn state_quads(&mut self, transition: &Transition) -> Result<(), CurationError> {
        let i = self.project.item_iri(&self.item.key);
        let g = self.project.graph();
        if let Some(old) = object(self.store, i.as_ref(), cur::STATE, g.as_ref())? {
            self.remove.push(Quad::new(
                i.clone(),
                cur::STATE,
                old,
                self.project_graph.clone(),
            ));
        }
        self.in_project(&i, cur::STATE, plain(transition.state.as_str()));
        Ok(())
    }

    /// Raises the crosswalk's revision (and its triple count by `delta`); returns the new
    /// revision.
    fn bump_revision(&mut self, delta: i64) -> Result<u64, CurationError> {
        let cw = self.crosswalk.clone();
        let cr = cw.as_ref();
        let g = GraphName::NamedNode(cw.clone());
        let rev: u64 = text(self.store, cr, cur::REVISION, cr)?
            .parse()
            .unwrap_or(0)
            + 1;
        let triples: i64 = text(self.store, cr, void::TRIPLES, cr)?
            .parse()
            .unwrap_or(0)
            + delta;
        for p in [
            cur::REVISION,
            owl::VERSION_INFO,
            void::TRIPLES,
            dcterms::MODIFIED,
        ] {
            for o in super::objects(self.store, cr, p, cr)? {
                self.remove.push(Quad::new(cw.clone(), p, o, g.clone()));
            }
        }
        self.in_crosswalk(&cw, cur::REVISION, int(rev));
        self.in_crosswalk(&cw, owl::VERSION_INFO, plain(&rev.to_string()));
        self.in_crosswalk(&cw, void::TRIPLES, Literal::from(triples.max(0)).into());
        let time = date_time(&self.time);
        self.in_crosswalk(&cw, dcterms::MODIFIED, time);
        Ok(rev)
    }

    /// The mapping triple and its record, for a settled match.
    fn record(
        &mut self,
        settles: &Settlement,
        concept: &str,
        relation: crate::load::crosswalk::MatchKind,
        rev: u64,
        action: &Action,
        comment: &str,
    ) {
        let source = NamedNode::new_unchecked(&self.item.source);
        let target = NamedNode::new_unchecked(concept);
        let property = crate::load::crosswalk::property(relation);
        let cg = GraphName::NamedNode(self.crosswalk.clone());
        self.add
            .push(Quad::new(source.clone(), property, target.clone(), cg));
        let r = NamedNode::new_unchecked(format!(
            "{}/mapping/{}/{}",
            self.project.crosswalk, self.item.key, self.seq
        ));
        self.in_crosswalk(&r, rdf::TYPE, sssom::MAPPING.into());
        self.in_crosswalk(&r, rdf::TYPE, owl_axiom::AXIOM.into());
        self.in_crosswalk(&r, owl_axiom::ANNOTATED_SOURCE, source.into());
        self.in_crosswalk(&r, owl_axiom::ANNOTATED_PROPERTY, property.into());
        self.in_crosswalk(&r, owl_axiom::ANNOTATED_TARGET, target.into());
        self.in_crosswalk(
            &r,
            sssom::MAPPING_JUSTIFICATION,
            semapv::MANUAL_MAPPING_CURATION.into(),
        );
        self.in_crosswalk(&r, sssom::AUTHOR_ID, curator(&settles.author));
        for other in settles.reviewers.iter().filter(|o| !o.is_empty()) {
            self.in_crosswalk(&r, sssom::REVIEWER_ID, curator(other));
        }
        let date = Literal::new_typed_literal(&self.time[..10], xsd::DATE).into();
        self.in_crosswalk(&r, sssom::MAPPING_DATE, date);
        self.in_crosswalk(
            &r,
            sssom::MAPPING_TOOL,
            plain(concat!("esco-ld ", env!("CARGO_PKG_VERSION"))),
        );
        if let Some(c) = self.item.candidates.iter().find(|c| c.concept == concept) {
            let (iri, score) = (NamedNode::new_unchecked(&c.iri), c.score);
            let (measure, model) = (format!("esco-ld {} score", c.method), c.model.clone());
            self.in_crosswalk(&r, prov::WAS_DERIVED_FROM, iri.into());
            self.in_crosswalk(&r, sssom::SIMILARITY_SCORE, Literal::from(score).into());
            self.in_crosswalk(&r, sssom::SIMILARITY_MEASURE, plain(&measure));
            if !model.is_empty() {
                self.in_crosswalk(&r, cur::MODEL, plain(&model));
            }
        }
        // The record's comment: the kept answer's own (the validation's, when a review agrees)
        // and this decision's.
        let kept = match action {
            Action::Review { agree: true, .. } => self
                .item
                .current("validation")
                .map_or(String::new(), |v| v.comment.clone()),
            Action::Validate(_) | Action::Review { .. } | Action::Decide(_) | Action::Withdraw => {
                String::new()
            }
        };
        let note: Vec<&str> = [kept.trim(), comment.trim()]
            .into_iter()
            .filter(|c| !c.is_empty())
            .collect();
        if !note.is_empty() {
            self.in_crosswalk(&r, sssom::COMMENT, plain(&note.join(" — ")));
        }
        let (d, time) = (self.decision.clone(), date_time(&self.time));
        self.in_crosswalk(&r, prov::WAS_GENERATED_BY, d.into());
        self.in_crosswalk(&r, prov::GENERATED_AT_TIME, time);
        self.in_crosswalk(&r, cur::ADDED_IN, int(rev));
        self.in_crosswalk(&r, cur::PROJECT_OF, self.project.graph().into());
        let i = self.project.item_iri(&self.item.key);
        self.in_project(&i, cur::RECORD, r.into());
    }

    /// Takes a settled mapping back: its triple goes, its record stays, marked invalidated.
    /// Returns the new revision when there was a mapping.
    fn withdraw(&mut self) -> Result<Option<u64>, CurationError> {
        let key = &self.item.key;
        if self.item.state == super::State::Final && self.item.record.is_none() {
            return Err(CurationError::Internal(format!(
                "final item {key:?} has no mapping record"
            )));
        }
        let Some(record) = self.item.record.clone() else {
            return Ok(None);
        };
        let r = NamedNode::new_unchecked(&record);
        let cw = self.crosswalk.clone();
        let (rr, cr) = (r.as_ref(), cw.as_ref());
        let (Some(Term::NamedNode(p)), Some(target)) = (
            object(self.store, rr, owl_axiom::ANNOTATED_PROPERTY, cr)?,
            object(self.store, rr, owl_axiom::ANNOTATED_TARGET, cr)?,
        ) else {
            return Err(CurationError::Internal(format!(
                "mapping record <{record}> is incomplete"
            )));
        };
        let rev = self.bump_revision(-1)?;
        let source = NamedNode::new_unchecked(&self.item.source);
        let cg = GraphName::NamedNode(cw.clone());
        self.remove.push(Quad::new(source, p, target, cg));
        let (d, time) = (self.decision.clone(), date_time(&self.time));
        self.in_crosswalk(&r, prov::INVALIDATED_AT_TIME, time);
        self.in_crosswalk(&r, prov::WAS_INVALIDATED_BY, d.into());
        self.in_crosswalk(&r, cur::REMOVED_IN, int(rev));
        let i = self.project.item_iri(key);
        self.remove
            .push(Quad::new(i, cur::RECORD, r, self.project_graph.clone()));
        Ok(Some(rev))
    }
}
