//! Text helpers every feature shares: case and accent folding and the
//! word tokens built on it ([`fold`]), HTML to text and canonical URLs
//! ([`normalize`]), a bound on how deep markup nests before it is parsed
//! ([`nesting`]), and making outside text inert ([`escape`]).

pub mod escape;
pub mod fold;
pub mod nesting;
pub mod normalize;
