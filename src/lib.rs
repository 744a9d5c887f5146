//! esco-ld: ESCO as linked data. The layers, each depending only on those below it (see
//! `docs/architecture.md`): the store and what every layer reads of it ([`store`], [`concept`],
//! [`text`], [`vocab`]), loading sources into it ([`load`]), the indexes ([`search`],
//! [`matching`], [`embed`]), review ([`curation`]), write-back and publication ([`publish`]),
//! and serving ([`http`], [`cli`]).

pub mod check;
pub mod cli;
pub mod concept;
pub mod config;
pub mod conneg;
pub mod curation;
pub mod describe;
pub mod embed;
pub mod esco_api;
pub mod extract;
pub mod http;
pub mod lab;
pub mod load;
pub mod matching;
pub mod publish;
pub mod queries;
pub mod rdf;
pub mod reconcile;
pub mod search;
pub mod sparql;
pub mod stats;
pub mod store;
pub mod text;
pub mod util;
pub mod vocab;

/// The attribution ESCO's reuse terms ask for, kept wherever ESCO data is served or shipped.
pub const ATTRIBUTION: &str =
    "This service uses the ESCO classification of the European Commission.";

/// The attribution the O*NET licence asks for.
pub const ONET_ATTRIBUTION: &str = "This includes information from the O*NET Database by the U.S. Department of Labor, Employment and Training Administration (USDOL/ETA), used under the CC BY 4.0 license.";
