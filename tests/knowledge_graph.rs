//! The knowledge graph: the fixture bundle converted, crosswalks, round trips, failures that
//! leave the store as it was, and the shipped data with ESCO's documented figures.

use std::collections::BTreeSet;
use std::fs;

use esco_ld::store;

use crate::common::{self, ask, count, csv_column, distinct, fixture, fixture_store, quads};

const G: &str = "http://data.europa.eu/esco/graph/v1.1.1";

#[test]
fn fixture_counts_match_the_source_tables() {
    let (_tmp, dir) = fixture_store();
    let store = store::open_read_only(&dir).unwrap();
    let occupations = distinct(csv_column(
        &fixture("esco/occupations_en.csv"),
        "conceptUri",
    ));
    let skills = distinct(csv_column(&fixture("esco/skills_en.csv"), "conceptUri"));
    let isco = distinct(csv_column(&fixture("esco/ISCOGroups_en.csv"), "conceptUri"));
    let relations = csv_column(
        &fixture("esco/occupationSkillRelations.csv"),
        "relationType",
    );
    let essential = relations.iter().filter(|r| *r == "essential").count() as u64;
    for (class, expected) in [
        ("esco:Occupation", occupations.len()),
        ("esco:Skill", skills.len()),
        ("esco:ISCOGroup", isco.len()),
    ] {
        let q =
            format!("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH <{G}> {{ ?c a {class} }} }}");
        assert_eq!(count(&store, &q), expected as u64, "{class}");
    }
    assert_eq!(count(&store, "SELECT (COUNT(*) AS ?n) WHERE { ?o esco:relatedEssentialSkill ?s . ?o a esco:Occupation }"), essential);
    assert_eq!(
        count(
            &store,
            "SELECT (COUNT(*) AS ?n) WHERE { ?s esco:isOptionalSkillFor ?o }"
        ),
        relations.len() as u64 - essential
    );
    // Every concept of the fixture has its English and (for occupations) French preferred label.
    assert_eq!(
        count(&store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a esco:Occupation ; skos:prefLabel ?l FILTER(LANG(?l) = 'fr') }"),
        distinct(csv_column(&fixture("esco/occupations_fr.csv"), "conceptUri")).len() as u64
    );
}

