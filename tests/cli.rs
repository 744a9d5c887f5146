//! The command line, run as a user runs it: exit codes, output formats, messages.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{csv_column, distinct, esco_ld, fixture};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A command that must succeed and print one JSON value.
fn json_of(args: &[&str]) -> serde_json::Value {
    let out = esco_ld(args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn loaded() -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store").display().to_string();
    let esco = fixture("esco").display().to_string();
    let onet = fixture("crosswalks/onet_esco_crosswalk_subset.csv")
        .display()
        .to_string();
    let out = esco_ld(&[
        "load",
        "--store",
        &store,
        "--release",
        "1.1.1",
        &esco,
        &onet,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let occupations = distinct(csv_column(
        &fixture("esco/occupations_en.csv"),
        "conceptUri",
    ))
    .len();
    assert!(
        stdout(&out).contains(&format!("{occupations} occupations")),
        "{}",
        stdout(&out)
    );
    (tmp, store)
}

const OCC: &str = "http://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86";

#[test]
fn query_prints_sparql_tsv_by_default_and_other_formats_on_request() {
    let (_tmp, store) = loaded();
    let q = format!("SELECT ?label WHERE {{ <{OCC}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?label FILTER(LANG(?label) = 'en') }}");
    let out = esco_ld(&["query", "--store", &store, &q]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "?label\n\"software analyst\"@en\n");

    let out = esco_ld(&["query", "--store", &store, "--format", "json", &q]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["results"]["bindings"][0]["label"]["value"],
        "software analyst"
    );
    assert_eq!(json["results"]["bindings"][0]["label"]["xml:lang"], "en");

    let out = esco_ld(&["query", "--store", &store, "--format", "csv", &q]);
    assert_eq!(stdout(&out), "label\r\nsoftware analyst\r\n");

    let construct = format!("CONSTRUCT {{ <{OCC}> ?p ?o }} WHERE {{ <{OCC}> ?p ?o }}");
    let out = esco_ld(&["query", "--store", &store, "--format", "nt", &construct]);
    assert!(stdout(&out).contains(&format!(
        "<{OCC}> <http://www.w3.org/2004/02/skos/core#prefLabel> \"software analyst\"@en ."
    )));
    let out = esco_ld(&["query", "--store", &store, "--format", "ttl", &construct]);
    assert!(stdout(&out).contains("skos:prefLabel"), "{}", stdout(&out));
}

#[test]
fn query_errors_are_clear_and_exit_non_zero() {
    let (_tmp, store) = loaded();
    let out = esco_ld(&["query", "--store", &store, "SELECT ?x WHERE { ?x ?y }"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: ") && stderr(&out).contains("1:"),
        "{}",
        stderr(&out)
    );

    let out = esco_ld(&[
        "query",
        "--store",
        &store,
        "--format",
        "ttl",
        "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("use --format json, xml, csv or tsv"),
        "{}",
        stderr(&out)
    );

    let out = esco_ld(&["query", "--store", "/nonexistent/store", "ASK {}"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no store here"), "{}", stderr(&out));

    let out = esco_ld(&["query", "--store", &store, "--format", "yaml", "ASK {}"]);
    assert_eq!(out.status.code(), Some(2), "bad flags are usage errors");
}

#[test]
fn a_query_over_its_time_limit_is_stopped() {
    let (_tmp, store) = loaded();
    let heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";
    let started = std::time::Instant::now();
    let out = esco_ld(&["query", "--store", &store, "--timeout", "0.5", heavy]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("time limit"), "{}", stderr(&out));
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn dump_then_load_the_dump_gives_the_same_store() {
    let (tmp, store) = loaded();
    let file = tmp.path().join("all.nq.gz").display().to_string();
    let out = esco_ld(&["dump", "--store", &store, &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    let copy = tmp.path().join("copy").display().to_string();
    assert!(esco_ld(&["load", "--store", &copy, &file]).status.success());
    let q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }";
    assert_eq!(
        stdout(&esco_ld(&["query", "--store", &store, q])),
        stdout(&esco_ld(&["query", "--store", &copy, q]))
    );
    let out = esco_ld(&[
        "dump",
        "--store",
        &store,
        &tmp.path().join("all.ttl").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("N-Quads (.nq) or TriG (.trig)"),
        "{}",
        stderr(&out)
    );
    assert!(!Path::new(&tmp.path().join("all.ttl")).exists());
}

#[test]
fn check_reports_every_rule() {
    let (_tmp, store) = loaded();
    let out = esco_ld(&["check", "--store", &store]);
    assert!(out.status.success(), "{}", stderr(&out));
    for rule in [
        "preflabel-unique",
        "broader-cycle",
        "disjoint-classes",
        "not-in-scheme",
        "dangling-relation",
        "dangling-mapping",
        "duplicate-preflabel",
    ] {
        assert!(
            stdout(&out).contains(rule),
            "{rule} missing from {}",
            stdout(&out)
        );
    }
    let out = esco_ld(&["check", "--store", &store, "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), 7);
}

#[test]
fn a_bad_source_is_an_error_and_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store").display().to_string();
    let out = esco_ld(&["load", "--store", &store, "/nonexistent/source.zip"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("/nonexistent/source.zip"),
        "{}",
        stderr(&out)
    );
    let notes = tmp.path().join("notes.csv");
    std::fs::write(&notes, "a,b\n1,2\n").unwrap();
    let out = esco_ld(&["load", "--store", &store, &notes.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("neither an ESCO bundle table"),
        "{}",
        stderr(&out)
    );
    let out = esco_ld(&[
        "load",
        "--store",
        &store,
        &fixture("esco").display().to_string(),
    ]);
    assert!(stderr(&out).contains("pass --release"), "{}", stderr(&out));
    assert!(!tmp.path().join("store").exists());
    let out = esco_ld(&[
        "crosswalk",
        "import",
        "--store",
        &store,
        &fixture("esco/skills_en.csv").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn crosswalk_import_adds_a_crosswalk_to_a_store() {
    let (_tmp, store) = loaded();
    let onet = fixture("crosswalks/onet_esco_crosswalk_subset.csv")
        .display()
        .to_string();
    let out = esco_ld(&[
        "crosswalk",
        "import",
        "--store",
        &store,
        "--id",
        "onet-subset",
        &onet,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("crosswalk onet-subset"),
        "{}",
        stdout(&out)
    );
    let q = "ASK { GRAPH <http://data.europa.eu/esco/crosswalk/onet-subset> { ?a <http://www.w3.org/2004/02/skos/core#closeMatch> ?b } }";
    assert_eq!(stdout(&esco_ld(&["query", "--store", &store, q])), "true\n");
}

#[test]
fn search_finds_labels_and_refuses_bad_flags() {
    let (tmp, store) = loaded();
    let body = json_of(&[
        "search",
        "--store",
        &store,
        "--type",
        "occupation",
        "--json",
        "software analyst",
    ]);
    assert_eq!(body["hits"][0]["uri"], OCC);
    assert_eq!(body["hits"][0]["matched_kind"], "preferred");
    // The index now lives beside the store; a second run reuses it as it is.
    assert!(tmp.path().join("store.search/meta.json").is_file());
    let out = esco_ld(&["search", "--store", &store, "--suggest", "softw anal"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(OCC), "{}", stdout(&out));
    assert!(
        !stderr(&out).contains("concepts indexed"),
        "{}",
        stderr(&out)
    );
    // Bad flag values are usage errors (2); what the store cannot answer is an error (1).
    for (args, code, needle) in [
        (vec!["--type", "planet"], 2, "unknown type"),
        (vec!["--language", "xx"], 1, "no labels in language"),
        (vec!["--limit", "0"], 2, "--limit"),
    ] {
        let mut all = vec!["search", "--store", &store];
        all.extend(args);
        all.push("nurse");
        let out = esco_ld(&all);
        assert_eq!(out.status.code(), Some(code), "{all:?}");
        assert!(stderr(&out).contains(needle), "{all:?}: {}", stderr(&out));
    }
}

#[test]
fn crosswalks_are_listed_and_exported_and_an_export_imports_back_the_same() {
    let (tmp, store) = loaded();
    let out = esco_ld(&["crosswalk", "list", "--store", &store]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listing = stdout(&out);
    let first = listing.lines().next().unwrap();
    let id = first.split('\t').next().unwrap().to_owned();
    let links: u64 = first
        .rsplit('\t')
        .next()
        .unwrap()
        .split(' ')
        .map(|kv| kv.split('=').nth(1).unwrap().parse::<u64>().unwrap())
        .sum();
    assert!(links > 0, "{listing}");

    // SSSOM: the metadata block, then one row per link.
    let out = esco_ld(&[
        "crosswalk",
        "export",
        "--store",
        &store,
        "--format",
        "sssom",
        &id,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sssom = stdout(&out);
    assert!(sssom.contains("# mapping_set_id: http://data.europa.eu/esco/crosswalk/"));
    assert!(sssom.contains("# license: "));
    let rows: Vec<&str> = sssom.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        rows[0],
        "subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\tmapping_justification"
    );
    assert_eq!(rows.len() as u64 - 1, links);
    assert!(rows[1..]
        .iter()
        .all(|r| r.split('\t').count() == 6 && r.ends_with("semapv:ManualMappingCuration")));

    // SKOS: Turtle that parses and holds every link.
    let out = esco_ld(&[
        "crosswalk",
        "export",
        "--store",
        &store,
        "--format",
        "skos",
        &id,
    ]);
    let turtle = out.stdout;
    let triples: Vec<_> = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::Turtle)
        .for_slice(&turtle)
        .collect::<Result<_, _>>()
        .unwrap();
    let mapping = triples
        .iter()
        .filter(|q| {
            q.predicate
                .as_str()
                .starts_with("http://www.w3.org/2004/02/skos/core#")
                && q.predicate.as_str().ends_with("Match")
        })
        .count() as u64;
    assert_eq!(mapping, links);

    // EURES: exported, imported into a store with the same ESCO data, exported again: the same.
    let out = esco_ld(&[
        "crosswalk",
        "export",
        "--store",
        &store,
        "--format",
        "eures",
        &id,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let eures = stdout(&out);
    assert!(eures.starts_with("Mapping project name,"));
    assert!(eures.contains("\n\n\nClassification 1 URI,Classification 1 PrefLabel,Classification 1 URL,Classification 2 ID,Classification 2 PrefLabel,Classification 2 URL,Mapping relation\n"));
    let file = tmp.path().join("export.csv");
    std::fs::write(&file, &eures).unwrap();
    let other = tmp.path().join("other").display().to_string();
    let esco = fixture("esco").display().to_string();
    let out = esco_ld(&["load", "--store", &other, "--release", "1.1.1", &esco]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = file.display().to_string();
    let out = esco_ld(&[
        "crosswalk",
        "import",
        "--store",
        &other,
        "--id",
        "round-trip",
        &file,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = esco_ld(&[
        "crosswalk",
        "export",
        "--store",
        &other,
        "--format",
        "eures",
        "round-trip",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), eures);

    // Errors.
    let out = esco_ld(&[
        "crosswalk",
        "export",
        "--store",
        &store,
        "no-such-crosswalk",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "no crosswalk \"no-such-crosswalk\" in the store (crosswalks: {id}"
        )),
        "{}",
        stderr(&out)
    );
    let out = esco_ld(&[
        "crosswalk",
        "export",
        "--store",
        &store,
        "--format",
        "xml",
        &id,
    ]);
    // A bad flag value is a usage error, naming the formats there are.
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid value 'xml' for '--format")
            && stderr(&out).contains("sssom, eures, skos"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn match_with_the_static_model_and_staged_flag_errors() {
    let (_tmp, store) = loaded();
    let fast = crate::common::static_model().display().to_string();
    // The static model alone: method fast, the developer first.
    let out = esco_ld(&[
        "match",
        "--store",
        &store,
        "--model",
        &fast,
        "--json",
        "software developer",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["method"], "fast", "{json}");
    assert_eq!(
        json["candidates"][0]["uri"],
        "http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1"
    );
    // --staged with --no-model is a usage error; where it has no meaning, a clear refusal.
    let out = esco_ld(&[
        "match",
        "--store",
        &store,
        "--staged",
        "--no-model",
        "nurse",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // --no-model wins over a model named in the environment: lexical matching.
    let out = Command::new(env!("CARGO_BIN_EXE_esco-ld"))
        .args([
            "match",
            "--store",
            &store,
            "--no-model",
            "--json",
            "software developer",
        ])
        .env("ESCO_LD_MODEL", &fast)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["method"], "lexical", "{json}");
    // The occupation pillar as a table: an ISCO group row names the occupation it came through.
    let out = esco_ld(&[
        "match",
        "--store",
        &store,
        "--no-model",
        "--target",
        "occupations,isco-groups",
        "software developer",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = table.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows[0].last(), Some(&"via"), "{table}");
    assert!(rows.iter().all(|r| r.len() == rows[0].len()), "{table}");
    assert_eq!(rows[1][8], "-", "{table}");
    let group = rows
        .iter()
        .find(|r| r[4].contains("/esco/isco/"))
        .unwrap_or_else(|| panic!("no group: {table}"));
    assert!(group[8].contains("/esco/occupation/"), "{table}");
    assert!(rows.iter().any(|r| r[4] == group[8]), "{table}");
    // A flag a command does nothing with is refused as a usage error.
    let out = esco_ld(&["index", "build", "--store", &store, "--staged"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unexpected argument '--staged'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn match_in_one_label_language_and_eval_on_reachable_rows() {
    let (tmp, store) = loaded();
    // Labels in French only: every candidate matched on a French form.
    let json = json_of(&[
        "match",
        "--store",
        &store,
        "--no-model",
        "--esco-language",
        "FR",
        "--json",
        "analyste logiciel",
    ]);
    let candidates = json["candidates"].as_array().unwrap();
    assert_eq!(candidates[0]["uri"], OCC, "{json}");
    assert!(
        candidates.iter().all(|c| c["matched_language"] == "fr"),
        "{json}"
    );
    let out = esco_ld(&[
        "match",
        "--store",
        &store,
        "--no-model",
        "--esco-language",
        "fr_FR!",
        "nurse",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("\"fr_FR!\" is not a language tag")
            && stderr(&out).contains("--esco-language"),
        "{}",
        stderr(&out)
    );
    // A table with a row mapped to an occupation and one mapped to an ISCO group only.
    let table = tmp.path().join("XX_mapping.csv");
    std::fs::write(
        &table,
        format!(
            "Mapping project name,ESCO - XX\nClassification 2 Language,en\n,\n\
             Classification 1 URI,Classification 2 ID,Classification 2 PrefLabel,Mapping relation\n\
             {OCC},1,software analyst,exactMatch\n\
             http://data.europa.eu/esco/isco/C2512,2,software developers,narrowMatch\n"
        ),
    )
    .unwrap();
    let table = table.display().to_string();
    let eval = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            "--store",
            &store,
            "--no-model",
            "--crosswalk",
            &table,
            "--json",
        ];
        args.extend_from_slice(extra);
        json_of(&args)
    };
    // Occupations only: the group's row is counted, as a miss.
    let all = eval(&[]);
    assert_eq!(all["overall"]["queries"], 2, "{all}");
    assert_eq!(all["unreachable"], 1, "{all}");
    assert_eq!(all["overall"]["top_1"], 0.5, "{all}");
    // Left out on request.
    let reachable = eval(&["--reachable-only"]);
    assert_eq!(reachable["overall"]["queries"], 1, "{reachable}");
    assert_eq!(reachable["unreachable"], 1, "{reachable}");
    assert_eq!(reachable["overall"]["mrr"], 1.0, "{reachable}");
    // With the groups in the target, both rows are reachable.
    let pillar = eval(&["--reachable-only", "--target", "occupations,isco-groups"]);
    assert_eq!(pillar["overall"]["queries"], 2, "{pillar}");
    assert_eq!(pillar["unreachable"], 0, "{pillar}");
    // The table says so.
    let out = esco_ld(&[
        "eval",
        "--store",
        &store,
        "--no-model",
        "--crosswalk",
        &table,
        "--reachable-only",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 queries left out: no gold answer within the target"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn every_bad_flag_value_is_a_usage_error_naming_its_flag() {
    // Each fails before anything runs (no store is needed): exit 2 with clap's message.
    for (args, flag) in [
        (vec!["serve", "--query-timeout", "0"], "--query-timeout"),
        (vec!["serve", "--base-uri", "http://x/esco"], "--base-uri"),
        (vec!["serve", "--admin-token", "short"], "--admin-token"),
        (vec!["serve", "--staged"], "--staged"),
        (vec!["query", "--timeout", "0", "ASK {}"], "--timeout"),
        (vec!["match", "-k", "0", "nurse"], "--k"),
        (
            vec!["match", "--language", "not a tag", "nurse"],
            "--language",
        ),
        (vec!["match", "--target", "planets", "nurse"], "--target"),
        (vec!["search", "--type", "planet", "nurse"], "--type"),
        (
            vec!["eval", "--crosswalk", "x.csv", "--relations", "sibling"],
            "--relations",
        ),
        (
            vec!["model", "tune", "--out", "x", "--holdout", "1"],
            "--holdout",
        ),
        (vec!["map", "export", "--format", "pdf", "p"], "--format"),
        (vec!["map", "suggest", "--staged", "p"], "--staged"),
        (vec!["map", "create", "-k", "0", "p"], "-k"),
        (
            vec!["map", "create", "--language", "no tag", "p"],
            "--language",
        ),
        (vec!["user", "add", "--role", "boss", "ana"], "--role"),
        (
            vec!["search", "--language", "no tag", "nurse"],
            "--language",
        ),
    ] {
        let out = esco_ld(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(flag), "{args:?}: {}", stderr(&out));
    }
}
