//! Text helpers every feature shares: case and accent folding and the
//! word tokens built on it ([`fold`]), and making outside text inert
//! ([`escape`]).

pub mod escape;
pub mod fold;
