//! Matching benchmark (in-process): `cargo bench --bench matching -- [STORE] [MODEL]`.
//!
//! Prints embedding throughput (batched and one text at a time, beside the baseline of candle
//! looking up the core count for every product); the fast first stage (the
//! shipped static model) over the full data: first build, restart, match latency, HNSW against
//! exact search; then the model's dense side-index build for the full data (embedding what the vector cache lacks, then the HNSW graph; and the graph
//! alone from cached vectors; and a restart), match latency p50/p99 for one title in process,
//! and the HNSW search beside an exact brute-force search over the same vectors (the baseline):
//! speed and recall@10. `bench/match.sh` adds the latency over HTTP.

use std::path::PathBuf;
use std::time::Instant;

use esco_ld::concept::Target;
use esco_ld::embed::{Encoder, Kind};
use esco_ld::matching::dense::Dense;
use esco_ld::matching::setup::{self, ModelChoice, Scope};
use esco_ld::matching::{Input, Matcher, Semantic};

mod stats;
use stats::ms;

/// The model's embedding throughput, batched and one text at a time (beside the baseline of
/// candle looking up the core count for every product), and the static model's.
fn embedding_throughput(model_dir: &std::path::Path, titles: &[&str]) -> anyhow::Result<()> {
    let t = Instant::now();
    let encoder = Encoder::load(model_dir)?;
    println!(
        "model load                         {:8.2} s",
        t.elapsed().as_secs_f64()
    );
    let one_at_a_time = |n: usize| -> anyhow::Result<Vec<f64>> {
        let mut single = Vec::new();
        for title in titles.iter().take(n) {
            let t = Instant::now();
            encoder.embed(&[title], Kind::Query)?;
            single.push(t.elapsed().as_secs_f64());
        }
        Ok(single)
    };
    // The baseline: candle left to look up the core count for every product (what the binary
    // did before `fix_thread_count`, which it now calls first thing); then fixed, as it runs.
    let baseline = std::env::var_os("RAYON_NUM_THREADS")
        .is_none()
        .then(|| one_at_a_time(200))
        .transpose()?
        .map(ms);
    esco_ld::embed::fix_thread_count();
    let t = Instant::now();
    for chunk in titles.chunks(64) {
        encoder.embed(chunk, Kind::Query)?;
    }
    let batch_rate = titles.len() as f64 / t.elapsed().as_secs_f64();
    let single = one_at_a_time(200)?;
    let single_rate = single.len() as f64 / single.iter().sum::<f64>();
    let (p50, p99) = ms(single);
    println!("embedding, batches of 64           {batch_rate:8.1} texts/s");
    println!("embedding, one at a time           {single_rate:8.1} texts/s  (p50 {p50:.1} ms, p99 {p99:.1} ms)");
    if let Some((b50, b99)) = baseline {
        println!(
            "  baseline, core count looked up per product: p50 {b50:.1} ms, p99 {b99:.1} ms (p50 {:.2}x)",
            b50 / p50
        );
    }
    drop(encoder);
    let fast_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(esco_ld::embed::FAST_MODEL_DIR);
    let statics = Encoder::load(&fast_dir)?;
    let t = Instant::now();
    for _ in 0..20 {
        for chunk in titles.chunks(64) {
            statics.embed(chunk, Kind::Query)?;
        }
    }
    let static_batch = 20.0 * titles.len() as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for title in titles {
        statics.embed(&[title], Kind::Query)?;
    }
    let static_single = titles.len() as f64 / t.elapsed().as_secs_f64();
    println!("static model (fast stage), batches {static_batch:8.0} texts/s, one at a time {static_single:.0} texts/s");
    drop(statics);
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let store_path = PathBuf::from(args.first().map_or("esco-store", String::as_str));
    let model = args
        .get(1)
        .map_or(ModelChoice::Default, |m| ModelChoice::Dir(m.into()));
    let Some(model_dir) = model.resolve()? else {
        anyhow::bail!("no model installed (esco-ld model install)");
    };
    let store = esco_ld::store::open_read_only(&store_path)?;
    println!(
        "matching bench: store {}, model {}, {} cores",
        store_path.display(),
        model_dir.display(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // Titles: O*NET occupation titles (English, unseen by ESCO's labels).
    let onet = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("data/crosswalks/onet/onet-occupation-data.txt"),
    )?;
    let titles: Vec<&str> = onet
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(1))
        .take(512)
        .collect();

    embedding_throughput(&model_dir, &titles)?;
    let fast_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(esco_ld::embed::FAST_MODEL_DIR);

    // The fast first stage: the shipped static model over every label, built from nothing in a
    // scratch folder (a true first build), then reopened.
    let fast = ModelChoice::Dir(fast_dir);
    let scratch_fast = tempfile::tempdir()?;
    // The store's version, as the service tags the snapshot of the forms it reads.
    let stamp = esco_ld::store::StoreVersion::of_dir(&store_path).index_tag();
    let t = Instant::now();
    let (fast_matcher, report) = setup::matcher(
        &store,
        Some(&stamp),
        scratch_fast.path(),
        &fast,
        &Scope::all(),
        &|_, _| {},
    )?;
    let built = report.dense.clone().unwrap_or_default();
    println!(
        "fast stage first build (full data) {:8.1} s  (forms + lexical {:.1} s; {} forms, {} texts embedded in {:.1} s = {:.0} texts/s; graph {:.1} s)",
        t.elapsed().as_secs_f64(),
        report.lexical_seconds,
        built.forms,
        built.embedded,
        built.embed_seconds,
        built.embedded as f64 / built.embed_seconds.max(1e-9),
        built.seconds - built.embed_seconds
    );
    let t = Instant::now();
    let (_, again) = setup::matcher(
        &store,
        Some(&stamp),
        scratch_fast.path(),
        &fast,
        &Scope::all(),
        &|_, _| {},
    )?;
    println!(
        "fast stage restart                 {:8.1} s  (forms from their snapshot + lexical index {:.1} s; dense index {:.1} s)",
        t.elapsed().as_secs_f64(),
        again.lexical_seconds,
        again.dense.map_or(0.0, |d| d.seconds)
    );
    let (p50, p99) = latency(&fast_matcher, &titles)?;
    println!(
        "match one title, fast, in process  p50 {p50:6.1} ms  p99 {p99:6.1} ms  (300 O*NET titles)"
    );
    let fast_semantic = fast_matcher
        .semantic
        .as_ref()
        .expect("the static model is loaded");
    recall(fast_semantic, &titles, "fast (64-d, f16)")?;
    drop(fast_matcher);
    // Staged: the same fast stage with the model re-scoring its short list; the first pass
    // embeds the candidates' texts, the second finds them in the short-list cache.
    let (staged, _) = setup::staged(
        &store,
        Some(&stamp),
        scratch_fast.path(),
        &model,
        &Scope::all(),
        &|_, _| {},
    )?;
    let (p50, p99) = latency(&staged, &titles)?;
    println!("match one title, staged, cold      p50 {p50:6.1} ms  p99 {p99:6.1} ms  (candidates' texts embedded as met)");
    let (p50, p99) = latency(&staged, &titles)?;
    println!("match one title, staged, warm      p50 {p50:6.1} ms  p99 {p99:6.1} ms  (the same titles again)");
    drop(staged);

    // The model's side-index (the full data unless BENCH_SCOPE narrows it, e.g.
    // `occupations-es`): whatever the vector cache lacks is embedded now.
    let scope = bench_scope()?;
    let index_dir = esco_ld::store::StoreLayout::new(&store_path).matching();
    let t = Instant::now();
    let (matcher, report) =
        setup::matcher(&store, Some(&stamp), &index_dir, &model, &scope, &|d, n| {
            if d % 6400 < 64 {
                eprint!("\r  embedding {d}/{n}   ");
            }
        })?;
    let dense = report.dense.clone().unwrap_or_default();
    println!(
        "side-index open ({})  {:8.1} s  ({} forms; {} texts embedded in {:.1} s{}; {} added to the graph)",
        scope.tag(),
        t.elapsed().as_secs_f64(),
        dense.forms,
        dense.embedded,
        dense.embed_seconds,
        if dense.embedded > 0 {
            format!(", {:.1} texts/s", dense.embedded as f64 / dense.embed_seconds)
        } else {
            String::new()
        },
        dense.added
    );
    // The graph alone, from cached vectors, in a scratch folder sharing the vector cache.
    let scratch = tempfile::tempdir()?;
    let semantic = matcher.semantic.as_ref().expect("a model is loaded");
    let (_, _, cache) = Dense::paths_for(&index_dir, &semantic.encoder, &scope.tag());
    let copy = scratch.path().join(cache.file_name().unwrap_or_default());
    std::fs::hard_link(&cache, &copy).or_else(|_| std::fs::copy(&cache, &copy).map(|_| ()))?;
    let semantic = matcher.semantic.as_ref().expect("a model is loaded");
    let t = Instant::now();
    let (fresh, fresh_report) = Dense::open(
        scratch.path(),
        "bench",
        matcher.forms(),
        &|f| scope.includes(&matcher.forms().concepts, f),
        &semantic.encoder,
        usearch::ScalarKind::F16,
        &|_, _| {},
    )?;
    println!(
        "HNSW graph from cached vectors     {:8.1} s  ({} forms, f16)",
        t.elapsed().as_secs_f64(),
        fresh_report.forms
    );
    drop(fresh);
    let t = Instant::now();
    let (_again, again) =
        setup::matcher(&store, Some(&stamp), &index_dir, &model, &scope, &|_, _| {})?;
    println!(
        "restart (forms, lexical, model, index) {:5.1} s  (forms from their snapshot + lexical {:.1} s, model {:.1} s, index {:.1} s)",
        t.elapsed().as_secs_f64(),
        again.lexical_seconds,
        again.model_seconds,
        again.dense.map_or(0.0, |d| d.seconds)
    );

    // One title end to end, in process.
    let (p50, p99) = latency(&matcher, &titles)?;
    println!("match one title, hybrid, in process p50 {p50:6.1} ms  p99 {p99:6.1} ms  (300 O*NET titles)");
    recall(semantic, &titles, "hybrid (384-d, f16)")?;

    Ok(())
}

