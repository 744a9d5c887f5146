//! Label search and autocomplete: a full-text index (tantivy) over every label (preferred,
//! alternative, hidden) and code of every occupation, skill, ISCO group and skill group, one
//! document per label, kept beside the store and brought in step with it concept by concept.
//!
//! Analysis: words are case- and accent-folded (the matcher's [`fold`]); a label in a language
//! with a Snowball stemmer is also indexed stemmed in that language's field; every word prefix
//! (up to [`MAX_PREFIX`] characters) is indexed for autocomplete.
//!
//! Scores are in [0, 1]: 1 means the text is the concept's preferred label (after folding).
//! A label's score is `q × (0.5 + 0.5 c) × k`: `q` how well the query's words matched (1 each
//! for an exact word, 0.9 stemmed, 0.7 a prefix — of the last word of a search, of any word
//! of an autocomplete —, 0.6 one typo away, 0.4 two, averaged), `c` the share of
//! the label's words the query covers, `k` the kind of label (1 preferred, 0.9 code, 0.85
//! alternative, 0.7 hidden). A concept scores as its best label.

pub mod service;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query,
    TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer,
    WhitespaceTokenizer,
};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal,
    SegmentReader, TantivyDocument, Term,
};

use crate::concept::Class;
use crate::store::forms::{FormKind, Forms};
use crate::text::fold;

/// Longest word prefix indexed for autocomplete; longer query words are cut to it.
pub const MAX_PREFIX: usize = 20;
/// Most results one request may ask for.
pub const MAX_LIMIT: usize = 1000;

/// Languages with a stemmer, by ESCO language tag.
const STEMMERS: &[(&str, Language)] = &[
    ("ar", Language::Arabic),
    ("da", Language::Danish),
    ("de", Language::German),
    ("el", Language::Greek),
    ("en", Language::English),
    ("es", Language::Spanish),
    ("fi", Language::Finnish),
    ("fr", Language::French),
    ("hu", Language::Hungarian),
    ("it", Language::Italian),
    ("nl", Language::Dutch),
    ("no", Language::Norwegian),
    ("pt", Language::Portuguese),
    ("ro", Language::Romanian),
    ("sv", Language::Swedish),
];

/// What can go wrong with the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The request is not valid.
    #[error("{0}")]
    Input(String),
    /// A fault of the service (a poisoned lock, an index not opened): never the client's.
    #[error("{0}")]
    Internal(&'static str),
    /// Reading the store failed.
    #[error(transparent)]
    Storage(#[from] oxigraph::store::StorageError),
    /// The index failed.
    #[error("search index")]
    Index(#[from] tantivy::TantivyError),
    /// The index folder could not be prepared.
    #[error("search index folder {}", path.display())]
    Io {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// What kind of label a hit matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelKind {
    /// `skos:prefLabel`.
    Preferred,
    /// `skos:altLabel`.
    Alternative,
    /// `skos:hiddenLabel`.
    Hidden,
    /// `skos:notation`.
    Code,
}

impl LabelKind {
    const ALL: [Self; 4] = [Self::Preferred, Self::Alternative, Self::Hidden, Self::Code];

    fn name(self) -> &'static str {
        match self {
            Self::Preferred => "preferred",
            Self::Alternative => "alternative",
            Self::Hidden => "hidden",
            Self::Code => "code",
        }
    }

    fn weight(self) -> f32 {
        match self {
            Self::Preferred => 1.0,
            Self::Code => 0.9,
            Self::Alternative => 0.85,
            Self::Hidden => 0.7,
        }
    }

    fn rank(self) -> u64 {
        match self {
            Self::Preferred => 0,
            Self::Alternative => 1,
            Self::Hidden => 2,
            Self::Code => 3,
        }
    }

    fn from_rank(rank: u64) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.rank() == rank)
            .unwrap_or(Self::Hidden)
    }
}

/// The classes a `type` parameter names: a class ([`Class`]'s words: `occupation`, `skill`,
/// `isco-group` or `isco`, `skill-group`, plurals too), or `concept` (`any`) for any.
pub fn parse_type(value: &str) -> Result<Vec<Class>, SearchError> {
    match value.parse::<crate::concept::Target>() {
        Ok(crate::concept::Target::Any) => Ok(Vec::new()),
        Ok(t) if t.class().is_some() => Ok(t.class().into_iter().collect()),
        _ => Err(SearchError::Input(format!(
            "unknown type {value:?}: use occupation, skill, isco-group, skill-group or concept"
        ))),
    }
}

