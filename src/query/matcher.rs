//! Finds which brands a document mentions, scanning it once.
//!
//! Every term of every brand's queries goes into one Aho-Corasick automaton
//! over folded words (see [`crate::text::fold`]). A document is folded and scanned
//! once, whatever the number of brands; each brand's queries are then
//! evaluated against the set of terms found, which is cheap.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};

use super::{Expr, Query, QueryError};
use crate::name::BrandName;
use crate::text::fold::Folded;

/// A brand and the queries that find it, as the config gives them.
#[derive(Debug, Clone)]
pub struct BrandSpec {
    /// Brand name, as shown to people.
    pub name: BrandName,
    /// Its queries: a document matching any of them mentions the brand.
    pub queries: Vec<String>,
}

/// All brands' queries compiled into one automaton. Build once, at load.
#[derive(Debug, Clone)]
pub struct KeywordMatcher {
    automaton: AhoCorasick,
    patterns: Vec<String>,
    brands: Vec<CompiledBrand>,
}

#[derive(Debug, Clone)]
struct CompiledBrand {
    name: BrandName,
    queries: Vec<CompiledQuery>,
}

#[derive(Debug, Clone)]
struct CompiledQuery {
    expr: Expr,
    positive: Vec<usize>,
}

/// A brand found in a document.
#[derive(Debug, Clone, PartialEq)]
pub struct BrandMatch {
    /// The brand's name.
    pub brand: BrandName,
    /// The folded terms that made the match, in order of first appearance.
    pub terms: Vec<String>,
    /// Byte spans in the original text of the first hit of each term, in
    /// the same order as `terms`.
    pub hits: Vec<(usize, usize)>,
}

/// Where each term first occurs in one scanned text.
#[derive(Debug)]
pub struct Hits<'a> {
    matcher: &'a KeywordMatcher,
    folded: Folded,
    first_at: Vec<Option<(usize, usize)>>,
}

impl Hits<'_> {
    /// Byte span in the scanned text of the first whole-word occurrence of
    /// any of `terms` (folded, as in [`BrandMatch::terms`]).
    pub fn first_of(&self, terms: &[String]) -> Option<(usize, usize)> {
        terms
            .iter()
            .filter_map(|t| self.matcher.patterns.iter().position(|p| p == t))
            .filter_map(|t| self.first_at[t])
            .min()
            .map(|(s, e)| self.folded.original_span(s, e))
    }
}

/// Why the matcher could not be built.
#[derive(Debug, thiserror::Error)]
pub enum MatcherError {
    /// A query that does not parse, with where it came from.
    #[error("brand {brand:?}, query {index}: {error}")]
    Query {
        /// Brand name.
        brand: BrandName,
        /// Index of the query in the brand's list.
        index: usize,
        /// What is wrong with it (in the message only, so that an error
        /// chain says it once).
        error: QueryError,
    },
    /// The automaton outgrew its limits (millions of terms).
    #[error("too many terms for one automaton")]
    Automaton(#[from] aho_corasick::BuildError),
}

impl KeywordMatcher {
    /// Parses every query and compiles all terms into one automaton.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigia::query::matcher::{BrandSpec, KeywordMatcher};
    /// let matcher = KeywordMatcher::new(&[BrandSpec {
    ///     name: "Acme".into(),
    ///     queries: vec![r#""acme corp" OR acmecorp -job"#.into()],
    /// }]).unwrap();
    /// let found = matcher.find("Reclamação sobre a ACME Corp: entrega atrasada");
    /// assert_eq!(found[0].brand, "Acme");
    /// assert_eq!(found[0].terms, ["acme corp"]);
    /// assert!(matcher.find("Welcome to Acme Corporation").is_empty());
    /// ```
    pub fn new(brands: &[BrandSpec]) -> Result<Self, MatcherError> {
        let mut patterns: Vec<String> = Vec::new();
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut compiled = Vec::with_capacity(brands.len());
        for brand in brands {
            let mut queries = Vec::with_capacity(brand.queries.len());
            for (index, text) in brand.queries.iter().enumerate() {
                let query = Query::parse(text).map_err(|error| MatcherError::Query {
                    brand: brand.name.clone(),
                    index,
                    error,
                })?;
                let global: Vec<usize> = query
                    .terms
                    .iter()
                    .map(|t| {
                        *ids.entry(t.clone()).or_insert_with(|| {
                            patterns.push(t.clone());
                            patterns.len() - 1
                        })
                    })
                    .collect();
                queries.push(CompiledQuery {
                    expr: query.expr.remap(&|t| global[t]),
                    positive: query
                        .positive_terms()
                        .into_iter()
                        .map(|t| global[t])
                        .collect(),
                });
            }
            compiled.push(CompiledBrand {
                name: brand.name.clone(),
                queries,
            });
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)?;
        Ok(KeywordMatcher {
            automaton,
            patterns,
            brands: compiled,
        })
    }

    /// Number of distinct terms in the automaton.
    pub fn term_count(&self) -> usize {
        self.patterns.len()
    }

    /// Brands whose queries match `text`, in config order.
    pub fn find(&self, text: &str) -> Vec<BrandMatch> {
        self.find_folded(&Folded::new(text))
    }

    /// [`find`](Self::find) for a text already folded (which the caller
    /// may want for other uses, such as a fingerprint).
    pub fn find_folded(&self, folded: &Folded) -> Vec<BrandMatch> {
        let first_at = self.scan(folded);
        if first_at.iter().all(Option::is_none) {
            return Vec::new();
        }
        self.brands
            .iter()
            .filter_map(|brand| brand.evaluate(&first_at, &self.patterns, folded))
            .collect()
    }

