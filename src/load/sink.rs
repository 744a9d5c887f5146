//! Where converters put their quads: straight into an Oxigraph bulk loader, in batches, with a
//! count per graph.

use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, Quad, Term};
use oxigraph::store::{BulkLoader, StorageError, Store};

const BATCH: usize = 200_000;

/// Streams quads into a store through its bulk loader.
pub struct QuadSink<'a> {
    loader: Option<BulkLoader<'a>>,
    buffer: Vec<Quad>,
    graph: GraphName,
    written: u64,
}

impl<'a> QuadSink<'a> {
    /// A sink writing into `store`; nothing is visible until [`QuadSink::commit`].
    pub fn new(store: &'a Store) -> Self {
        let loader = store
            .bulk_loader()
            .with_num_threads(2)
            .with_max_memory_size_in_megabytes(1536);
        Self {
            loader: Some(loader),
            buffer: Vec::with_capacity(BATCH),
            graph: GraphName::DefaultGraph,
            written: 0,
        }
    }

    /// The graph that following quads go into.
    pub fn set_graph(&mut self, graph: NamedNode) {
        self.graph = graph.into();
    }

    /// Adds a quad to the current graph.
    pub fn add(
        &mut self,
        s: impl Into<NamedNode>,
        p: NamedNodeRef<'_>,
        o: impl Into<Term>,
    ) -> Result<(), StorageError> {
        let quad = Quad::new(s.into(), p, o.into(), self.graph.clone());
        self.push(quad)
    }

    /// Adds a language-tagged literal, unless the text is empty.
    pub fn add_text(
        &mut self,
        s: &NamedNode,
        p: NamedNodeRef<'_>,
        text: &str,
        lang: &str,
    ) -> Result<(), StorageError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        self.add(
            s.clone(),
            p,
            Literal::new_language_tagged_literal_unchecked(text, lang),
        )
    }

    /// Adds a quad as it is (graph included).
    pub fn push(&mut self, quad: Quad) -> Result<(), StorageError> {
        self.buffer.push(quad);
        self.written += 1;
        if self.buffer.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StorageError> {
        if let Some(loader) = &mut self.loader {
            loader.load_quads(self.buffer.drain(..))?;
        }
        Ok(())
    }

    /// Quads added so far (duplicates included).
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Writes what is buffered and commits.
    pub fn commit(mut self) -> Result<u64, StorageError> {
        self.flush()?;
        if let Some(loader) = self.loader.take() {
            loader.commit()?;
        }
        Ok(self.written)
    }
}

impl QuadSink<'_> {
    /// Parses an RDF document straight into the store.
    pub fn load_rdf(
        &mut self,
        parser: oxigraph::io::RdfParser,
        reader: impl std::io::Read,
    ) -> Result<(), oxigraph::store::LoaderError> {
        self.flush()?;
        if let Some(loader) = &mut self.loader {
            loader.load_from_reader(parser, reader)?;
        }
        Ok(())
    }
}
