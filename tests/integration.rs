//! The single integration-test binary (one binary links once; see each module for its area).

mod adapter;
mod architecture;
mod bodies;
mod cli;
mod common;
mod compare;
mod curation;
mod esco_api;
mod extract;
mod http;
mod knowledge_graph;
mod matching;
mod model;
mod queries;
mod reconcile;
mod regression;
mod search;
