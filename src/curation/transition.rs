//! The workflow's rules as a pure function: from an item, a curator and an action to the item's
//! next state and what it settles, or why the action is refused. Nothing here reads or writes
//! the store; the write-back (`curation::write`) turns a transition into triples.

use super::item::{parse_relation, Action, Choice, DecisionView, ItemView};
use super::users::{Role, User};
use super::{CurationError, State};

/// What an action does to an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The item's state afterwards.
    pub state: State,
    /// The answer the action makes final, if it makes one.
    pub settles: Option<Settlement>,
}

/// A final answer and who gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// The answer.
    pub choice: Choice,
    /// Whose answer it is (the validator when a review agrees; the third curator who decides).
    pub author: String,
    /// The other curators who took part (its reviewers).
    pub reviewers: Vec<String>,
}

fn forbid(message: impl Into<String>) -> CurationError {
    CurationError::Forbidden(message.into())
}

fn wrong_state(item: &ItemView, what: &str) -> CurationError {
    CurationError::WrongState(format!(
        "item {:?} is {}: {what}",
        item.key,
        item.state.as_str()
    ))
}

/// The answer a stored decision gave.
pub fn choice_of(d: &DecisionView) -> Result<Choice, CurationError> {
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

/// Checks role, state and the four-eyes rule; says where the item goes. A settled "no match"
/// ends `reviewed`, a settled match `final`.
pub fn transition(
    item: &ItemView,
    user: &User,
    action: &Action,
) -> Result<Transition, CurationError> {
    let me = user.name.as_str();
    let key = &item.key;
    let (state, settles) = match action {
        Action::Validate(_) => {
            if !user.can(Role::Validator) {
                return Err(forbid(format!("{me} is not a validator")));
            }
            if item.state != State::Suggested && item.state != State::Unmapped {
                return Err(wrong_state(item, "only suggested items can be validated"));
            }
            (State::Validated, None)
        }
        Action::Review { agree, alternative } => {
            if !user.can(Role::Reviewer) {
                return Err(forbid(format!("{me} is not a reviewer")));
            }
            if item.state != State::Validated {
                return Err(wrong_state(item, "only validated items can be reviewed"));
            }
            let validation = item.current("validation").ok_or_else(|| {
                CurationError::Internal("validated item without validation".into())
            })?;
            if validation.user == me {
                return Err(forbid(format!(
                    "{me} validated item {key:?} and cannot review it too"
                )));
            }
            if alternative.is_some() && *agree {
                return Err(CurationError::Input(
                    "an agreeing review takes the validation as it is: give an alternative only when disagreeing".into(),
                ));
            }
            if *agree {
                let settles = Settlement {
                    choice: choice_of(validation)?,
                    author: validation.user.clone(),
                    reviewers: vec![me.to_owned()],
                };
                (State::Final, Some(settles))
            } else {
                (State::Disputed, None)
            }
        }
        Action::Decide(choice) => {
            if !user.can(Role::Validator) {
                return Err(forbid(format!("{me} is not a validator")));
            }
            if item.state != State::Disputed {
                return Err(wrong_state(
                    item,
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
            let settles = Settlement {
                choice: choice.clone(),
                author: me.to_owned(),
                reviewers: vec![v.to_owned(), r.to_owned()],
            };
            (State::Final, Some(settles))
        }
        Action::Withdraw => {
            if !user.can(Role::Admin) {
                return Err(forbid(format!("{me} is not an admin")));
            }
            if item.state != State::Final && item.state != State::Reviewed {
                return Err(wrong_state(item, "only settled items can be withdrawn"));
            }
            let back = if item.candidates.is_empty() {
                State::Unmapped
            } else {
                State::Suggested
            };
            (back, None)
        }
    };
    let state = match (&settles, state) {
        (
            Some(Settlement {
                choice: Choice::NoMatch,
                ..
            }),
            State::Final,
        ) => State::Reviewed,
        (_, s) => s,
    };
    Ok(Transition { state, settles })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curation::item::CandidateView;
    use crate::load::crosswalk::MatchKind;

    fn user(name: &str, roles: &[Role]) -> User {
        User {
            name: name.into(),
            roles: roles.to_vec(),
            token_sha256: String::new(),
            created: String::new(),
        }
    }

    fn decision(seq: u32, step: &str, verdict: &str, user: &str) -> DecisionView {
        DecisionView {
            seq,
            step: step.into(),
            verdict: verdict.into(),
            concept: (verdict == "match").then(|| "http://x/c".to_owned()),
            relation: (verdict == "match").then(|| "exactMatch".to_owned()),
            user: user.into(),
            time: String::new(),
            comment: String::new(),
        }
    }

    /// An item in `state`, validated by ana and (when disputed or settled) reviewed by ben.
    fn item(state: State) -> ItemView {
        let mut decisions = Vec::new();
        if !matches!(state, State::Unmapped | State::Suggested) {
            decisions.push(decision(1, "validation", "match", "ana"));
        }
        if matches!(state, State::Disputed | State::Final | State::Reviewed) {
            let verdict = if state == State::Disputed {
                "disagree"
            } else {
                "agree"
            };
            decisions.push(decision(2, "review", verdict, "ben"));
        }
        ItemView {
            key: "N1".into(),
            iri: "http://x/item/N1".into(),
            source: "http://x/source/N1".into(),
            state,
            candidates: vec![CandidateView {
                iri: "http://x/candidate/1".into(),
                rank: 1,
                concept: "http://x/c".into(),
                score: 0.9,
                matched: String::new(),
                method: "lexical".into(),
                model: String::new(),
                time: String::new(),
            }],
            decisions,
            record: None,
        }
    }

    fn map() -> Choice {
        Choice::Map {
            concept: "http://x/c".into(),
            relation: MatchKind::Exact,
        }
    }

    /// What happens, as a word: the next state, or the kind of refusal.
    fn outcome(state: State, who: &User, action: &Action) -> String {
        match transition(&item(state), who, action) {
            Ok(t) => t.state.as_str().to_owned(),
            Err(CurationError::Forbidden(_)) => "forbidden".into(),
            Err(CurationError::WrongState(_)) => "conflict".into(),
            Err(CurationError::Input(_)) => "input".into(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn every_state_role_and_action() {
        let ana = user("ana", &[Role::Validator]);
        let ben = user("ben", &[Role::Reviewer]);
        let cai = user("cai", &[Role::Validator]);
        let adm = user("adm", &[Role::Admin]);
        let validate = Action::Validate(map());
        let agree = Action::Review {
            agree: true,
            alternative: None,
        };
        let disagree = Action::Review {
            agree: false,
            alternative: Some(map()),
        };
        let decide_no = Action::Decide(Choice::NoMatch);
        use State::*;
        #[rustfmt::skip]
        let table: &[(State, &User, &Action, &str)] = &[
            (Suggested, &ana, &validate, "validated"),
            (Unmapped, &cai, &validate, "validated"),
            (Suggested, &ben, &validate, "forbidden"),
            (Validated, &ana, &validate, "conflict"),
            (Suggested, &adm, &validate, "validated"),
            (Validated, &ben, &agree, "final"),
            (Validated, &ben, &disagree, "disputed"),
            (Validated, &ana, &agree, "forbidden"),
            (Validated, &cai, &agree, "forbidden"),
            (Suggested, &ben, &agree, "conflict"),
            (Validated, &ben, &Action::Review { agree: true, alternative: Some(map()) }, "input"),
            (Disputed, &cai, &Action::Decide(map()), "final"),
            (Disputed, &cai, &decide_no, "reviewed"),
            (Disputed, &ana, &decide_no, "forbidden"),
            (Disputed, &ben, &decide_no, "forbidden"),
            (Validated, &cai, &decide_no, "conflict"),
            (Final, &adm, &Action::Withdraw, "suggested"),
            (Reviewed, &adm, &Action::Withdraw, "suggested"),
            (Final, &ana, &Action::Withdraw, "forbidden"),
            (Validated, &adm, &Action::Withdraw, "conflict"),
            (Final, &ana, &validate, "conflict"),
        ];
        for (state, who, action, expected) in table {
            assert_eq!(
                outcome(*state, who, action),
                *expected,
                "{} {:?} on a {} item",
                who.name,
                action,
                state.as_str()
            );
        }
    }

    #[test]
    fn a_settlement_names_its_author_and_reviewers() {
        let ben = user("ben", &[Role::Reviewer]);
        let agree = Action::Review {
            agree: true,
            alternative: None,
        };
        let t = transition(&item(State::Validated), &ben, &agree).unwrap();
        let s = t.settles.unwrap();
        assert_eq!(
            (s.author.as_str(), s.reviewers),
            ("ana", vec!["ben".to_owned()])
        );
        assert_eq!(s.choice, map());
        let cai = user("cai", &[Role::Validator]);
        let t = transition(&item(State::Disputed), &cai, &Action::Decide(map())).unwrap();
        let s = t.settles.unwrap();
        assert_eq!(s.author, "cai");
        assert_eq!(s.reviewers, vec!["ana".to_owned(), "ben".to_owned()]);
    }
}
