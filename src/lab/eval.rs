//! Evaluation as ESCO published it: a crosswalk's foreign titles (and descriptions) are the
//! queries, its ESCO targets the gold answers; MRR (micro) and accuracy at top 1–30, per
//! relation type and overall, plus queries per second. And the same for any TREC-style test
//! collection.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::concept::Target;
use crate::load::crosswalk::table::{self as cw, MatchKind, Relation};
use crate::matching::{Input, MatchError, Matcher};

/// The cut-offs of the published table.
pub const CUTOFFS: [usize; 7] = [1, 2, 3, 5, 10, 20, 30];

/// One query with its gold answers.
#[derive(Debug, Clone)]
pub struct Query {
    /// The foreign concept's ID.
    pub id: String,
    /// Its title.
    pub text: String,
    /// Its description, if the table has one.
    pub description: Option<String>,
    /// Gold ESCO concepts with their relation.
    pub gold: Vec<(String, MatchKind)>,
}

/// The queries of a crosswalk table, and the table's language.
pub fn crosswalk_queries(path: &Path) -> Result<(Vec<Query>, String), MatchError> {
    let tables =
        crate::load::table::read_tables(path).map_err(|e| MatchError::Input(e.to_string()))?;
    let table = tables.iter().find(|t| cw::is_crosswalk(t)).ok_or_else(|| {
        MatchError::Input(format!(
            "{} is not a crosswalk table (EURES mapping table or the ESCO–O*NET crosswalk)",
            path.display()
        ))
    })?;
    let parsed = cw::parse(table).map_err(|e| MatchError::Input(e.to_string()))?;
    let is_esco = |uri: &str| uri.starts_with(crate::vocab::mint::ESCO);
    let mut by_id: BTreeMap<String, Query> = BTreeMap::new();
    let mut language = String::new();
    for row in &parsed.rows {
        let Relation::Match(kind) = row.relation else {
            continue;
        };
        let (foreign, esco, foreign_side) = if is_esco(&row.right.uri) {
            (&row.left, &row.right, &parsed.left)
        } else if is_esco(&row.left.uri) {
            (&row.right, &row.left, &parsed.right)
        } else {
            continue;
        };
        if language.is_empty() {
            language.clone_from(&foreign_side.language);
        }
        if foreign.label.trim().is_empty() {
            continue;
        }
        let id = if foreign.id.is_empty() {
            foreign.label.clone()
        } else {
            foreign.id.clone()
        };
        let q = by_id.entry(id.clone()).or_insert_with(|| Query {
            id,
            text: foreign.label.trim().to_owned(),
            description: Some(foreign.description.trim().to_owned()).filter(|d| !d.is_empty()),
            gold: Vec::new(),
        });
        if !q.gold.iter().any(|(u, k)| *u == esco.uri && *k == kind) {
            q.gold.push((esco.uri.clone(), kind));
        }
    }
    if by_id.is_empty() {
        return Err(MatchError::Input(format!(
            "{}: no row maps a titled concept to an ESCO URI",
            path.display()
        )));
    }
    Ok((by_id.into_values().collect(), language))
}

