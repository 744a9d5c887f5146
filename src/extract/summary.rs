//! The skill demand of many ads: ads per occupation and ISCO group (of each ad's best
//! occupation), ads per skill and per skill group of levels 1 and 2, the share of green, digital
//! and transversal skills, and occupation × skill co-occurrence counts. Summaries of shards add
//! up ([`Summary::merge`]).

use std::collections::{BTreeMap, HashMap};

use oxigraph::model::NamedNode;
use oxigraph::store::{StorageError, Store};
use serde::{Deserialize, Serialize};

use super::Extraction;
use crate::store::read;
use crate::vocab::{esco, rdf, skos};

/// Counts over ads.
pub type Counts = BTreeMap<String, u64>;

/// The skill demand of a set of ads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Ads summarised.
    pub ads: u64,
    /// Ads with at least one skill.
    pub ads_with_skills: u64,
    /// Skills found, over all ads (a skill counts once per ad).
    pub skill_mentions: u64,
    /// Ads per best occupation (IRI).
    pub occupations: Counts,
    /// Ads per ISCO code of the best occupation.
    pub isco_groups: Counts,
    /// Ads per skill (IRI).
    pub skills: Counts,
    /// Ads per skill group of the first level of the skills hierarchy (IRI).
    pub skill_groups_level_1: Counts,
    /// Ads per skill group of the second level (IRI).
    pub skill_groups_level_2: Counts,
    /// Skill mentions per collection (`green`, `digital`, `transversal`, …).
    pub collection_mentions: Counts,
    /// `collection_mentions` over `skill_mentions`.
    pub collection_shares: BTreeMap<String, f64>,
    /// Ads per best occupation and skill: occupation IRI → skill IRI → ads.
    pub cooccurrence: BTreeMap<String, Counts>,
}

impl Summary {
    /// Adds another summary's counts (of another shard).
    pub fn merge(&mut self, other: &Self) {
        self.ads += other.ads;
        self.ads_with_skills += other.ads_with_skills;
        self.skill_mentions += other.skill_mentions;
        for (mine, theirs) in [
            (&mut self.occupations, &other.occupations),
            (&mut self.isco_groups, &other.isco_groups),
            (&mut self.skills, &other.skills),
            (&mut self.skill_groups_level_1, &other.skill_groups_level_1),
            (&mut self.skill_groups_level_2, &other.skill_groups_level_2),
            (&mut self.collection_mentions, &other.collection_mentions),
        ] {
            add(mine, theirs);
        }
        for (occupation, skills) in &other.cooccurrence {
            add(
                self.cooccurrence.entry(occupation.clone()).or_default(),
                skills,
            );
        }
        self.shares();
    }

    fn shares(&mut self) {
        let n = self.skill_mentions.max(1) as f64;
        self.collection_shares = self
            .collection_mentions
            .iter()
            .map(|(c, m)| (c.clone(), *m as f64 / n))
            .collect();
    }
}

fn add(mine: &mut Counts, theirs: &Counts) {
    for (k, v) in theirs {
        *mine.entry(k.clone()).or_default() += v;
    }
}

/// Builds a summary, reading the skills hierarchy from the store once per skill.
pub struct Summarizer<'a> {
    store: &'a Store,
    summary: Summary,
    /// Per skill: its groups of levels 1 and 2.
    groups: HashMap<String, (Vec<String>, Vec<String>)>,
}

impl<'a> Summarizer<'a> {
    /// An empty summary over `store`.
    pub fn new(store: &'a Store) -> Self {
        Self {
            store,
            summary: Summary::default(),
            groups: HashMap::new(),
        }
    }