/// The classes a `type` value names, as a command-line value (empty: any class).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Classes(pub Vec<Class>);

impl std::str::FromStr for Classes {
    type Err = SearchError;

    fn from_str(value: &str) -> Result<Self, SearchError> {
        parse_type(value).map(Self)
    }
}

/// How the query's words are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Whole words, stems, prefixes and typos; if no label has every word, labels with some.
    Search,
    /// Autocomplete: every word of the text starts a word of the label.
    Suggest,
}

/// A search request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The text (`*` lists every concept).
    pub text: String,
    /// Only labels in this language (codes always count).
    pub language: Option<String>,
    /// Only concepts of these classes (any when empty).
    pub classes: Vec<Class>,
    /// Only concepts in one of these schemes (any when empty).
    pub schemes: Vec<String>,
    /// Whether alternative and hidden labels count (otherwise preferred labels and codes).
    pub alternative: bool,
    /// Search or autocomplete.
    pub mode: Mode,
    /// Results to skip.
    pub offset: usize,
    /// Results to return.
    pub limit: usize,
}

/// One concept found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    /// Its IRI.
    pub uri: String,
    /// Its class.
    #[serde(rename = "type")]
    pub class: Class,
    /// The label (or code) that matched best.
    pub matched: String,
    /// What that label is.
    pub matched_kind: LabelKind,
    /// Its language (empty for codes).
    pub matched_language: String,
    /// Score in [0, 1] (see the module documentation).
    pub score: f32,
}

/// A page of results.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Results {
    /// Concepts found in all.
    pub total: usize,
    /// The requested page, best first.
    pub hits: Vec<Hit>,
}

/// What a [`SearchIndex::sync`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    /// Concepts (re)indexed.
    pub indexed: usize,
    /// Concepts removed.
    pub removed: usize,
    /// Concepts already in step.
    pub unchanged: usize,
    /// Label documents written.
    pub documents: usize,
}

#[derive(Debug, Clone)]
struct Fields {
    concept: Field,
    hash: Field,
    uri: Field,
    class: Field,
    scheme: Field,
    kind: Field,
    rank: Field,
    lang: Field,
    label: Field,
    words: Field,
    plain: Field,
    edges: Field,
    stems: HashMap<&'static str, Field>,
}

const WS: &str = "esco_ws";

fn stem_tokenizer(lang: &str) -> String {
    format!("esco_stem_{lang}")
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |tokenizer: &str, record: IndexRecordOption| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(record),
        )
    };
    let concept = b.add_u64_field("concept", INDEXED | FAST);
    let hash = b.add_u64_field("hash", FAST);
    let uri = b.add_text_field("uri", STRING | STORED);
    let class = b.add_text_field("class", STRING | STORED);
    let scheme = b.add_text_field("scheme", STRING);
    let kind = b.add_text_field("kind", STRING);
    let rank = b.add_u64_field("rank", FAST | STORED);
    let lang = b.add_text_field("lang", STRING | STORED);
    let label = b.add_text_field("label", STORED);
    let words = b.add_u64_field("words", FAST);
    let plain = b.add_text_field("plain", text(WS, IndexRecordOption::WithFreqs));
    let edges = b.add_text_field("edges", text(WS, IndexRecordOption::Basic));
    let stems = STEMMERS
        .iter()
        .map(|(tag, _)| {
            let name = format!("stem_{tag}");
            (
                *tag,
                b.add_text_field(
                    &name,
                    text(&stem_tokenizer(tag), IndexRecordOption::WithFreqs),
                ),
            )
        })
        .collect();
    let fields = Fields {
        concept,
        hash,
        uri,
        class,
        scheme,
        kind,
        rank,
        lang,
        label,
        words,
        plain,
        edges,
        stems,
    };
    (b.build(), fields)
}