/// A crosswalk's fingerprint: sha256 (hex) of its sorted `title TAB ESCO URI` pairs — the same
/// for a copy re-encoded, re-delimited or re-ordered.
pub fn fingerprint(queries: &[Query]) -> String {
    use sha2::{Digest, Sha256};
    let mut pairs: Vec<String> = queries
        .iter()
        .flat_map(|q| {
            q.gold
                .iter()
                .map(move |(uri, _)| format!("{}\t{uri}", q.text))
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut h = Sha256::new();
    for p in &pairs {
        h.update(p.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Figures for one group of queries.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    /// Mean reciprocal rank (micro: over queries; 0 for a query with no gold in the list).
    pub mrr: f64,
    /// Share of queries with a gold answer first.
    pub top_1: f64,
    /// ... in the first 2.
    pub top_2: f64,
    /// ... in the first 3.
    pub top_3: f64,
    /// ... in the first 5.
    pub top_5: f64,
    /// ... in the first 10.
    pub top_10: f64,
    /// ... in the first 20.
    pub top_20: f64,
    /// ... in the first 30.
    pub top_30: f64,
    /// Queries counted.
    pub queries: usize,
    /// Queries matched per second (the whole run's rate).
    pub queries_per_s: f64,
}

impl Figures {
    pub(crate) fn from_ranks(ranks: &[Option<usize>], rate: f64) -> Self {
        let n = ranks.len().max(1) as f64;
        let at = |k: usize| ranks.iter().filter(|r| r.is_some_and(|r| r <= k)).count() as f64 / n;
        Self {
            mrr: ranks
                .iter()
                .map(|r| r.map_or(0.0, |r| 1.0 / r as f64))
                .sum::<f64>()
                / n,
            top_1: at(1),
            top_2: at(2),
            top_3: at(3),
            top_5: at(5),
            top_10: at(10),
            top_20: at(20),
            top_30: at(30),
            queries: ranks.len(),
            queries_per_s: rate,
        }
    }
}

/// The report of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// All queries (gold: every counted relation).
    pub overall: Figures,
    /// Per relation type (`exact`, `close`, `broad`, `narrow`): the queries with such a gold
    /// answer, scored against those answers only.
    #[serde(flatten)]
    pub by_relation: BTreeMap<String, Figures>,
    /// `hybrid` or `lexical`.
    pub method: String,
    /// Queries whose gold answers are all unknown to the store (left out).
    pub skipped: usize,
    /// Queries none of whose gold answers is within the target: counted as misses, or left
    /// out with [`Options::reachable_only`].
    pub unreachable: usize,
    /// Whether those were left out.
    pub reachable_only: bool,
    /// Every counted query's outcome, in the order of the queries.
    #[serde(skip)]
    pub ranked: Vec<Ranked>,
}

/// One query's outcome.
#[derive(Debug, Clone)]
pub struct Ranked {
    /// The query's ID.
    pub id: String,
    /// Its title.
    pub text: String,
    /// Rank of the first gold answer (counted relations), if in the list.
    pub rank: Option<usize>,
    /// The gold answers counted.
    pub gold: Vec<String>,
    /// The ranked list.
    pub found: Vec<String>,
}

impl Report {
    /// Writes the outcome of every query as TSV: `id`, `text`, `rank` (empty when no gold
    /// answer is in the list), the gold URIs and the first three found (space-separated).
    pub fn write_ranks(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        writeln!(out, "id\ttext\trank\tgold\tfound")?;
        let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        for r in &self.ranked {
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                clean(&r.id),
                clean(&r.text),
                r.rank.map(|r| r.to_string()).unwrap_or_default(),
                r.gold.join(" "),
                r.found
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ")
            )?;
        }
        Ok(())
    }
}

/// Options of a crosswalk evaluation.
#[derive(Debug, Clone)]
pub struct Options {
    /// Use descriptions as well as titles.
    pub with_description: bool,
    /// Relations that count as hits (all when empty).
    pub relations: BTreeSet<MatchKind>,
    /// Match against ESCO labels in this language only.
    pub esco_language: Option<String>,
    /// What to match against.
    pub target: Target,
    /// Input language (else detected per query).
    pub language: Option<String>,
    /// Leave out the queries none of whose gold answers is within the target (an ISCO group
    /// when the target is `occupations`): the figures of what the target can reach.
    pub reachable_only: bool,
}

/// Ranks every query and scores the rankings.
pub fn evaluate(
    matcher: &Matcher,
    queries: &[Query],
    options: &Options,
    progress: &dyn Fn(usize, usize),
) -> Result<Report, MatchError> {
    let index = matcher.concept_index();
    let started = Instant::now();
    let mut rows: Vec<(Vec<String>, &Query)> = Vec::new();
    let mut skipped = 0;
    let mut unreachable = 0;
    let concepts = &matcher.forms().concepts;
    for (n, q) in queries.iter().enumerate() {
        let counted: Vec<&(String, MatchKind)> = q
            .gold
            .iter()
            .filter(|(_, k)| options.relations.is_empty() || options.relations.contains(k))
            .collect();
        if counted.is_empty() {
            continue;
        }
        if !counted.iter().any(|(u, _)| index.contains_key(u.as_str())) {
            skipped += 1;
            continue;
        }
        let reachable = counted.iter().any(|(u, _)| {
            index
                .get(u.as_str())
                .is_some_and(|&c| concepts[c as usize].is_in(&options.target))
        });
        if !reachable {
            unreachable += 1;
            if options.reachable_only {
                continue;
            }
        }
        let input = Input {
            text: q.text.clone(),
            description: q.description.clone().filter(|_| options.with_description),
            language: options.language.clone(),
            target: options.target.clone(),
            k: 30,
            label_language: options.esco_language.clone(),
        };
        let found = matcher.search(&input)?;
        rows.push((found.candidates.into_iter().map(|c| c.uri).collect(), q));
        progress(n + 1, queries.len());
    }
    let rate = rows.len() as f64 / started.elapsed().as_secs_f64().max(1e-9);
    let rank = |ranked: &[String], gold: &dyn Fn(&str) -> bool| {
        ranked.iter().position(|u| gold(u)).map(|p| p + 1)
    };
    let mut overall = Vec::new();
    let mut outcomes = Vec::new();
    let mut by_relation: HashMap<MatchKind, Vec<Option<usize>>> = HashMap::new();
    for (ranked, q) in &rows {
        let counts = |k: &MatchKind| options.relations.is_empty() || options.relations.contains(k);
        let first = rank(ranked, &|u| q.gold.iter().any(|(g, k)| g == u && counts(k)));
        overall.push(first);
        outcomes.push(Ranked {
            id: q.id.clone(),
            text: q.text.clone(),
            rank: first,
            gold: q
                .gold
                .iter()
                .filter(|(_, k)| counts(k))
                .map(|(g, _)| g.clone())
                .collect(),
            found: ranked.clone(),
        });
        for kind in MatchKind::ALL.into_iter().filter(counts) {
            if q.gold.iter().any(|(_, k)| *k == kind) {
                by_relation
                    .entry(kind)
                    .or_default()
                    .push(rank(ranked, &|u| {
                        q.gold.iter().any(|(g, k)| g == u && *k == kind)
                    }));
            }
        }
    }
    Ok(Report {
        overall: Figures::from_ranks(&overall, rate),
        by_relation: by_relation
            .into_iter()
            .map(|(k, r)| {
                (
                    k.local_name().trim_end_matches("Match").to_owned(),
                    Figures::from_ranks(&r, rate),
                )
            })
            .collect(),
        method: matcher.method().as_str().to_owned(),
        skipped,
        unreachable,
        reachable_only: options.reachable_only,
        ranked: outcomes,
    })
}

/// Prints the report as the published table.
pub fn print_table(report: &Report, out: &mut impl std::io::Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<9} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "relation", "queries", "MRR", "top1", "top2", "top3", "top5", "top10", "top20", "top30"
    )?;
    let mut row = |name: &str, f: &Figures| {
        writeln!(
            out,
            "{:<9} {:>7} {:>6.3} {:>6.3} {:>6.3} {:>6.3} {:>6.3} {:>6.3} {:>6.3} {:>6.3}",
            name,
            f.queries,
            f.mrr,
            f.top_1,
            f.top_2,
            f.top_3,
            f.top_5,
            f.top_10,
            f.top_20,
            f.top_30
        )
    };
    for (name, f) in &report.by_relation {
        row(name, f)?;
    }
    row("overall", &report.overall)?;
    let mut notes = Vec::new();
    if report.skipped > 0 {
        notes.push(format!(
            "{} queries left out: gold unknown to the store",
            report.skipped
        ));
    }
    if report.unreachable > 0 {
        notes.push(format!(
            "{} queries {}: no gold answer within the target",
            report.unreachable,
            if report.reachable_only {
                "left out"
            } else {
                "counted as misses"
            }
        ));
    }
    writeln!(
        out,
        "{:.1} queries/s ({}){}{}",
        report.overall.queries_per_s,
        report.method,
        if notes.is_empty() { "" } else { "; " },
        notes.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_from_ranks() {
        let f = Figures::from_ranks(&[Some(1), Some(2), None, Some(10)], 5.0);
        assert!((f.mrr - (1.0 + 0.5 + 0.1) / 4.0).abs() < 1e-12);
        assert_eq!(f.top_1, 0.25);
        assert_eq!(f.top_2, 0.5);
        assert_eq!(f.top_5, 0.5);
        assert_eq!(f.top_10, 0.75);
        assert_eq!(f.queries, 4);
        let json = serde_json::to_value(&f).unwrap();
        for k in [
            "mrr",
            "top_1",
            "top_2",
            "top_3",
            "top_5",
            "top_10",
            "top_20",
            "top_30",
            "queries",
            "queries_per_s",
        ] {
            assert!(json.get(k).is_some(), "{k}");
        }
    }
}
