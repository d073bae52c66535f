//! A brand query (Vigia's query language) in a provider's search syntax.
//!
//! What a provider returns goes through the brand matcher like any item,
//! so its query only has to be no narrower than the brand's: an exclusion
//! a provider cannot say is left out (more results, the matcher drops
//! them), and a provider without OR gets one search per alternative.

use crate::query::{Expr, Query};

/// How a provider writes a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Words, "phrases", OR, parentheses and exclusions written as `not`
    /// (`-` for Google and Bing, `NOT ` for Reddit).
    Boolean {
        /// What an exclusion starts with.
        not: &'static str,
    },
    /// Words and "phrases" only, all required: one search per
    /// alternative. With `or`, alternatives of one term each go in one
    /// search joined by it (YouTube's `|`).
    Split {
        /// The provider's OR between single terms, when it has one.
        or: Option<&'static str>,
    },
}

/// The most searches one query may need on a provider without OR.
pub const MAX_SEARCHES: usize = 8;

/// Why a query cannot be searched for on a provider.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the query needs {needed} searches on a provider without OR (at most {MAX_SEARCHES}); give this search a narrower `query`")]
pub struct TooManySearches {
    /// How many it would need.
    pub needed: usize,
}

/// The searches that find at least what `query` matches, in `syntax`.
pub fn translate(query: &Query, syntax: Syntax) -> Result<Vec<String>, TooManySearches> {
    match syntax {
        Syntax::Boolean { not } => Ok(vec![boolean(query, &query.expr, not, false)]),
        Syntax::Split { or } => {
            let alternatives = alternatives(&query.expr);
            let single = alternatives.iter().all(|a| a.len() == 1);
            if let (Some(or), true, false) = (or, single, alternatives.len() == 1) {
                let terms: Vec<String> = alternatives.iter().map(|a| term(query, a[0])).collect();
                return Ok(vec![terms.join(&format!(" {or} "))]);
            }
            if alternatives.len() > MAX_SEARCHES {
                return Err(TooManySearches {
                    needed: alternatives.len(),
                });
            }
            Ok(alternatives
                .iter()
                .map(|a| {
                    a.iter()
                        .map(|&t| term(query, t))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect())
        }
    }
}

/// The search words of each alternative: the terms each must have (in
/// disjunctive normal form, exclusions left out), without repeats and
/// without an alternative that holds another's terms and more.
pub fn alternatives(expr: &Expr) -> Vec<Vec<usize>> {
    let mut all = dnf(expr);
    for a in &mut all {
        a.sort_unstable();
        a.dedup();
    }
    all.retain(|a| !a.is_empty());
    all.sort();
    all.dedup();
    let kept: Vec<Vec<usize>> = all
        .iter()
        .filter(|a| {
            !all.iter()
                .any(|b| b != *a && b.len() < a.len() && b.iter().all(|t| a.contains(t)))
        })
        .cloned()
        .collect();
    kept
}

/// Alternatives beyond which the product stops growing: a query that
/// needs more is refused anyway.
const MAX_ALTERNATIVES: usize = 64;

fn dnf(expr: &Expr) -> Vec<Vec<usize>> {
    match expr {
        Expr::Term(i) => vec![vec![*i]],
        // What an exclusion leaves out is left to the matcher.
        Expr::Not(_) => vec![Vec::new()],
        Expr::Or(parts) => parts.iter().flat_map(dnf).collect(),
        Expr::And(parts) => {
            let mut product = vec![Vec::new()];
            for part in parts {
                let options = dnf(part);
                let mut next = Vec::new();
                for left in &product {
                    for right in &options {
                        next.push([left.as_slice(), right.as_slice()].concat());
                        if next.len() > MAX_ALTERNATIVES {
                            return next;
                        }
                    }
                }
                product = next;
            }
            product
        }
    }
}

fn term(query: &Query, index: usize) -> String {
    let t = &query.terms[index];
    if t.contains(' ') {
        format!("\"{t}\"")
    } else {
        t.clone()
    }
}

fn boolean(query: &Query, expr: &Expr, not: &str, inner: bool) -> String {
    match expr {
        Expr::Term(i) => term(query, *i),
        Expr::And(parts) => {
            let said: Vec<String> = parts
                .iter()
                .map(|p| boolean(query, p, not, true))
                .filter(|s| !s.is_empty())
                .collect();
            let joined = said.join(" ");
            if inner && said.len() > 1 {
                format!("({joined})")
            } else {
                joined
            }
        }
        Expr::Or(parts) => {
            let said: Vec<String> = parts.iter().map(|p| boolean(query, p, not, true)).collect();
            if inner {
                format!("({})", said.join(" OR "))
            } else {
                said.join(" OR ")
            }
        }
        // An excluded term or phrase is written; an excluded group, which
        // no provider reads the same way, is left to the matcher.
        Expr::Not(inside) => match inside.as_ref() {
            Expr::Term(i) => format!("{not}{}", term(query, *i)),
            _ => String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(query: &str, syntax: Syntax) -> Result<Vec<String>, TooManySearches> {
        translate(&Query::parse(query).unwrap(), syntax)
    }

    #[test]
    fn boolean_providers_get_the_query_in_their_words() {
        let google = Syntax::Boolean { not: "-" };
        let reddit = Syntax::Boolean { not: "NOT " };
        let q = r#""Acme Corp" (refund OR reembolso) -job"#;
        assert_eq!(
            said(q, google).unwrap(),
            [r#""acme corp" (refund OR reembolso) -job"#]
        );
        assert_eq!(
            said(q, reddit).unwrap(),
            [r#""acme corp" (refund OR reembolso) NOT job"#]
        );
        assert_eq!(
            said("acme -(job OR hiring)", google).unwrap(),
            ["acme"],
            "an excluded group is left to the matcher"
        );
        assert_eq!(
            said("(acme OR \"acme corp\") OR lumora", google).unwrap(),
            [r#"(acme OR "acme corp") OR lumora"#]
        );
    }

    #[test]
    fn providers_without_or_get_one_search_per_alternative() {
        let split = Syntax::Split { or: None };
        assert_eq!(
            said(r#""acme corp" (refund OR reembolso) -job"#, split).unwrap(),
            [r#""acme corp" refund"#, r#""acme corp" reembolso"#]
        );
        assert_eq!(
            said("acme OR (acme refund)", split).unwrap(),
            ["acme"],
            "an alternative holding another's terms and more adds nothing"
        );
        let youtube = Syntax::Split { or: Some("|") };
        assert_eq!(
            said(r#"acme OR "acme corp" -job"#, youtube).unwrap(),
            [r#"acme | "acme corp""#]
        );
        assert_eq!(
            said("acme (a OR b)", youtube).unwrap(),
            ["acme a", "acme b"]
        );
        let wide = "(a OR b OR c) (d OR e OR f)";
        assert_eq!(said(wide, split), Err(TooManySearches { needed: 9 }));
    }
}
