//! Skill extraction measured on job-ad sentences with hand-linked ESCO skills (the shape of the
//! TECH and HOUSE sets of Decorte et al.): each sentence's skills ranked the way `extract` ranks
//! them, without threshold; MRR and R-Precision at 1, 5 and 10, and precision and recall of the
//! skills at or over a threshold.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::extract::{ExtractError, Extractor};

/// One sentence with its gold skills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// Its ID.
    pub id: String,
    /// The sentence.
    pub text: String,
    /// Gold skill IRIs.
    pub gold: BTreeSet<String>,
}

/// Reads `id<TAB>sentence<TAB>space-separated skill URIs` with the header `id<TAB>sentence<TAB>skills`.
pub fn read_sentences(path: &Path) -> Result<Vec<Sentence>, ExtractError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ExtractError::Input(format!("{}: {e}", path.display())))?;
    parse_sentences(&text).map_err(|e| ExtractError::Input(format!("{}: {e}", path.display())))
}

/// Parses the sentence file's text (see [`read_sentences`]).
pub fn parse_sentences(text: &str) -> Result<Vec<Sentence>, String> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim_end() == "id\tsentence\tskills" => {}
        _ => return Err("line 1: the header must be `id<TAB>sentence<TAB>skills`".into()),
    }
    let mut out = Vec::new();
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [id, sentence, skills] = fields[..] else {
            return Err(format!("line {}: {} fields, not 3", n + 1, fields.len()));
        };
        let gold: BTreeSet<String> = skills.split_whitespace().map(str::to_owned).collect();
        if let Some(bad) = gold.iter().find(|u| !u.starts_with("http")) {
            return Err(format!("line {}: {bad:?} is not a skill URI", n + 1));
        }
        if gold.is_empty() || sentence.trim().is_empty() {
            return Err(format!("line {}: no sentence or no gold skill", n + 1));
        }
        out.push(Sentence {
            id: id.to_owned(),
            text: sentence.to_owned(),
            gold,
        });
    }
    if out.is_empty() {
        return Err("no sentences".into());
    }
    Ok(out)
}

/// The figures over all sentences.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Overall {
    /// Mean reciprocal rank of the first gold skill (0 when none is ranked).
    pub mrr: f64,
    /// R-Precision at 1.
    pub rp_1: f64,
    /// R-Precision at 5.
    pub rp_5: f64,
    /// R-Precision at 10.
    pub rp_10: f64,
    /// Sentences.
    pub queries: usize,
    /// Sentences ranked per second.
    pub queries_per_s: f64,
}

/// Precision and recall of the skills at or over a threshold.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct AtThreshold {
    /// The threshold.
    pub threshold: f32,
    /// Skills kept that are gold, over skills kept (micro).
    pub precision: f64,
    /// Gold skills kept, over gold skills (micro).
    pub recall: f64,
    /// Their harmonic mean.
    pub f1: f64,
    /// Skills kept per sentence.
    pub kept_per_sentence: f64,
}

/// What `eval-extract` prints.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// The ranking figures.
    pub overall: Overall,
    /// Extraction at the threshold asked for.
    pub at_threshold: AtThreshold,
    /// The same at other thresholds, for choosing one.
    pub thresholds: Vec<AtThreshold>,
}

/// R-Precision at `k`: gold skills in the top `k` over min(k, gold skills).
pub fn r_precision(ranked: &[String], gold: &BTreeSet<String>, k: usize) -> f64 {
    let hits = ranked.iter().take(k).filter(|u| gold.contains(*u)).count();
    hits as f64 / k.min(gold.len()).max(1) as f64
}

/// The reciprocal rank of the first gold skill.
pub fn reciprocal_rank(ranked: &[String], gold: &BTreeSet<String>) -> f64 {
    ranked
        .iter()
        .position(|u| gold.contains(u))
        .map_or(0.0, |r| 1.0 / (r + 1) as f64)
}

/// Thresholds reported beside the one asked for.
const SWEEP: [f32; 10] = [0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85];