#[test]
fn exact_triples_of_the_fixture() {
    let (_tmp, dir) = fixture_store();
    let store = store::open_read_only(&dir).unwrap();
    let occ = "<http://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86>";
    let skill = "<http://data.europa.eu/esco/skill/0ee94c0a-3716-494a-95a2-dcbab9e58be2>";
    for triple in [
        format!("{occ} a skos:Concept , esco:Occupation"),
        format!("{occ} skos:prefLabel \"software analyst\"@en"),
        format!("{occ} skos:prefLabel \"analyste logiciel\"@fr"),
        format!("{occ} skos:altLabel \"programming analyst\"@en"),
        format!("{occ} esco:memberOfISCOGroup <http://data.europa.eu/esco/isco/C2512>"),
        format!("{occ} skos:inScheme <http://data.europa.eu/esco/concept-scheme/occupations>"),
        format!("{occ} esco:relatedEssentialSkill {skill}"),
        format!("{skill} esco:isEssentialSkillFor {occ}"),
        format!("{skill} a esco:Skill , esco:Knowledge"),
        format!("{skill} esco:skillType <http://data.europa.eu/esco/skill-type/knowledge>"),
        format!("{skill} esco:skillReuseLevel <http://data.europa.eu/esco/skill-reuse-level/sector-specific>"),
        format!("{skill} skos:prefLabel \"business requirements techniques\"@en"),
        "<http://data.europa.eu/esco/isco/C2512> skos:notation \"2512\" ; skos:prefLabel \"Software developers\"@en".into(),
        "<http://data.europa.eu/esco/isco/C22> skos:broader <http://data.europa.eu/esco/isco/C2>".into(),
        "<http://data.europa.eu/esco/isco/C2> skos:narrower <http://data.europa.eu/esco/isco/C22>".into(),
        format!("<http://data.europa.eu/esco/classification/onet/15-1211.00> skos:closeMatch {occ}"),
        "<http://data.europa.eu/esco/classification/onet/15-1211.00> skos:prefLabel \"Computer Systems Analysts\"@en ; skos:notation \"15-1211.00\" ; skos:inScheme <http://data.europa.eu/esco/classification/onet>".into(),
        "<http://data.europa.eu/esco/crosswalk/esco-onet-crosswalk> a void:Linkset ; dcterms:title \"ESCO-O*NET Crosswalk\"".into(),
    ] {
        assert!(ask(&store, &format!("ASK {{ {triple} }}")), "missing: {triple}");
    }
    // The release graph holds the ESCO triples; the crosswalk its own graph.
    assert!(ask(
        &store,
        &format!("ASK {{ GRAPH <{G}> {{ {occ} esco:relatedEssentialSkill {skill} }} }}")
    ));
    assert!(ask(&store, &format!("ASK {{ GRAPH <http://data.europa.eu/esco/crosswalk/esco-onet-crosswalk> {{ ?onet skos:closeMatch {occ} }} }}")));
    assert!(!ask(
        &store,
        &format!("ASK {{ GRAPH <{G}> {{ ?onet skos:closeMatch {occ} }} }}")
    ));
    // The linkset's counts are the links in its graph.
    let declared = count(&store, "SELECT ?n WHERE { <http://data.europa.eu/esco/crosswalk/esco-onet-crosswalk> void:triples ?n }");
    let links = count(&store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://data.europa.eu/esco/crosswalk/esco-onet-crosswalk> { ?a ?p ?b VALUES ?p { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch } } }");
    assert_eq!(declared, links);
    assert_eq!(
        links,
        csv_rows_after_header(&fixture("crosswalks/onet_esco_crosswalk_subset.csv"))
    );
}

fn csv_rows_after_header(path: &std::path::Path) -> u64 {
    let text = fs::read_to_string(path).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let records: Vec<_> = reader.records().map(Result::unwrap).collect();
    let header = records
        .iter()
        .position(|r| r.get(0) == Some("O*NET Id"))
        .unwrap();
    (records.len() - header - 1) as u64
}

#[test]
fn every_term_the_store_uses_is_declared_in_the_ontology() {
    let (_tmp, dir) = fixture_store();
    let store = store::open_read_only(&dir).unwrap();
    let undeclared = esco_ld::sparql::select(
        &store,
        "SELECT DISTINCT ?term WHERE {
           { ?s ?term ?o } UNION { ?s a ?term }
           FILTER (!STRSTARTS(STR(?term), 'http://www.w3.org/2004/02/skos/core#'))
           FILTER (!STRSTARTS(STR(?term), 'http://purl.org/dc/terms/'))
           FILTER (!STRSTARTS(STR(?term), 'http://www.w3.org/1999/02/22-rdf-syntax-ns#'))
           FILTER (!STRSTARTS(STR(?term), 'http://www.w3.org/2000/01/rdf-schema#'))
           FILTER NOT EXISTS { GRAPH <http://data.europa.eu/esco/graph/ontology> { ?term ?p ?v } }
         }",
    )
    .unwrap();
    assert!(undeclared.is_empty(), "undeclared terms: {undeclared:?}");
}

#[test]
fn dump_and_load_round_trip_loses_nothing() {
    let (tmp, dir) = fixture_store();
    let original = quads(&store::open_read_only(&dir).unwrap());
    for name in ["dump.nq", "dump.trig", "dump.nq.gz"] {
        let file = tmp.path().join(name);
        let n = store::dump(&store::open_read_only(&dir).unwrap(), &file).unwrap();
        assert_eq!(n as usize, original.len());
        let copy = tmp.path().join(format!("copy-{name}"));
        common::load(&copy, &[file], None).unwrap();
        assert_eq!(
            quads(&store::open_read_only(&copy).unwrap()),
            original,
            "{name}"
        );
    }
}

#[test]
fn a_failed_load_leaves_the_store_exactly_as_it_was() {
    let (tmp, dir) = fixture_store();
    let before = quads(&store::open_read_only(&dir).unwrap());
    let bad = tmp.path().join("esco-v1.1.1-bad");
    fs::create_dir(&bad).unwrap();
    fs::write(
        bad.join("occupations_en.csv"),
        "conceptType,conceptUri,preferredLabel\r\nOccupation,http://data.europa.eu/esco/occupation/x,ok\r\nOccupation,\"not an iri\",bad\r\n",
    )
    .unwrap();
    fs::write(
        bad.join("occupationSkillRelations.csv"),
        "occupationUri,relationType,skillUri\r\n",
    )
    .unwrap();
    let err = common::load(&dir, &[bad], None).unwrap_err();
    assert!(
        err.contains("occupations_en.csv")
            && err.contains("line 3")
            && err.contains("conceptUri (column 2)"),
        "{err}"
    );
    assert_eq!(quads(&store::open_read_only(&dir).unwrap()), before);
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
}

#[test]
fn eures_tables_in_legacy_encodings_with_bare_ids() {
    let (tmp, dir) = fixture_store();
    let table = tmp.path().join("XX_mapping.csv");
    // Windows-1252, semicolons, bare national IDs, a relation spelled three ways, a row without one.
    let text = "Mapping project name;ESCO - XX NOC\r\nMapping project author;Ministerio\r\nMapping project version date;2021-07-31\r\n\
        Classification 2 Name;Clasificaci\u{f3}n Nacional\r\nClassification 2 Language;es\r\n;\r\n\
        Classification 1 URI;Classification 1 PrefLabel;Classification 1 URL;Classification 2 ID;Classification 2 PrefLabel;Classification 2 URL;Mapping relation\r\n\
        http://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86;analista;;2512 01;T\u{e9}cnico de software;;skos:exactMatch\r\n\
        http://data.europa.eu/esco/isco/C2512;desarrolladores;;2512;Desarrolladores;;narrowMatch\r\n\
        http://data.europa.eu/esco/isco/C22;profesionales;;22;Profesionales de la salud;;Broad Match\r\n\
        http://data.europa.eu/esco/isco/C2;profesionales;;2;Profesionales;;no relation\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    fs::write(&table, &bytes).unwrap();
    let report = common::load(&dir, std::slice::from_ref(&table), None).unwrap();
    let cw = &report.crosswalks[0];
    assert_eq!(
        (
            cw.id.as_str(),
            cw.rows,
            cw.no_relation_rows,
            cw.total_links()
        ),
        ("esco-xx-noc", 4, 1, 3)
    );
    assert!(cw.encoding.contains("windows-1252"), "{}", cw.encoding);
    let store = store::open_read_only(&dir).unwrap();
    let minted = "<http://data.europa.eu/esco/classification/clasificaci-n-nacional/2512%2001>";
    for triple in [
        format!("<http://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86> skos:exactMatch {minted}"),
        format!("{minted} skos:prefLabel \"Técnico de software\"@es ; skos:notation \"2512 01\""),
        "<http://data.europa.eu/esco/crosswalk/esco-xx-noc> dcterms:issued \"2021-07-31\"^^xsd:date ; dcterms:creator \"Ministerio\" ; void:triples 3".into(),
        "<http://data.europa.eu/esco/classification/clasificaci-n-nacional> a skos:ConceptScheme".into(),
    ] {
        assert!(ask(&store, &format!("ASK {{ {triple} }}")), "missing: {triple}");
    }
    drop(store);
    // Importing it again replaces the crosswalk's graph: nothing doubles.
    let before = quads(&store::open_read_only(&dir).unwrap());
    common::load(&dir, &[table], None).unwrap();
    assert_eq!(quads(&store::open_read_only(&dir).unwrap()), before);
}

#[test]
fn an_unknown_relation_is_an_error_naming_line_and_column() {
    let (tmp, dir) = fixture_store();
    let table = tmp.path().join("bad_mapping.csv");
    fs::write(
        &table,
        "Mapping project name,Bad\nClassification 1 URI,Classification 2 ID,Mapping relation\nhttp://data.europa.eu/esco/isco/C2,1,exactMatch\nhttp://data.europa.eu/esco/isco/C2,2,sameAs\n",
    )
    .unwrap();
    let err = common::load(&dir, &[table], None).unwrap_err();
    assert!(
        err.contains("bad_mapping.csv, line 4, column Mapping relation") && err.contains("sameAs"),
        "{err}"
    );
}

#[test]
fn labels_of_an_older_release_need_a_release_to_supplement() {
    let tmp = tempfile::tempdir().unwrap();
    let old = tmp.path().join("esco-v1.0.8");
    fs::create_dir(&old).unwrap();
    fs::write(
        old.join("occupations_de.csv"),
        "conceptUri,preferredLabel\nhttp://data.europa.eu/esco/occupation/x,Beruf\n",
    )
    .unwrap();
    let err = common::load(&tmp.path().join("store"), &[old], None).unwrap_err();
    assert!(err.contains("need a full ESCO release"), "{err}");
    assert!(!tmp.path().join("store").exists());
}

#[test]
fn older_labels_go_to_their_own_graph_for_existing_concepts_only() {
    let (tmp, dir) = fixture_store();
    let old = tmp.path().join("esco-v1.0.8");
    fs::create_dir(&old).unwrap();
    fs::write(
        old.join("occupations_de.csv"),
        "conceptUri,preferredLabel,altLabels\n\
         http://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86,Softwareanalytiker/Softwareanalytikerin,\"Softwareanalytiker\nSoftwareanalytikerin\"\n\
         http://data.europa.eu/esco/occupation/gone,Verschwunden,\n",
    )
    .unwrap();
    fs::write(old.join("occupations_en.csv"), "conceptUri,preferredLabel\nhttp://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86,old english label\n").unwrap();
    let report = common::load(&dir, &[old], None).unwrap();
    let l = &report.label_supplements[0];
    assert_eq!(
        (l.concepts, l.obsolete_concepts, l.languages_skipped.clone()),
        (1, 1, vec!["en".to_owned()])
    );
    let store = store::open_read_only(&dir).unwrap();
    let occ = "<http://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86>";
    assert!(ask(&store, &format!("ASK {{ GRAPH <http://data.europa.eu/esco/graph/v1.0.8-labels> {{ {occ} skos:prefLabel \"Softwareanalytiker/Softwareanalytikerin\"@de ; skos:altLabel \"Softwareanalytikerin\"@de }} }}")));
    assert!(ask(
        &store,
        &format!(
            "ASK {{ <http://data.europa.eu/esco/graph/v1.0.8-labels> esco:supplements <{G}> }}"
        )
    ));
    assert!(!ask(
        &store,
        "ASK { ?c skos:prefLabel \"old english label\"@en }"
    ));
    assert!(!ask(
        &store,
        "ASK { <http://data.europa.eu/esco/occupation/gone> ?p ?o }"
    ));
}

/// Skill labels of older releases (French and Spanish with alternative labels in ESCO's export
/// shape, German and Dutch preferred labels alone) label the skills that still exist, each
/// release in its own graph, and a French skill label then finds its skill.
#[test]
fn older_skill_labels_label_existing_skills_in_their_own_graphs() {
    let (tmp, dir) = fixture_store();
    let doc = "http://data.europa.eu/esco/skill/04dfd9fb-e0cf-40f6-96c6-9d2280c4347e";
    let fr = tmp.path().join("esco-v1.0.x-skills");
    let de = tmp.path().join("esco-v1.0.3-skills");
    fs::create_dir(&fr).unwrap();
    fs::create_dir(&de).unwrap();
    fs::write(
        fr.join("skills_fr.csv"),
        format!(
            "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,description\n\
             KnowledgeSkillCompetence,{doc},skill/competence,cross-sector,fournir une documentation technique,\"communiquer la documentation technique\nfournir une documentation technique\",\n\
             KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/gone,skill/competence,cross-sector,disparu,,\n"
        ),
    )
    .unwrap();
    fs::write(
        de.join("skills_de.csv"),
        format!("conceptUri,preferredLabel\n{doc},technische Dokumentation bereitstellen\n"),
    )
    .unwrap();
    let report = common::load(&dir, &[fr, de], None).unwrap();
    assert!(report.releases.is_empty(), "skill tables alone are labels");
    let by_version = |v: &str| {
        report
            .label_supplements
            .iter()
            .find(|l| l.version == v)
            .unwrap_or_else(|| panic!("no supplement {v}"))
    };
    let (old_fr, old_de) = (by_version("1.0.x"), by_version("1.0.3"));
    assert_eq!(
        (
            old_fr.concepts,
            old_fr.obsolete_concepts,
            old_fr.labels["fr"]
        ),
        (1, 1, 2),
        "the preferred label again among the alternatives is not an alternative"
    );
    assert_eq!((old_de.concepts, old_de.labels["de"]), (1, 1));
    let store = store::open_read_only(&dir).unwrap();
    let g = |v: &str| format!("http://data.europa.eu/esco/graph/v{v}-labels");
    assert!(ask(&store, &format!("ASK {{ GRAPH <{}> {{ <{doc}> skos:prefLabel \"fournir une documentation technique\"@fr ; skos:altLabel \"communiquer la documentation technique\"@fr }} }}", g("1.0.x"))));
    assert!(ask(&store, &format!("ASK {{ GRAPH <{}> {{ <{doc}> skos:prefLabel \"technische Dokumentation bereitstellen\"@de }} }}", g("1.0.3"))));
    assert!(ask(
        &store,
        &format!("ASK {{ <{}> esco:supplements <{G}> ; <http://www.w3.org/2002/07/owl#versionInfo> \"1.0.x\" }}", g("1.0.x"))
    ));
    assert!(!ask(
        &store,
        "ASK { <http://data.europa.eu/esco/skill/gone> ?p ?o }"
    ));
    let matcher = esco_ld::matching::Matcher::lexical(store::forms::Forms::read(&store).unwrap());
    let found = matcher
        .search(&esco_ld::matching::Input {
            text: "communiquer la documentation technique".into(),
            description: None,
            language: None,
            target: esco_ld::concept::Target::Skills,
            k: 3,
            label_language: None,
        })
        .unwrap();
    assert_eq!(found.candidates[0].uri, doc);
    assert_eq!(found.candidates[0].matched_language, "fr");
}

/// The shipped default data: ESCO's documented figures, every language, every crosswalk.
#[test]
fn shipped_data_loads_with_the_documented_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let report = common::load(&dir, &[data], None).unwrap();
    let r = &report.releases[0];
    assert_eq!(
        (
            r.version.as_str(),
            r.occupations,
            r.skills,
            r.isco_groups,
            r.skill_groups,
            r.occupation_skill_relations,
            r.skill_skill_relations
        ),
        ("1.1.1", 3_007, 13_896, 619, 640, 123_855, 5_899)
    );
    assert_eq!(r.essential_occupation_skill_relations, 64_946);
    let supplement = |v: &str| {
        report
            .label_supplements
            .iter()
            .find(|l| l.version == v)
            .unwrap_or_else(|| panic!("no supplement {v}"))
    };
    assert_eq!(
        supplement("1.0.8").labels.len(),
        24,
        "26 languages less en and fr"
    );
    // ESCO's skill labels of older releases, for the skills of v1.1.1 (figures of
    // data/README.md); French skills of v1.1.1's collections keep their v1.1.1 labels.
    let (old, de_nl) = (supplement("1.0.x"), supplement("1.0.3"));
    for (l, lang, skills) in [
        (old, "fr", 13_379),
        (old, "es", 13_379),
        (de_nl, "de", 12_310),
        (de_nl, "nl", 5_418),
    ] {
        let kept = l.already_labelled.get(lang).copied().unwrap_or(0);
        assert_eq!(l.concepts_per_language[lang] + kept, skills, "{lang}");
        assert!(l.labels[lang] >= l.concepts_per_language[lang], "{lang}");
    }
    assert_eq!(old.already_labelled.get("es"), None);
    assert!(old.labels["es"] > 30_000, "Spanish alternative labels");
    assert_eq!(report.crosswalks.len(), 5);
    let onet = report
        .crosswalks
        .iter()
        .find(|c| c.id == "esco-onet-crosswalk")
        .unwrap();
    assert_eq!(onet.rows, 4_253);
    assert_eq!(onet.foreign_concepts, 940);
    assert!(!report.integrity.has_violations());
    let store = store::open_read_only(&dir).unwrap();
    assert_eq!(count(&store, "SELECT (COUNT(*) AS ?n) WHERE { ?s a skos:ConceptScheme FILTER STRSTARTS(STR(?s), 'http://data.europa.eu/esco/concept-scheme/') }"), 19);
    assert_eq!(
        count(
            &store,
            "SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE { ?c skos:prefLabel ?x BIND(LANG(?x) AS ?l) }"
        ),
        26
    );
}

