//! The named SPARQL queries of `queries/`, built into the binary.

macro_rules! named {
    ($($(#[$doc:meta])* $name:ident = $file:literal;)*) => {
        $( $(#[$doc])* pub const $name: &str = include_str!(concat!("../queries/", $file)); )*
        /// Every named query with its file name.
        pub const ALL: &[(&str, &str)] = &[$(($file, $name)),*];
    };
}

named! {
    /// Instances per class per graph.
    STATS_CLASSES = "stats-classes.rq";
    /// Triples per model relation per graph.
    STATS_RELATIONS = "stats-relations.rq";
    /// SKOS S14 violations.
    CHECK_PREFLABEL_UNIQUE = "check-preflabel-unique.rq";
    /// Concepts in no scheme.
    CHECK_NOT_IN_SCHEME = "check-not-in-scheme.rq";
    /// SKOS S9/S37 violations.
    CHECK_DISJOINT_CLASSES = "check-disjoint-classes.rq";
    /// All broader edges.
    BROADER_EDGES = "broader-edges.rq";
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_named_query_parses() {
        for (name, text) in super::ALL {
            assert!(
                oxigraph::sparql::SparqlEvaluator::new()
                    .parse_query(text)
                    .is_ok(),
                "{name} does not parse"
            );
        }
    }
}