    /// Scans `text` once, for finding where given terms first occur.
    pub fn hits(&self, text: &str) -> Hits<'_> {
        let folded = Folded::new(text);
        let first_at = self.scan(&folded);
        Hits {
            matcher: self,
            folded,
            first_at,
        }
    }

    /// Byte spans in `text` of every whole-word occurrence of a term of
    /// `brand`'s queries (of every brand's, with None), in order, merged
    /// where they overlap: where the text names a brand rather than says
    /// something about it.
    pub fn name_spans(&self, text: &str, brand: Option<&str>) -> Vec<(usize, usize)> {
        let mut wanted = vec![false; self.patterns.len()];
        for b in self
            .brands
            .iter()
            .filter(|b| brand.is_none_or(|n| b.name == n))
        {
            for q in &b.queries {
                for &t in &q.positive {
                    wanted[t] = true;
                }
            }
        }
        let folded = Folded::new(text);
        let mut spans: Vec<(usize, usize)> = self
            .automaton
            .find_overlapping_iter(&folded.text)
            .filter(|m| wanted[m.pattern().as_usize()])
            .filter(|m| folded.on_word_boundaries(m.start(), m.end()))
            .map(|m| folded.original_span(m.start(), m.end()))
            .collect();
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
        for (s, e) in spans {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }

    /// For each pattern, the folded span of its first whole-word occurrence.
    fn scan(&self, folded: &Folded) -> Vec<Option<(usize, usize)>> {
        let mut first_at = vec![None; self.patterns.len()];
        for m in self.automaton.find_overlapping_iter(&folded.text) {
            let slot = &mut first_at[m.pattern().as_usize()];
            if slot.is_none() && folded.on_word_boundaries(m.start(), m.end()) {
                *slot = Some((m.start(), m.end()));
            }
        }
        first_at
    }
}

impl CompiledBrand {
    fn evaluate(
        &self,
        first_at: &[Option<(usize, usize)>],
        patterns: &[String],
        folded: &Folded,
    ) -> Option<BrandMatch> {
        let present = |t: usize| first_at[t].is_some();
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        for query in self.queries.iter().filter(|q| q.expr.eval(&present)) {
            for &t in &query.positive {
                if let Some((start, end)) = first_at[t] {
                    found.push((start, end, t));
                }
            }
        }
        if found.is_empty() {
            return None;
        }
        found.sort_unstable();
        found.dedup_by_key(|f| f.2);
        Some(BrandMatch {
            brand: self.name.clone(),
            terms: found.iter().map(|f| patterns[f.2].clone()).collect(),
            hits: found
                .iter()
                .map(|f| folded.original_span(f.0, f.1))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(brands: &[(&str, &[&str])]) -> KeywordMatcher {
        let specs: Vec<BrandSpec> = brands
            .iter()
            .map(|(name, qs)| BrandSpec {
                name: BrandName::from(*name),
                queries: qs.iter().map(|q| q.to_string()).collect(),
            })
            .collect();
        KeywordMatcher::new(&specs).unwrap()
    }

    fn brands(m: &KeywordMatcher, text: &str) -> Vec<String> {
        m.find(text)
            .into_iter()
            .map(|b| b.brand.to_string())
            .collect()
    }

    #[test]
    fn word_boundaries() {
        let m = matcher(&[("Acme", &["acme"])]);
        assert_eq!(brands(&m, "Acme launches"), ["Acme"]);
        assert_eq!(brands(&m, "(acme)"), ["Acme"]);
        assert_eq!(brands(&m, "ACME's new line"), ["Acme"]);
        assert!(brands(&m, "Acmeville fair").is_empty());
        assert!(brands(&m, "the Bigacme store").is_empty());
        assert!(brands(&m, "acme2 release").is_empty());
    }

    #[test]
    fn accents_and_case_both_ways() {
        let m = matcher(&[("Acme", &["acme reclamação"]), ("Café", &["café"])]);
        assert_eq!(brands(&m, "ACME: reclamacao aberta"), ["Acme"]);
        assert_eq!(brands(&m, "Acme RECLAMAÇÃO"), ["Acme"]);
        assert_eq!(brands(&m, "cafe"), ["Café"]);
    }

    #[test]
    fn phrases_need_adjacent_words() {
        let m = matcher(&[("Acme", &["\"acme corp\""])]);
        assert_eq!(brands(&m, "Acme-Corp said"), ["Acme"]);
        assert!(brands(&m, "Acme, the corp").is_empty());
    }

    #[test]
    fn exclusion_and_or_across_brands_in_one_scan() {
        let m = matcher(&[
            ("Acme", &["acme -job", "acmecorp"]),
            ("Globex", &["globex refund OR reembolso"]),
        ]);
        assert_eq!(brands(&m, "acme and globex reembolso"), ["Acme", "Globex"]);
        assert_eq!(brands(&m, "acme job offer, acmecorp"), ["Acme"]);
        assert!(brands(&m, "acme job offer").is_empty());
        assert!(brands(&m, "globex news").is_empty());
    }

    #[test]
    fn overlapping_terms_are_all_found() {
        let m = matcher(&[
            ("Acme", &["\"acme corp\""]),
            ("Corp", &["corp"]),
            ("A", &["acme"]),
        ]);
        assert_eq!(brands(&m, "Acme Corp"), ["Acme", "Corp", "A"]);
    }

    #[test]
    fn reports_terms_and_original_spans_in_order() {
        let m = matcher(&[("Acme", &["acme refund OR reembolso"])]);
        let text = "Pedi o reembolso à ACME ontem";
        let found = m.find(text);
        assert_eq!(found[0].terms, ["reembolso", "acme"]);
        let (s, e) = found[0].hits[1];
        assert_eq!(&text[s..e], "ACME");
    }
}