/// Ranks every sentence and measures; with `ranks`, writes each sentence's outcome there (TSV:
/// id, rank of the first gold skill or 0, gold, top 10).
pub fn run(
    extractor: &Extractor<'_>,
    sentences: &[Sentence],
    language: Option<&str>,
    esco_language: Option<&str>,
    threshold: f32,
    ranks: Option<&mut dyn Write>,
    progress: &dyn Fn(usize, usize),
) -> Result<Report, ExtractError> {
    let started = Instant::now();
    let mut ranked_all = Vec::with_capacity(sentences.len());
    for (i, s) in sentences.iter().enumerate() {
        progress(i, sentences.len());
        ranked_all.push(extractor.rank_skills(&s.text, language, esco_language)?);
    }
    progress(sentences.len(), sentences.len());
    let seconds = started.elapsed().as_secs_f64();
    let mut overall = Overall {
        queries: sentences.len(),
        queries_per_s: sentences.len() as f64 / seconds.max(1e-9),
        ..Overall::default()
    };
    for (s, ranked) in sentences.iter().zip(&ranked_all) {
        let uris: Vec<String> = ranked.iter().map(|(u, _)| u.clone()).collect();
        overall.mrr += reciprocal_rank(&uris, &s.gold);
        overall.rp_1 += r_precision(&uris, &s.gold, 1);
        overall.rp_5 += r_precision(&uris, &s.gold, 5);
        overall.rp_10 += r_precision(&uris, &s.gold, 10);
    }
    let n = sentences.len().max(1) as f64;
    for v in [
        &mut overall.mrr,
        &mut overall.rp_1,
        &mut overall.rp_5,
        &mut overall.rp_10,
    ] {
        *v /= n;
    }
    if let Some(out) = ranks {
        write_ranks(out, sentences, &ranked_all)
            .map_err(|e| ExtractError::Input(format!("writing the ranks: {e}")))?;
    }
    let at = |t: f32| at_threshold(sentences, &ranked_all, t);
    Ok(Report {
        overall,
        at_threshold: at(threshold),
        thresholds: SWEEP.iter().map(|t| at(*t)).collect(),
    })
}

fn at_threshold(
    sentences: &[Sentence],
    ranked_all: &[Vec<(String, f32)>],
    threshold: f32,
) -> AtThreshold {
    let (mut kept, mut right, mut gold) = (0usize, 0usize, 0usize);
    for (s, ranked) in sentences.iter().zip(ranked_all) {
        let over: Vec<&String> = ranked
            .iter()
            .filter(|(_, score)| *score >= threshold)
            .map(|(u, _)| u)
            .collect();
        kept += over.len();
        right += over.iter().filter(|u| s.gold.contains(**u)).count();
        gold += s.gold.len();
    }
    let precision = if kept == 0 {
        0.0
    } else {
        right as f64 / kept as f64
    };
    let recall = right as f64 / gold.max(1) as f64;
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    AtThreshold {
        threshold,
        precision,
        recall,
        f1,
        kept_per_sentence: kept as f64 / sentences.len().max(1) as f64,
    }
}

fn write_ranks(
    out: &mut dyn Write,
    sentences: &[Sentence],
    ranked_all: &[Vec<(String, f32)>],
) -> std::io::Result<()> {
    writeln!(out, "id\trank\tgold\ttop10")?;
    for (s, ranked) in sentences.iter().zip(ranked_all) {
        let uris: Vec<String> = ranked.iter().map(|(u, _)| u.clone()).collect();
        let rank = uris
            .iter()
            .position(|u| s.gold.contains(u))
            .map_or(0, |r| r + 1);
        let gold: Vec<&str> = s.gold.iter().map(String::as_str).collect();
        let top: Vec<String> = ranked
            .iter()
            .take(10)
            .map(|(u, score)| format!("{u}={score:.3}"))
            .collect();
        writeln!(
            out,
            "{}\t{rank}\t{}\t{}",
            s.id,
            gold.join(" "),
            top.join(" ")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn r_precision_and_reciprocal_rank_by_hand() {
        let gold = set(&["a", "b", "c"]);
        let ranked = list(&["x", "a", "y", "b", "z", "c"]);
        assert_eq!(r_precision(&ranked, &gold, 1), 0.0);
        // 2 of the top 5 over min(5, 3) = 3.
        assert!((r_precision(&ranked, &gold, 5) - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(r_precision(&ranked, &gold, 10), 1.0);
        assert_eq!(reciprocal_rank(&ranked, &gold), 0.5);
        assert_eq!(reciprocal_rank(&list(&["x"]), &gold), 0.0);
    }

    #[test]
    fn sentence_files_are_checked() {
        let ok = "id\tsentence\tskills\ns1\tWe use Java\thttp://e/s/1 http://e/s/2\n";
        let parsed = parse_sentences(ok).unwrap();
        assert_eq!(parsed[0].gold.len(), 2);
        assert!(parse_sentences("id\ttext\n")
            .unwrap_err()
            .contains("header"));
        let err = parse_sentences("id\tsentence\tskills\ns1\tonly two\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        let err = parse_sentences("id\tsentence\tskills\ns1\tx\tjava\n").unwrap_err();
        assert!(err.contains("not a skill URI"), "{err}");
    }

    #[test]
    fn precision_and_recall_at_a_threshold() {
        let sentences = vec![Sentence {
            id: "s".into(),
            text: "t".into(),
            gold: set(&["a", "b"]),
        }];
        let ranked = vec![vec![
            ("a".to_owned(), 0.9),
            ("x".to_owned(), 0.7),
            ("b".to_owned(), 0.5),
        ]];
        let at = at_threshold(&sentences, &ranked, 0.6);
        assert_eq!(at.precision, 0.5);
        assert_eq!(at.recall, 0.5);
        assert_eq!(at.kept_per_sentence, 2.0);
    }
}
