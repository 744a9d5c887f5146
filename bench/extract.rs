//! Extraction benchmark (in-process): `cargo bench --bench extract -- STORE ADS.jsonl [MODEL]`.
//!
//! ADS is JSONL with `title` and `text` (what `bench/extract.sh` writes), matched against the
//! labels of `BENCH_ESCO_LANGUAGE` (as `extract --esco-language` does). Prints, for the
//! lexical matcher, the fast stage (the shipped static model) and the model's (hybrid, its side-index over the labels of
//! `BENCH_ESCO_LANGUAGE`, default `en`; `all` for every language): the set-up of the skill side
//! (the first build when the index folder lacks it, then a restart), one ad end to end p50/p99
//! over every ad three times, with the pieces matched one by one (the baseline: each piece
//! embedded on its own) and batched (one set of forward passes per ad), and the peak memory.
//! `bench/extract.sh` adds the latency over HTTP and the batch throughput.

use std::path::PathBuf;
use std::time::Instant;

use esco_ld::concept::Target;
use esco_ld::extract::{Extractor, Request};
use esco_ld::matching::setup::{self, ModelChoice, Scope};
use esco_ld::matching::Matcher;

mod stats;
use stats::ms;

/// The process's peak resident memory (VmHWM), in MB.
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Each ad three times through `extractor`: p50 and p99.
fn latency(extractor: &Extractor<'_>, ads: &[Request]) -> anyhow::Result<(f64, f64)> {
    let mut times = Vec::new();
    for _ in 0..3 {
        for ad in ads {
            let t = Instant::now();
            extractor.extract(ad)?;
            times.push(t.elapsed().as_secs_f64());
        }
    }
    Ok(ms(times))
}

/// Sets the matcher up twice (a first build when `index` lacks it, then a restart), printing
/// both; returns the second.
fn set_up(
    store: &oxigraph::store::Store,
    stamp: &str,
    index: &std::path::Path,
    model: &ModelChoice,
    scope: &Scope,
    name: &str,
) -> anyhow::Result<Matcher> {
    let t = Instant::now();
    let (first, report) = setup::matcher(store, Some(stamp), index, model, scope, &|_, _| {})?;
    let built = report.dense.unwrap_or_default();
    println!(
        "{name}: set-up, first             {:8.1} s  ({} forms; {} texts embedded in {:.1} s)",
        t.elapsed().as_secs_f64(),
        report.forms,
        built.embedded,
        built.embed_seconds
    );
    drop(first);
    let t = Instant::now();
    let (matcher, _) = setup::matcher(store, Some(stamp), index, model, scope, &|_, _| {})?;
    println!(
        "{name}: restart                   {:8.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(matcher)
}

fn main() -> anyhow::Result<()> {
    esco_ld::embed::fix_thread_count();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (Some(store_path), Some(ads_path)) = (args.first(), args.get(1)) else {
        anyhow::bail!("usage: cargo bench --bench extract -- STORE ADS.jsonl [MODEL]");
    };
    let store_path = PathBuf::from(store_path);
    let model = args
        .get(2)
        .map_or(ModelChoice::Default, |m| ModelChoice::Dir(m.into()));
    let language = std::env::var("BENCH_ESCO_LANGUAGE").unwrap_or_else(|_| "en".into());
    let scope = Scope {
        target: Some(Target::Union(vec![Target::Occupations, Target::Skills])),
        language: (language != "all").then_some(language.clone()),
        preferred_only: false,
    };
    let ads: Vec<Request> = std::fs::read_to_string(ads_path)?
        .lines()
        .map(|l| -> anyhow::Result<Request> {
            let v: serde_json::Value = serde_json::from_str(l)?;
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
            Ok(Request {
                title: field("title"),
                esco_language: (language != "all").then(|| language.clone()),
                ..Request::new(field("text").unwrap_or_default())
            })
        })
        .collect::<Result<_, _>>()?;
    let words: usize = ads.iter().map(|a| a.text.split_whitespace().count()).sum();
    let store = esco_ld::store::open_read_only(&store_path)?;
    let stamp = esco_ld::store::StoreVersion::of_dir(&store_path).index_tag();
    let index = esco_ld::store::StoreLayout::new(&store_path).matching();
    println!(
        "extraction bench: store {}, {} ads of {:.0} words on average, labels: {language}, {} cores",
        store_path.display(),
        ads.len(),
        words as f64 / ads.len().max(1) as f64,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let lexical = set_up(
        &store,
        &stamp,
        &index,
        &ModelChoice::None,
        &scope,
        "lexical",
    )?;
    let (p50, p99) = latency(&Extractor::new(&lexical, &store), &ads)?;
    println!("lexical: one ad                   p50 {p50:7.1} ms  p99 {p99:7.1} ms");
    drop(lexical);
    let fast = ModelChoice::Dir(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(esco_ld::embed::FAST_MODEL_DIR),
    );
    let fast = set_up(&store, &stamp, &index, &fast, &scope, "fast")?;
    let (p50, p99) = latency(&Extractor::new(&fast, &store), &ads)?;
    println!("fast: one ad                      p50 {p50:7.1} ms  p99 {p99:7.1} ms");
    drop(fast);

    if model.resolve()?.is_none() {
        println!("no model installed (esco-ld model install): the model's figures are left out");
        println!("peak memory                       {:8.0} MB", peak_mb());
        return Ok(());
    }
    let hybrid = set_up(&store, &stamp, &index, &model, &scope, "hybrid")?;
    let (b50, b99) = latency(&Extractor::new(&hybrid, &store).one_by_one(), &ads)?;
    println!("hybrid: one ad, pieces one by one p50 {b50:7.1} ms  p99 {b99:7.1} ms  (baseline)");
    let (p50, p99) = latency(&Extractor::new(&hybrid, &store), &ads)?;
    println!(
        "hybrid: one ad, batched           p50 {p50:7.1} ms  p99 {p99:7.1} ms  (p50 {:.2}x, p99 {:.2}x the baseline)",
        b50 / p50,
        b99 / p99
    );
    println!("peak memory                       {:8.0} MB", peak_mb());
    Ok(())
}
