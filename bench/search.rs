//! Label search benchmark (in-process): `cargo bench --bench search -- [STORE]`.
//!
//! Prints the label index build (first build, then a restart that finds it in step), then
//! search and autocomplete latency p50/p99 and throughput for real labels of the store, beside
//! the SPARQL label search the same question needs without the index (the baseline, run on
//! the same store in the same process): `CONTAINS` over folded labels for a search, `REGEX`
//! with a `^` anchor for autocomplete.

use std::path::PathBuf;
use std::time::Instant;

use esco_ld::search::{Mode, Request, SearchIndex};
use esco_ld::store::forms::{FormKind, Forms};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// p50, p99 in milliseconds, and queries per second.
fn figures(mut seconds: Vec<f64>) -> (f64, f64, f64) {
    let total: f64 = seconds.iter().sum();
    let n = seconds.len() as f64;
    seconds.sort_by(f64::total_cmp);
    (
        percentile(&seconds, 0.5) * 1e3,
        percentile(&seconds, 0.99) * 1e3,
        n / total,
    )
}

fn request(text: &str, mode: Mode) -> Request {
    Request {
        text: text.to_owned(),
        language: Some("en".into()),
        classes: Vec::new(),
        schemes: Vec::new(),
        alternative: true,
        mode,
        offset: 0,
        limit: 10,
    }
}

fn sparql_literal(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let store_path = PathBuf::from(args.first().map_or("esco-store", String::as_str));
    let store = esco_ld::store::open_read_only(&store_path)?;
    println!(
        "search bench: store {}, {} cores",
        store_path.display(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let started = Instant::now();
    let forms = Forms::read_labels(&store)?;
    let read = started.elapsed().as_secs_f64();
    let dir = tempfile::tempdir()?;
    let folder = dir.path().join("store.search");
    let started = Instant::now();
    let mut index = SearchIndex::open(&folder)?;
    let report = index.sync(&forms, "bench")?;
    let build = started.elapsed().as_secs_f64();
    drop(index);
    let started = Instant::now();
    let index = SearchIndex::open(&folder)?;
    let in_step = index.stamp().as_deref() == Some("bench");
    let restart = started.elapsed().as_secs_f64();
    println!(
        "index: read labels {read:.1} s; first build {build:.1} s ({} concepts, {} label documents); restart {:.0} ms (in step: {in_step})",
        report.indexed,
        report.documents,
        restart * 1e3
    );

    // Queries: English preferred and alternative labels, evenly spread over the store.
    let labels: Vec<&str> = forms
        .forms
        .iter()
        .filter(|f| f.lang == "en" && matches!(f.kind, FormKind::Preferred | FormKind::Alternative))
        .map(|f| f.text.as_str())
        .collect();
    let step = (labels.len() / 500).max(1);
    let texts: Vec<&str> = labels.iter().step_by(step).take(500).copied().collect();
    // Autocomplete: what a user has typed after 3 to 6 letters of the first word.
    let prefixes: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            t.chars()
                .take(3 + i % 4)
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .filter(|p| !p.is_empty())
        .collect();

    let mut rows = Vec::new();
    for (name, mode, queries) in [
        (
            "search (whole label)",
            Mode::Search,
            texts.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>(),
        ),
        ("suggest (3-6 letters)", Mode::Suggest, prefixes.clone()),
    ] {
        // One warm-up pass, then the measured one.
        for q in &queries {
            index.search(&request(q, mode))?;
        }
        let mut times = Vec::with_capacity(queries.len());
        for q in &queries {
            let t = Instant::now();
            let r = index.search(&request(q, mode))?;
            times.push(t.elapsed().as_secs_f64());
            std::hint::black_box(r);
        }
        rows.push((name, mode, queries, figures(times)));
    }

    // The baseline: the SPARQL a client would send without the index (a full scan of the
    // labels per question), for the first 20 queries of each kind.
    println!("\n| question | esco-ld index p50 / p99 (ms) | queries/s | SPARQL baseline p50 / p99 (ms) | ratio (p50) |");
    println!("|---|---|---|---|---|");
    for (name, mode, queries, (p50, p99, qps)) in &rows {
        let mut times = Vec::new();
        for q in queries.iter().take(20) {
            let filter = match mode {
                Mode::Search => format!(
                    "CONTAINS(LCASE(STR(?l)), \"{}\")",
                    sparql_literal(&q.to_lowercase())
                ),
                Mode::Suggest => format!(
                    "REGEX(STR(?l), \"^{}\", \"i\")",
                    sparql_literal(&regex_escape(q))
                ),
            };
            let query = format!(
                "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
                 SELECT DISTINCT ?c WHERE {{ ?c skos:prefLabel|skos:altLabel|skos:hiddenLabel ?l
                   FILTER(LANG(?l) = \"en\" && {filter}) }} LIMIT 10"
            );
            let t = Instant::now();
            let rows = esco_ld::sparql::select(&store, &query)?;
            times.push(t.elapsed().as_secs_f64());
            std::hint::black_box(rows);
        }
        let (b50, b99, _) = figures(times);
        println!(
            "| {name} | {p50:.2} / {p99:.2} | {qps:.0} | {b50:.0} / {b99:.0} | {:.0}x |",
            b50 / p50
        );
    }
    Ok(())
}

fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
