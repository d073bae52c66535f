//! Text helpers every feature shares: case and accent folding and the
//! word tokens built on it ([`fold`]).

pub mod fold;
