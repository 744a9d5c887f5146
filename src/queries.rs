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

/// Example queries shown on the SPARQL page (and run by the benchmark's SPARQL mix).
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "Label lookup",
        include_str!("../queries/example-label-lookup.rq"),
    ),
    (
        "An occupation's essential skills",
        include_str!("../queries/example-occupation-skills.rq"),
    ),
    (
        "The ISCO groups above an occupation",
        include_str!("../queries/example-hierarchy.rq"),
    ),
    (
        "Concepts per scheme",
        include_str!("../queries/example-count-by-scheme.rq"),
    ),
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_named_query_parses() {
        for (name, text) in super::ALL.iter().chain(super::EXAMPLES) {
            assert!(
                oxigraph::sparql::SparqlEvaluator::new()
                    .parse_query(text)
                    .is_ok(),
                "{name} does not parse"
            );
        }
    }
}
