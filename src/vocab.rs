//! IRIs of the vocabularies the store uses, as typed constants.
//!
//! Terms of W3C and DCMI vocabularies are re-exported from `oxigraph` where it has them;
//! every term of the ESCO model namespace that the store uses is declared in
//! `ontology/esco-model.ttl`.

macro_rules! terms {
    ($ns:literal; $($(#[$doc:meta])* $name:ident = $local:literal;)*) => {
        /// The namespace IRI.
        pub const NS: &str = $ns;
        $(
            $(#[$doc])*
            pub const $name: oxigraph::model::NamedNodeRef<'static> = oxigraph::model::NamedNodeRef::new_unchecked(concat!($ns, $local));
        )*
    };
}

/// RDF.
pub mod rdf {
    terms! { "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
        /// `rdf:type`
        TYPE = "type";
    }
}

/// RDFS.
pub mod rdfs {
    terms! { "http://www.w3.org/2000/01/rdf-schema#";
        /// `rdfs:label`
        LABEL = "label";
        /// `rdfs:comment`
        COMMENT = "comment";
        /// `rdfs:seeAlso`
        SEE_ALSO = "seeAlso";
    }
}

/// XSD datatypes.
pub mod xsd {
    terms! { "http://www.w3.org/2001/XMLSchema#";
        /// `xsd:string`
        STRING = "string";
        /// `xsd:dateTime`
        DATE_TIME = "dateTime";
        /// `xsd:date`
        DATE = "date";
        /// `xsd:integer`
        INTEGER = "integer";
    }
}

/// OWL.
pub mod owl {
    terms! { "http://www.w3.org/2002/07/owl#";
        /// `owl:versionInfo`
        VERSION_INFO = "versionInfo";
    }
}

/// SKOS core.
pub mod skos {
    terms! { "http://www.w3.org/2004/02/skos/core#";
        /// `skos:Concept`
        CONCEPT = "Concept";
        /// `skos:ConceptScheme`
        CONCEPT_SCHEME = "ConceptScheme";
        /// `skos:Collection`
        COLLECTION = "Collection";
        /// `skos:prefLabel`
        PREF_LABEL = "prefLabel";
        /// `skos:altLabel`
        ALT_LABEL = "altLabel";
        /// `skos:hiddenLabel`
        HIDDEN_LABEL = "hiddenLabel";
        /// `skos:notation`
        NOTATION = "notation";
        /// `skos:definition`
        DEFINITION = "definition";
        /// `skos:scopeNote`
        SCOPE_NOTE = "scopeNote";
        /// `skos:inScheme`
        IN_SCHEME = "inScheme";
        /// `skos:hasTopConcept`
        HAS_TOP_CONCEPT = "hasTopConcept";
        /// `skos:topConceptOf`
        TOP_CONCEPT_OF = "topConceptOf";
        /// `skos:broader`
        BROADER = "broader";
        /// `skos:narrower`
        NARROWER = "narrower";
        /// `skos:member`
        MEMBER = "member";
        /// `skos:exactMatch`
        EXACT_MATCH = "exactMatch";
        /// `skos:closeMatch`
        CLOSE_MATCH = "closeMatch";
        /// `skos:broadMatch`
        BROAD_MATCH = "broadMatch";
        /// `skos:narrowMatch`
        NARROW_MATCH = "narrowMatch";
    }
}

/// DCMI terms.
pub mod dcterms {
    terms! { "http://purl.org/dc/terms/";
        /// `dcterms:title`
        TITLE = "title";
        /// `dcterms:description`
        DESCRIPTION = "description";
        /// `dcterms:modified`
        MODIFIED = "modified";
        /// `dcterms:issued`
        ISSUED = "issued";
        /// `dcterms:creator`
        CREATOR = "creator";
        /// `dcterms:created`
        CREATED = "created";
        /// `dcterms:identifier`
        IDENTIFIER = "identifier";
        /// `dcterms:source`
        SOURCE = "source";
        /// `dcterms:license`
        LICENSE = "license";
        /// `dcterms:rights`
        RIGHTS = "rights";
        /// `dcterms:language`
        LANGUAGE = "language";
        /// `dcterms:isPartOf`
        IS_PART_OF = "isPartOf";
    }
}

/// VoID.
pub mod void {
    terms! { "http://rdfs.org/ns/void#";
        /// `void:Dataset`
        DATASET = "Dataset";
        /// `void:Linkset`
        LINKSET = "Linkset";
        /// `void:linkPredicate`
        LINK_PREDICATE = "linkPredicate";
        /// `void:subjectsTarget`
        SUBJECTS_TARGET = "subjectsTarget";
        /// `void:objectsTarget`
        OBJECTS_TARGET = "objectsTarget";
        /// `void:triples`
        TRIPLES = "triples";
        /// `void:subset`
        SUBSET = "subset";
    }
}

/// FOAF (pages of foreign concepts and classifications).
pub mod foaf {
    terms! { "http://xmlns.com/foaf/0.1/";
        /// `foaf:page`
        PAGE = "page";
        /// `foaf:homepage`
        HOMEPAGE = "homepage";
    }
}

/// ISO 25964 SKOS extension (publication status, as ESCO uses it).
pub mod isothes {
    terms! { "http://purl.org/iso25964/skos-thes#";
        /// `iso-thes:status`
        STATUS = "status";
    }
}

/// The ESCO model namespace.
pub mod esco {
    terms! { "http://data.europa.eu/esco/model#";
        /// An ESCO occupation.
        OCCUPATION = "Occupation";
        /// An ESCO skill, competence or knowledge concept.
        SKILL = "Skill";
        /// A skill whose skill type is knowledge.
        KNOWLEDGE = "Knowledge";
        /// A skill whose skill type is skill/competence.
        SKILL_COMPETENCE = "SkillCompetence";
        /// An ISCO-08 group.
        ISCO_GROUP = "ISCOGroup";
        /// A group of the skills hierarchy.
        SKILL_GROUP = "SkillGroup";
        /// Occupation (or skill) to essential skill.
        RELATED_ESSENTIAL_SKILL = "relatedEssentialSkill";
        /// Occupation (or skill) to optional skill.
        RELATED_OPTIONAL_SKILL = "relatedOptionalSkill";
        /// Skill to the occupations it is essential for.
        IS_ESSENTIAL_SKILL_FOR = "isEssentialSkillFor";
        /// Skill to the occupations it is optional for.
        IS_OPTIONAL_SKILL_FOR = "isOptionalSkillFor";
        /// Skill to its skill type.
        SKILL_TYPE = "skillType";
        /// Skill to its reuse level.
        SKILL_REUSE_LEVEL = "skillReuseLevel";
        /// Occupation to its ISCO-08 unit group.
        MEMBER_OF_ISCO_GROUP = "memberOfISCOGroup";
        /// Occupation to its regulated-profession note.
        REGULATED_PROFESSION_NOTE = "regulatedProfessionNote";
        /// Collection to the concept scheme that publishes the same selection.
        COLLECTION_SCHEME = "collectionScheme";
        /// A release of ESCO (a named graph of the store).
        RELEASE = "Release";
        /// A graph of labels taken from an older release.
        LABEL_SUPPLEMENT = "LabelSupplement";
        /// Graph of labels to the release it supplements.
        SUPPLEMENTS = "supplements";
        /// Number of rows a crosswalk table had for a relation spelling.
        SOURCE_ROWS = "sourceRows";
    }
}

/// PROV-O.
pub mod prov {
    terms! { "http://www.w3.org/ns/prov#";
        /// `prov:wasAssociatedWith`
        WAS_ASSOCIATED_WITH = "wasAssociatedWith";
        /// `prov:endedAtTime`
        ENDED_AT_TIME = "endedAtTime";
        /// `prov:generatedAtTime`
        GENERATED_AT_TIME = "generatedAtTime";
        /// `prov:invalidatedAtTime`
        INVALIDATED_AT_TIME = "invalidatedAtTime";
        /// `prov:wasDerivedFrom`
        WAS_DERIVED_FROM = "wasDerivedFrom";
        /// `prov:wasGeneratedBy`
        WAS_GENERATED_BY = "wasGeneratedBy";
        /// `prov:wasInvalidatedBy`
        WAS_INVALIDATED_BY = "wasInvalidatedBy";
        /// `prov:Activity`
        ACTIVITY = "Activity";
        /// `prov:Agent`
        AGENT = "Agent";
    }
}

/// SSSOM in RDF (the slots of a mapping, as sssom-py writes them).
pub mod sssom {
    terms! { "https://w3id.org/sssom/";
        /// `sssom:Mapping`
        MAPPING = "Mapping";
        /// `sssom:mapping_justification`
        MAPPING_JUSTIFICATION = "mapping_justification";
        /// `sssom:author_id`
        AUTHOR_ID = "author_id";
        /// `sssom:reviewer_id`
        REVIEWER_ID = "reviewer_id";
        /// `sssom:similarity_score`
        SIMILARITY_SCORE = "similarity_score";
        /// `sssom:similarity_measure`
        SIMILARITY_MEASURE = "similarity_measure";
        /// `sssom:mapping_date`
        MAPPING_DATE = "mapping_date";
        /// `sssom:mapping_tool`
        MAPPING_TOOL = "mapping_tool";
        /// `sssom:comment`
        COMMENT = "comment";
    }
}

/// The semantic mapping vocabulary (justifications).
pub mod semapv {
    terms! { "https://w3id.org/semapv/vocab/";
        /// A person curated the mapping.
        MANUAL_MAPPING_CURATION = "ManualMappingCuration";
        /// A similarity score above a threshold proposed it.
        SEMANTIC_SIMILARITY_THRESHOLD_MATCHING = "SemanticSimilarityThresholdMatching";
        /// A lexical comparison proposed it.
        LEXICAL_MATCHING = "LexicalMatching";
    }
}

/// DCAT.
pub mod dcat {
    terms! { "http://www.w3.org/ns/dcat#";
        /// `dcat:Dataset`
        DATASET = "Dataset";
        /// `dcat:Distribution`
        DISTRIBUTION = "Distribution";
        /// `dcat:distribution`
        HAS_DISTRIBUTION = "distribution";
        /// `dcat:downloadURL`
        DOWNLOAD_URL = "downloadURL";
        /// `dcat:mediaType`
        MEDIA_TYPE = "mediaType";
        /// `dcat:landingPage`
        LANDING_PAGE = "landingPage";
    }
}

/// OWL axioms (the reification SSSOM uses for mapping records).
pub mod owl_axiom {
    terms! { "http://www.w3.org/2002/07/owl#";
        /// `owl:Axiom`
        AXIOM = "Axiom";
        /// `owl:annotatedSource`
        ANNOTATED_SOURCE = "annotatedSource";
        /// `owl:annotatedProperty`
        ANNOTATED_PROPERTY = "annotatedProperty";
        /// `owl:annotatedTarget`
        ANNOTATED_TARGET = "annotatedTarget";
    }
}

/// The curation vocabulary of this service (`ontology/esco-ld-curation.ttl`): mapping projects,
/// their items, candidates and decisions.
pub mod cur {
    terms! { "http://data.europa.eu/esco/model/curation#";
        /// A mapping project.
        PROJECT = "Project";
        /// One source concept of a project.
        ITEM = "Item";
        /// A suggested ESCO concept.
        CANDIDATE = "Candidate";
        /// A curator's decision.
        DECISION = "Decision";
        /// Project to the scheme it maps from.
        SOURCE_SCHEME = "sourceScheme";
        /// Project to what it maps to (`occupations`, `skills`, a scheme IRI).
        TARGET = "target";
        /// Project to its crosswalk.
        CROSSWALK = "crosswalk";
        /// Project to its source concepts' language.
        LANGUAGE = "language";
        /// Candidates kept per source concept.
        K = "k";
        /// Item (or candidate, decision) to its project.
        PROJECT_OF = "project";
        /// Item to its source concept.
        SOURCE = "source";
        /// Item to its state.
        STATE = "state";
        /// Candidate or decision to its item.
        ITEM_OF = "item";
        /// Candidate or decision to the ESCO concept.
        CONCEPT = "concept";
        /// Candidate to its rank.
        RANK = "rank";
        /// Candidate to the method that proposed it.
        METHOD = "method";
        /// Candidate (or record) to the embedding model used.
        MODEL = "model";
        /// Candidate to the surface form that matched.
        MATCHED_LABEL = "matchedLabel";
        /// Decision to its step: validation, review, thirdDecision, withdrawal.
        STEP = "step";
        /// Decision to its verdict: match, noMatch, agree, disagree.
        VERDICT = "verdict";
        /// Decision to the SKOS relation chosen.
        RELATION = "relation";
        /// Decision's sequence number within its item.
        SEQ = "seq";
        /// Item to its current mapping record.
        RECORD = "record";
        /// Record to the crosswalk revision that added it.
        ADDED_IN = "addedIn";
        /// Record to the crosswalk revision that withdrew it.
        REMOVED_IN = "removedIn";
        /// Crosswalk to its revision (one per write-back or withdrawal).
        REVISION = "revision";
    }
}

/// Where the store's own resources live: under the ESCO URI space, so that one host can serve
/// them all (see docs/data-model.md#minted-uris).
pub mod mint {
    /// The ESCO URI space.
    pub const ESCO: &str = "http://data.europa.eu/esco/";
    /// Named graph of the model and vocabulary files in `ontology/`.
    pub const ONTOLOGY_GRAPH: &str = "http://data.europa.eu/esco/graph/ontology";

    /// Named graph of an ESCO release, e.g. `http://data.europa.eu/esco/graph/v1.1.1`.
    pub fn release_graph(version: &str) -> String {
        format!("{ESCO}graph/v{version}")
    }

    /// Named graph of labels taken from an older release for concepts of newer ones.
    pub fn label_graph(version: &str) -> String {
        format!("{ESCO}graph/v{version}-labels")
    }

    /// A collection of concepts (green skills, ...).
    pub fn collection(name: &str) -> String {
        format!("{ESCO}collection/{name}")
    }

    /// A crosswalk: its named graph and its `void:Linkset` share this IRI.
    pub fn crosswalk(id: &str) -> String {
        format!("{ESCO}crosswalk/{id}")
    }

    /// A mapping project: its named graph and its description share this IRI.
    pub fn project(id: &str) -> String {
        format!("{ESCO}project/{id}")
    }

    /// A curator.
    pub fn curator(name: &str) -> String {
        format!("{ESCO}curator/{name}")
    }

    /// A foreign classification's concept scheme.
    pub fn classification(slug: &str) -> String {
        format!("{ESCO}classification/{slug}")
    }

    /// A foreign concept that its table names by a bare identifier.
    pub fn foreign_concept(slug: &str, id: &str) -> String {
        format!(
            "{ESCO}classification/{slug}/{}",
            crate::util::iri_segment(id)
        )
    }
}
