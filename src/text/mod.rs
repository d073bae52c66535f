//! Text helpers every feature shares: case and accent folding and the
//! word tokens built on it ([`fold`]), HTML to text and canonical URLs
//! ([`normalize`]), and making outside text inert ([`escape`]).

pub mod escape;
pub mod fold;
pub mod normalize;
