//! Offline measurement and training, apart from the serving path: the mapping benchmark on a
//! crosswalk ([`eval`]), the same ranking on a TREC-style collection ([`trec`]), skill extraction on annotated sentences ([`extract_eval`]), and tuning an
//! adapter on the store's labels ([`tune`]).

pub mod eval;
pub mod extract_eval;
pub mod trec;
pub mod tune;