#[test]
fn one_load_at_a_time() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    // A lock held by a live process (this one) refuses the load; the store is not created.
    let lock = tmp.path().join(".store.load-lock");
    fs::write(&lock, std::process::id().to_string()).unwrap();
    let err = common::load(&dir, &common::fixture_sources(), Some("1.1.1")).unwrap_err();
    assert!(
        err.contains("another load into this store is running"),
        "{err}"
    );
    assert!(!dir.exists());
    // A lock left by a process that is gone is taken over, and released after the load.
    fs::write(&lock, "4294967").unwrap();
    common::load(&dir, &common::fixture_sources(), Some("1.1.1")).unwrap();
    assert!(!lock.exists());
}

#[test]
fn describing_with_the_label_table_equals_describing_from_the_indexes() {
    use esco_ld::describe::{describe, Labels};
    let (_dir, path) = fixture_store();
    let store = store::open(&path).unwrap();
    let labels = Labels::read(&store).unwrap();
    assert!(!labels.is_empty());
    let mut compared = 0;
    for quad in store.quads_for_pattern(None, Some(esco_ld::vocab::rdf::TYPE), None, None) {
        let oxigraph::model::NamedOrBlankNode::NamedNode(iri) = quad.unwrap().subject else {
            continue;
        };
        let set = |ts: Vec<oxigraph::model::Triple>| {
            ts.into_iter()
                .map(|t| t.to_string())
                .collect::<BTreeSet<_>>()
        };
        let fast = set(describe(&store, Some(&labels), &iri).unwrap());
        let slow = set(describe(&store, None, &iri).unwrap());
        assert!(!fast.is_empty());
        assert_eq!(fast, slow, "{iri}");
        compared += 1;
    }
    assert!(compared > 50, "{compared}");
}