fn register_tokenizers(index: &Index) {
    let tokenizers = index.tokenizers();
    tokenizers.register(WS, TextAnalyzer::from(WhitespaceTokenizer::default()));
    for (tag, language) in STEMMERS {
        tokenizers.register(
            &stem_tokenizer(tag),
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(LowerCaser)
                .filter(Stemmer::new(*language))
                .filter(AsciiFoldingFilter)
                .build(),
        );
    }
}

/// The folded words of a text.
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn prefix(word: &str) -> String {
    word.chars().take(MAX_PREFIX).collect()
}

/// Every prefix of every word, space-separated.
fn edge_text(words: &[String]) -> String {
    let mut out = String::new();
    for w in words {
        let mut p = String::new();
        for c in w.chars().take(MAX_PREFIX) {
            p.push(c);
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&p);
        }
    }
    out
}

/// A stable 64-bit key of a text (FNV-1a), the same in every process.
fn key(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The labels of one concept, as indexed.
struct ConceptDocs<'f> {
    uri: &'f str,
    class: Class,
    schemes: Vec<&'f str>,
    labels: Vec<(LabelKind, &'f str, &'f str)>,
}

impl ConceptDocs<'_> {
    fn hash(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.uri.hash(&mut h);
        self.class.name().hash(&mut h);
        self.schemes.hash(&mut h);
        for (kind, lang, text) in &self.labels {
            kind.rank().hash(&mut h);
            lang.hash(&mut h);
            text.hash(&mut h);
        }
        h.finish()
    }
}

fn concept_docs(forms: &Forms) -> Vec<ConceptDocs<'_>> {
    let mut docs: Vec<ConceptDocs<'_>> = forms
        .concepts
        .iter()
        .map(|c| ConceptDocs {
            uri: c.iri.as_str(),
            class: c.class,
            schemes: c.schemes.iter().map(|s| s.as_str()).collect(),
            labels: c
                .codes
                .iter()
                .map(|code| (LabelKind::Code, "", code.as_str()))
                .collect(),
        })
        .collect();
    for f in &forms.forms {
        let kind = match f.kind {
            FormKind::Preferred => LabelKind::Preferred,
            FormKind::Alternative => LabelKind::Alternative,
            FormKind::Hidden => LabelKind::Hidden,
            FormKind::Description => continue,
        };
        docs[f.concept as usize]
            .labels
            .push((kind, f.lang.as_str(), f.text.as_str()));
    }
    docs
}

