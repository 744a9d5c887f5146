//! The review workflow: one curator validates (a candidate and a relation, or no match), a
//! second reviews (agrees or not), a third settles a disagreement. A settled match is written
//! into the crosswalk with its mapping record in the same transaction; withdrawing it removes the
//! mapping triple and keeps the record, marked withdrawn.

use oxigraph::model::NamedNode;
use oxigraph::store::Store;

pub use super::item::{
    item, parse_relation, Action, CandidateView, Choice, DecisionView, ItemView, Outcome,
};
use super::project::Project;
use super::transition::transition;
use super::users::User;
use super::CurationError;

/// A chosen concept must be one of the project's target: an ESCO concept of a target class, or
/// a concept of a target scheme (see [`crate::store::read::is_in`]).
fn check_concept(store: &Store, project: &Project, choice: &Choice) -> Result<(), CurationError> {
    let Choice::Map { concept, .. } = choice else {
        return Ok(());
    };
    let node = NamedNode::new(concept)
        .map_err(|e| CurationError::Input(format!("concept {concept:?}: {e}")))?;
    if crate::store::read::is_in(store, node.as_ref(), &project.target)? {
        Ok(())
    } else {
        Err(CurationError::Input(format!(
            "<{concept}> is not one of the project's target concepts ({})",
            project.target
        )))
    }
}

/// Runs an action on item `key` as `user`: the workflow's rules ([`transition`]), the chosen
/// concept against the project's target, then the write-back (`curation::write`): the
/// decision (and, when it settles a match, the mapping and its record) in one transaction,
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
    let transition = transition(&item, user, action)?;
    if let Some(choice) = action.choice() {
        check_concept(store, project, choice)?;
    }
    super::write::apply(store, project, &item, user, action, &transition, comment)
}