/// The scope of the model's index: `all`, or `TARGET` or `TARGET-LANGUAGE` from BENCH_SCOPE.
fn bench_scope() -> anyhow::Result<Scope> {
    let spec = std::env::var("BENCH_SCOPE").unwrap_or_else(|_| "all".into());
    if spec == "all" {
        return Ok(Scope::all());
    }
    let (target, language) = match spec.rsplit_once('-') {
        Some((t, l)) if l.len() == 2 => (t, Some(l.to_owned())),
        _ => (spec.as_str(), None),
    };
    Ok(Scope {
        target: Some(target.parse::<Target>()?),
        language,
        preferred_only: false,
    })
}

/// p50 and p99 of matching one title end to end (300 titles, target occupations, k = 10).
fn latency(matcher: &Matcher, titles: &[&str]) -> anyhow::Result<(f64, f64)> {
    let mut latency = Vec::new();
    for title in titles.iter().take(300) {
        let t = Instant::now();
        matcher.search(&Input {
            text: (*title).to_owned(),
            description: None,
            language: None,
            target: Target::Occupations,
            k: 10,
            label_language: None,
        })?;
        latency.push(t.elapsed().as_secs_f64());
    }
    Ok(ms(latency))
}

/// The HNSW graph beside exact brute-force search over the same vectors (the baseline): speed
/// and recall@10 for 200 titles.
fn recall(semantic: &Semantic, titles: &[&str], what: &str) -> anyhow::Result<()> {
    let queries: Vec<Vec<f32>> = titles
        .iter()
        .take(200)
        .map(|t| {
            semantic
                .encoder
                .embed(&[t], Kind::Query)
                .map(|mut v| v.remove(0))
        })
        .collect::<Result<_, _>>()?;
    let (mut hnsw_t, mut exact_t, mut hits, mut total) = (Vec::new(), Vec::new(), 0usize, 0usize);
    for q in &queries {
        let t = Instant::now();
        let approx = semantic.dense.search(q, 10, |_| true, 1.0)?;
        hnsw_t.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let exact = semantic.dense.exact_search(q, 10)?;
        exact_t.push(t.elapsed().as_secs_f64());
        total += exact.len();
        hits += exact
            .iter()
            .filter(|(f, _)| approx.iter().any(|(g, _)| g == f))
            .count();
    }
    let (h50, h99) = ms(hnsw_t);
    let (e50, e99) = ms(exact_t);
    println!("  {what}: {} vectors", semantic.dense.len());
    println!("  vector search k=10, HNSW           p50 {h50:6.2} ms  p99 {h99:6.2} ms");
    println!(
        "  vector search k=10, exact (baseline) p50 {e50:5.2} ms  p99 {e99:6.2} ms  (HNSW {:.0}x faster)",
        e50 / h50.max(1e-9)
    );
    println!(
        "  recall@10 of HNSW against exact    {:8.4}  ({} queries)",
        hits as f64 / total.max(1) as f64,
        queries.len()
    );
    Ok(())
}