/// The label index of a store.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// Per concept key: the hash of what is indexed for it.
    indexed: HashMap<u64, u64>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("concepts", &self.indexed.len())
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it (empty) when absent; an index of another layout
    /// is started over.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        let io = |source| SearchError::Io {
            path: dir.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let (schema, fields) = schema();
        let index = if !dir.join("meta.json").exists() {
            Self::start_over(dir, schema)?
        } else {
            match Index::open_in_dir(dir) {
                Ok(index) if index.schema() == schema => index,
                Ok(_) => {
                    tracing::info!(dir = %dir.display(), "search index of another layout; rebuilding");
                    Self::start_over(dir, schema)?
                }
                Err(e) => {
                    tracing::warn!(error = %e, dir = %dir.display(), "search index unreadable; rebuilding");
                    Self::start_over(dir, schema)?
                }
            }
        };
        Self::with_index(index, fields)
    }

    /// An index held in memory (for tests and one-off commands).
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    fn start_over(dir: &Path, schema: Schema) -> Result<Index, SearchError> {
        let io = |source| SearchError::Io {
            path: dir.to_owned(),
            source,
        };
        std::fs::remove_dir_all(dir).map_err(io)?;
        std::fs::create_dir_all(dir).map_err(io)?;
        Ok(Index::create_in_dir(dir, schema)?)
    }

    fn with_index(index: Index, fields: Fields) -> Result<Self, SearchError> {
        register_tokenizers(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let mut this = Self {
            index,
            reader,
            fields,
            indexed: HashMap::new(),
        };
        this.indexed = this.read_hashes()?;
        Ok(this)
    }

    fn read_hashes(&self) -> Result<HashMap<u64, u64>, SearchError> {
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for segment in searcher.segment_readers() {
            let concept = segment.fast_fields().u64("concept")?;
            let hash = segment.fast_fields().u64("hash")?;
            let alive = segment.alive_bitset();
            for doc in 0..segment.max_doc() {
                if alive.is_some_and(|a| !a.is_alive(doc)) {
                    continue;
                }
                if let (Some(c), Some(h)) = (concept.first(doc), hash.first(doc)) {
                    out.insert(c, h);
                }
            }
        }
        Ok(out)
    }

    /// The languages of the indexed labels.
    pub fn languages(&self) -> Result<std::collections::BTreeSet<String>, SearchError> {
        let mut out = std::collections::BTreeSet::new();
        for segment in self.reader.searcher().segment_readers() {
            let inverted = segment.inverted_index(self.fields.lang)?;
            let mut terms = inverted
                .terms()
                .stream()
                .map_err(tantivy::TantivyError::from)?;
            while terms.advance() {
                let tag = String::from_utf8_lossy(terms.key());
                if !tag.is_empty() {
                    out.insert(tag.into_owned());
                }
            }
        }
        Ok(out)
    }

    /// Concepts indexed.
    pub fn concepts(&self) -> usize {
        self.indexed.len()
    }

    /// The stamp of the last sync (the store version it was made from), if any.
    pub fn stamp(&self) -> Option<String> {
        self.index.load_metas().ok().and_then(|m| m.payload)
    }

    /// Brings the index in step with `forms`: concepts whose labels, codes, class or schemes
    /// changed are indexed again, concepts no longer there are removed; one commit, which
    /// records `stamp` (what the forms were read from).
    pub fn sync(&mut self, forms: &Forms, stamp: &str) -> Result<SyncReport, SearchError> {
        let docs = concept_docs(forms);
        let mut report = SyncReport::default();
        let mut wanted: HashMap<u64, u64> = HashMap::with_capacity(docs.len());
        let mut changed = Vec::new();
        for d in &docs {
            let (k, h) = (key(d.uri), d.hash());
            wanted.insert(k, h);
            if self.indexed.get(&k) == Some(&h) {
                report.unchanged += 1;
            } else {
                changed.push(d);
            }
        }
        let removed: Vec<u64> = self
            .indexed
            .keys()
            .filter(|k| !wanted.contains_key(k))
            .copied()
            .collect();
        if changed.is_empty() && removed.is_empty() && self.stamp().as_deref() == Some(stamp) {
            return Ok(report);
        }
        let mut writer: IndexWriter<TantivyDocument> = self.index.writer(100_000_000)?;
        for k in &removed {
            writer.delete_term(Term::from_field_u64(self.fields.concept, *k));
        }
        for d in &changed {
            let k = key(d.uri);
            if self.indexed.contains_key(&k) {
                writer.delete_term(Term::from_field_u64(self.fields.concept, k));
            }
            report.documents += self.add_concept(&writer, d, k, wanted[&k])?;
        }
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(stamp);
        commit.commit()?;
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        report.indexed = changed.len();
        report.removed = removed.len();
        self.indexed = wanted;
        Ok(report)
    }

    fn add_concept(
        &self,
        writer: &IndexWriter<TantivyDocument>,
        d: &ConceptDocs<'_>,
        k: u64,
        hash: u64,
    ) -> Result<usize, SearchError> {
        let f = &self.fields;
        let mut n = 0;
        for (kind, lang, text) in &d.labels {
            let words = words(text);
            if words.is_empty() {
                continue;
            }
            let mut doc = TantivyDocument::default();
            doc.add_u64(f.concept, k);
            doc.add_u64(f.hash, hash);
            doc.add_text(f.uri, d.uri);
            doc.add_text(f.class, d.class.name());
            for s in &d.schemes {
                doc.add_text(f.scheme, s);
            }
            doc.add_text(f.kind, kind.name());
            doc.add_u64(f.rank, kind.rank());
            doc.add_text(f.lang, lang);
            doc.add_text(f.label, text);
            doc.add_u64(f.words, words.len() as u64);
            doc.add_text(f.plain, words.join(" "));
            doc.add_text(f.edges, edge_text(&words));
            if let Some(field) = f.stems.get(lang) {
                doc.add_text(*field, text);
            }
            writer.add_document(doc)?;
            n += 1;
        }
        Ok(n)
    }

    /// Searches; see [`Request`].
    pub fn search(&self, req: &Request) -> Result<Results, SearchError> {
        let words: Vec<String> = words(&req.text);
        let list_all = req.text.trim() == "*";
        if words.is_empty() && !list_all {
            return Err(SearchError::Input(
                "text must contain at least one letter or digit (or be `*`)".into(),
            ));
        }
        let searcher = self.reader.searcher();
        let filters = self.filters(req);
        let run = |matching: Option<Box<dyn Query>>| {
            // Filters decide what matches, not how well.
            let mut clauses = filters
                .iter()
                .map(|q| {
                    let q: Box<dyn Query> = Box::new(ConstScoreQuery::new(q.box_clone(), 0.0));
                    (Occur::Must, q)
                })
                .collect::<Vec<_>>();
            clauses.push((Occur::Must, matching.unwrap_or_else(|| Box::new(AllQuery))));
            let collector = BestPerConcept {
                query_words: words.len().max(1),
            };
            searcher.search(&BooleanQuery::new(clauses), &collector)
        };
        let mut best = if list_all {
            run(None)?
        } else {
            let all = run(Some(self.words_query(req, &words, Occur::Must)))?;
            if all.is_empty() && req.mode == Mode::Search && words.len() > 1 {
                run(Some(self.words_query(req, &words, Occur::Should)))?
            } else {
                all
            }
        };
        let total = best.len();
        let mut ranked: Vec<(u64, (Score, DocAddress))> = best.drain().collect();
        ranked.sort_by(|a, b| {
            b.1 .0
                .total_cmp(&a.1 .0)
                .then(a.1 .1.cmp(&b.1 .1))
                .then(a.0.cmp(&b.0))
        });
        let mut hits = Vec::new();
        for (_, (score, address)) in ranked.into_iter().skip(req.offset).take(req.limit) {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let rank = doc
                .get_first(self.fields.rank)
                .and_then(|v| v.as_u64())
                .unwrap_or(2);
            hits.push(Hit {
                uri: text(self.fields.uri),
                // The index holds class names it wrote itself.
                class: text(self.fields.class).parse().unwrap_or(Class::Occupation),
                matched: text(self.fields.label),
                matched_kind: LabelKind::from_rank(rank),
                matched_language: text(self.fields.lang),
                score: if list_all { 1.0 } else { score.min(1.0) },
            });
        }
        Ok(Results { total, hits })
    }

    fn filters(&self, req: &Request) -> Vec<Box<dyn Query>> {
        let f = &self.fields;
        let term = |field: Field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        let any = |qs: Vec<Box<dyn Query>>| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                qs.into_iter().map(|q| (Occur::Should, q)).collect(),
            ))
        };
        let mut out = Vec::new();
        if !req.classes.is_empty() {
            out.push(any(req
                .classes
                .iter()
                .map(|c| term(f.class, c.name()))
                .collect()));
        }
        if !req.schemes.is_empty() {
            out.push(any(req.schemes.iter().map(|s| term(f.scheme, s)).collect()));
        }
        if let Some(lang) = &req.language {
            out.push(any(vec![term(f.lang, lang), term(f.kind, "code")]));
        }
        if !req.alternative {
            out.push(any(vec![term(f.kind, "preferred"), term(f.kind, "code")]));
        }
        out
    }

    /// Each query word: the best of exact word, stem, prefix (the last word of a search, every
    /// word of an autocomplete), typo (searches only).
    fn words_query(&self, req: &Request, words: &[String], occur: Occur) -> Box<dyn Query> {
        let f = &self.fields;
        let stem_field = req
            .language
            .as_deref()
            .and_then(|l| f.stems.get(l).map(|field| (l, *field)));
        let stems: Vec<Option<String>> = match stem_field {
            Some((lang, _)) => self.stems_of(lang, words),
            None => vec![None; words.len()],
        };
        let constant =
            |q: Box<dyn Query>, s: f32| -> Box<dyn Query> { Box::new(ConstScoreQuery::new(q, s)) };
        let term = |field: Field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        let mut clauses = Vec::new();
        for (i, w) in words.iter().enumerate() {
            let mut alternatives = vec![constant(term(f.plain, w), 1.0)];
            // A search takes its last word as a possible prefix (still being typed); an
            // autocomplete takes every word so.
            if req.mode == Mode::Suggest || i + 1 == words.len() {
                alternatives.push(constant(term(f.edges, &prefix(w)), 0.7));
            }
            if let (Some((_, field)), Some(stem)) = (stem_field, &stems[i]) {
                alternatives.push(constant(term(field, stem), 0.9));
            }
            let chars = w.chars().count();
            if req.mode == Mode::Search && chars >= 4 {
                // One typo from 4 letters on, two from 8; closer counts more.
                for (distance, score) in [(1, 0.6), (2, 0.4)] {
                    if distance == 1 || chars >= 8 {
                        alternatives.push(constant(
                            Box::new(FuzzyTermQuery::new(
                                Term::from_field_text(f.plain, w),
                                distance,
                                true,
                            )),
                            score,
                        ));
                    }
                }
            }
            clauses.push((
                occur,
                Box::new(DisjunctionMaxQuery::new(alternatives)) as Box<dyn Query>,
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn stems_of(&self, lang: &str, words: &[String]) -> Vec<Option<String>> {
        let Some(mut analyzer) = self.index.tokenizers().get(&stem_tokenizer(lang)) else {
            return vec![None; words.len()];
        };
        words
            .iter()
            .map(|w| {
                let mut stream = analyzer.token_stream(w);
                stream.next().map(|t| t.text.clone())
            })
            .collect()
    }
}

/// Collects every matching label and keeps, per concept, the best-scoring one (final score as
/// described in the module documentation).
struct BestPerConcept {
    query_words: usize,
}

struct BestPerConceptSegment {
    segment: SegmentOrdinal,
    query_words: usize,
    concept: Column<u64>,
    rank: Column<u64>,
    words: Column<u64>,
    best: HashMap<u64, (Score, DocAddress)>,
}

impl Collector for BestPerConcept {
    type Fruit = HashMap<u64, (Score, DocAddress)>;
    type Child = BestPerConceptSegment;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(BestPerConceptSegment {
            segment,
            query_words: self.query_words,
            concept: reader.fast_fields().u64("concept")?,
            rank: reader.fast_fields().u64("rank")?,
            words: reader.fast_fields().u64("words")?,
            best: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut out: Self::Fruit = HashMap::new();
        for fruit in fruits {
            for (concept, hit) in fruit {
                keep_best(&mut out, concept, hit);
            }
        }
        Ok(out)
    }
}

fn keep_best(best: &mut HashMap<u64, (Score, DocAddress)>, concept: u64, hit: (Score, DocAddress)) {
    best.entry(concept)
        .and_modify(|b| {
            if hit.0 > b.0 || (hit.0 == b.0 && hit.1 < b.1) {
                *b = hit;
            }
        })
        .or_insert(hit);
}

impl SegmentCollector for BestPerConceptSegment {
    type Fruit = HashMap<u64, (Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(concept) = self.concept.first(doc) else {
            return;
        };
        let kind = LabelKind::from_rank(self.rank.first(doc).unwrap_or(2));
        let label_words = self.words.first(doc).unwrap_or(1).max(1) as f32;
        let n = self.query_words as f32;
        // Each query word contributes at most 1: `score / n` is the query's coverage.
        let q = (score / n).min(1.0);
        let c = (n / label_words).min(1.0);
        let final_score = q * (0.5 + 0.5 * c) * kind.weight();
        keep_best(
            &mut self.best,
            concept,
            (final_score, DocAddress::new(self.segment, doc)),
        );
    }

    fn harvest(self) -> Self::Fruit {
        self.best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_are_every_prefix_of_every_word() {
        let w = words("Ärzte-Hilfe");
        assert_eq!(w, ["arzte", "hilfe"]);
        assert_eq!(edge_text(&w), "a ar arz arzt arzte h hi hil hilf hilfe");
        let long = words(&"x".repeat(40));
        assert_eq!(edge_text(&long).split(' ').count(), MAX_PREFIX);
    }

    #[test]
    fn keys_are_stable() {
        assert_eq!(key(""), 0xcbf2_9ce4_8422_2325);
        assert_ne!(key("a"), key("b"));
    }
}