    /// Counts one ad.
    pub fn add(&mut self, found: &Extraction) -> Result<(), StorageError> {
        let s = &mut self.summary;
        s.ads += 1;
        if !found.skills.is_empty() {
            s.ads_with_skills += 1;
        }
        let best = found.occupations.first();
        if let Some(o) = best {
            *s.occupations.entry(o.uri.clone()).or_default() += 1;
            if let Some(isco) = &o.isco {
                *s.isco_groups.entry(isco.clone()).or_default() += 1;
            }
        }
        let mut level_1 = std::collections::BTreeSet::new();
        let mut level_2 = std::collections::BTreeSet::new();
        for skill in &found.skills {
            let s = &mut self.summary;
            s.skill_mentions += 1;
            *s.skills.entry(skill.uri.clone()).or_default() += 1;
            for c in &skill.collections {
                *s.collection_mentions.entry(c.clone()).or_default() += 1;
            }
            if let Some(o) = best {
                *s.cooccurrence
                    .entry(o.uri.clone())
                    .or_default()
                    .entry(skill.uri.clone())
                    .or_default() += 1;
            }
            if !self.groups.contains_key(&skill.uri) {
                let groups = groups_of(self.store, &skill.uri)?;
                self.groups.insert(skill.uri.clone(), groups);
            }
            if let Some((one, two)) = self.groups.get(&skill.uri) {
                level_1.extend(one.iter().cloned());
                level_2.extend(two.iter().cloned());
            }
        }
        let s = &mut self.summary;
        for g in level_1 {
            *s.skill_groups_level_1.entry(g).or_default() += 1;
        }
        for g in level_2 {
            *s.skill_groups_level_2.entry(g).or_default() += 1;
        }
        Ok(())
    }

    /// The summary.
    pub fn finish(mut self) -> Summary {
        self.summary.shares();
        self.summary
    }
}

/// The level of a skill group by its code: `S1` is 1, `S1.2` is 2; ISCED-F codes (knowledge
/// groups) `01` 1, `011` 2, `0111` 3.
pub fn level(code: &str) -> usize {
    if code.chars().all(|c| c.is_ascii_digit()) {
        code.len().saturating_sub(1)
    } else {
        code.split('.').count()
    }
}

/// The skill groups of levels 1 and 2 above `skill` (through `skos:broader`, every path).
fn groups_of(store: &Store, skill: &str) -> Result<(Vec<String>, Vec<String>), StorageError> {
    let mut seen: Vec<NamedNode> = Vec::new();
    let mut todo = vec![NamedNode::new_unchecked(skill)];
    let (mut one, mut two) = (Vec::new(), Vec::new());
    while let Some(node) = todo.pop() {
        for up in read::iri_objects(store, node.as_ref(), skos::BROADER)? {
            if seen.contains(&up) || seen.len() > 64 {
                continue;
            }
            seen.push(up.clone());
            if read::has(store, up.as_ref(), rdf::TYPE, esco::SKILL_GROUP)? {
                let code = read::text(store, up.as_ref(), skos::NOTATION, None)?;
                match level(&code) {
                    1 => one.push(up.as_str().to_owned()),
                    2 => two.push(up.as_str().to_owned()),
                    _ => {}
                }
            }
            todo.push(up);
        }
    }
    Ok((one, two))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_of_codes() {
        assert_eq!(level("S1"), 1);
        assert_eq!(level("S1.12"), 2);
        assert_eq!(level("S1.12.3"), 3);
        assert_eq!(level("01"), 1);
        assert_eq!(level("011"), 2);
        assert_eq!(level("0111"), 3);
    }

    #[test]
    fn summaries_of_shards_add_up() {
        let one = |skill: &str, n: u64| Summary {
            ads: n,
            ads_with_skills: n,
            skill_mentions: n,
            skills: Counts::from([(skill.to_owned(), n)]),
            collection_mentions: Counts::from([("green".to_owned(), 1)]),
            cooccurrence: BTreeMap::from([("o".to_owned(), Counts::from([(skill.to_owned(), n)]))]),
            ..Summary::default()
        };
        let mut total = one("a", 2);
        total.merge(&one("a", 3));
        total.merge(&one("b", 1));
        assert_eq!(total.ads, 6);
        assert_eq!(total.skills["a"], 5);
        assert_eq!(total.cooccurrence["o"]["b"], 1);
        assert_eq!(total.collection_shares["green"], 0.5);
    }
}
