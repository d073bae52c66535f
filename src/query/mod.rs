//! The brand query language: what Google Alerts users already write.
//!
//! - words and `"quoted phrases"`, matched as whole words;
//! - juxtaposition is AND: `acme refund` needs both;
//! - `OR` (upper case) or `|` between two terms is OR, and binds tighter than
//!   AND, as in Google: `acme refund OR reembolso` is
//!   `acme AND (refund OR reembolso)`;
//! - `-term`, `-"phrase"` or `-( … )` excludes;
//! - parentheses group.
//!
//! A query must contain at least one term that is not excluded: a query of
//! exclusions alone would match nearly every document. [`matcher`] compiles
//! every brand's queries (and triage's route and alarm queries) into one
//! automaton.

pub mod matcher;

use std::fmt;

/// Deepest nesting of parentheses and exclusions a query may use; the
/// parser recurses, and no real query comes near this.
pub const MAX_DEPTH: usize = 32;

use crate::text::fold::Folded;

/// A parsed query: an expression over its terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The expression; [`Expr::Term`] indexes into `terms`.
    pub expr: Expr,
    /// Each distinct term, folded: words joined by single spaces.
    pub terms: Vec<String>,
}

/// A boolean expression over term indexes.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// The term with this index is present.
    Term(usize),
    /// All of these hold.
    And(Vec<Expr>),
    /// At least one of these holds.
    Or(Vec<Expr>),
    /// This does not hold.
    Not(Box<Expr>),
}

/// Why a query does not parse. Positions are character offsets from 1.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// Nothing but white space.
    #[error("query is empty")]
    Empty,
    /// A `"` with no closing `"`.
    #[error("unterminated quote opened at column {0}")]
    UnterminatedQuote(usize),
    /// `""` or a phrase of punctuation only.
    #[error("term at column {0} has no letters or digits")]
    EmptyTerm(usize),
    /// A `(` never closed.
    #[error("unclosed parenthesis opened at column {0}")]
    Unclosed(usize),
    /// A `)` with no `(`.
    #[error("unexpected ')' at column {0}")]
    UnexpectedClose(usize),
    /// `OR` or `-` with nothing after it, or `OR` at the start of a group.
    #[error("'{op}' at column {col} needs a term after it")]
    Dangling {
        /// The operator.
        op: &'static str,
        /// Where it is.
        col: usize,
    },
    /// Only exclusions.
    #[error("query has no term that is not excluded")]
    NoPositiveTerm,
    /// Parentheses or `-` nested deeper than [`MAX_DEPTH`].
    #[error("query nests deeper than {MAX_DEPTH} levels at column {0}")]
    TooDeep(usize),
}

impl Query {
    /// Parses a query.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigia::query::Query;
    /// let q = Query::parse(r#""Acme Corp" refund OR reembolso -job"#).unwrap();
    /// assert_eq!(q.terms, ["acme corp", "refund", "reembolso", "job"]);
    /// assert!(Query::parse("acme (refund").is_err());
    /// ```
    pub fn parse(input: &str) -> Result<Query, QueryError> {
        let tokens = lex(input)?;
        if tokens.is_empty() {
            return Err(QueryError::Empty);
        }
        let mut parser = Parser {
            tokens,
            pos: 0,
            terms: Vec::new(),
            depth: 0,
        };
        let expr = parser.and(None)?;
        if let Some((Tok::Close, col)) = parser.tokens.get(parser.pos) {
            return Err(QueryError::UnexpectedClose(*col));
        }
        let query = Query {
            expr,
            terms: parser.terms,
        };
        if query.positive_terms().is_empty() {
            return Err(QueryError::NoPositiveTerm);
        }
        Ok(query)
    }

    /// Indexes of the terms that count for a match: those not under an
    /// exclusion.
    pub fn positive_terms(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.expr.collect_terms(false, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl Expr {
    /// Evaluates the expression given which terms are present.
    pub fn eval(&self, present: &impl Fn(usize) -> bool) -> bool {
        match self {
            Expr::Term(t) => present(*t),
            Expr::And(all) => all.iter().all(|e| e.eval(present)),
            Expr::Or(any) => any.iter().any(|e| e.eval(present)),
            Expr::Not(e) => !e.eval(present),
        }
    }

    /// Rewrites term indexes through `map`.
    pub fn remap(&self, map: &impl Fn(usize) -> usize) -> Expr {
        match self {
            Expr::Term(t) => Expr::Term(map(*t)),
            Expr::And(all) => Expr::And(all.iter().map(|e| e.remap(map)).collect()),
            Expr::Or(any) => Expr::Or(any.iter().map(|e| e.remap(map)).collect()),
            Expr::Not(e) => Expr::Not(Box::new(e.remap(map))),
        }
    }

    fn collect_terms(&self, negated: bool, out: &mut Vec<usize>) {
        match self {
            Expr::Term(t) if !negated => out.push(*t),
            Expr::Term(_) => {}
            Expr::And(es) | Expr::Or(es) => es.iter().for_each(|e| e.collect_terms(negated, out)),
            Expr::Not(e) => e.collect_terms(!negated, out),
        }
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr.write(&self.terms, f)
    }
}

impl Expr {
    fn write(&self, terms: &[String], f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |es: &[Expr], sep: &str, f: &mut fmt::Formatter<'_>| {
            f.write_str("(")?;
            for (i, e) in es.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                e.write(terms, f)?;
            }
            f.write_str(")")
        };
        match self {
            Expr::Term(t) => write!(f, "\"{}\"", terms[*t]),
            Expr::And(es) => join(es, " ", f),
            Expr::Or(es) => join(es, " OR ", f),
            Expr::Not(e) => {
                f.write_str("-")?;
                e.write(terms, f)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Term(String),
    Or,
    Minus,
    Open,
    Close,
}

fn lex(input: &str) -> Result<Vec<(Tok, usize)>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let col = i + 1;
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | '|' => {
                out.push((lex_punct(c), col));
                i += 1;
            }
            '-' if chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) => {
                out.push((Tok::Minus, col));
                i += 1;
            }
            '"' => {
                let close = chars[i + 1..].iter().position(|&c| c == '"');
                let close = close.ok_or(QueryError::UnterminatedQuote(col))? + i + 1;
                let phrase: String = chars[i + 1..close].iter().collect();
                out.push((term(&phrase, col)?, col));
                i = close + 1;
            }
            _ => {
                let len = chars[i..]
                    .iter()
                    .position(|&c| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '|'))
                    .unwrap_or(chars.len() - i);
                let word: String = chars[i..i + len].iter().collect();
                match word.as_str() {
                    "OR" => out.push((Tok::Or, col)),
                    "AND" => {}
                    _ => out.push((term(&word, col)?, col)),
                }
                i += len;
            }
        }
    }
    Ok(out)
}

fn lex_punct(c: char) -> Tok {
    match c {
        '(' => Tok::Open,
        ')' => Tok::Close,
        _ => Tok::Or,
    }
}

fn term(text: &str, col: usize) -> Result<Tok, QueryError> {
    let folded = Folded::new(text);
    let words: Vec<&str> = folded.words().collect();
    if words.is_empty() {
        return Err(QueryError::EmptyTerm(col));
    }
    Ok(Tok::Term(words.join(" ")))
}

struct Parser {
    tokens: Vec<(Tok, usize)>,
    pos: usize,
    terms: Vec<String>,
    depth: usize,
}

impl Parser {
    /// and := or+ ; stops at `)` or the end.
    fn and(&mut self, opened_at: Option<usize>) -> Result<Expr, QueryError> {
        let mut items = Vec::new();
        loop {
            match self.peek() {
                None => break,
                Some((Tok::Close, col)) => {
                    if opened_at.is_none() {
                        return Err(QueryError::UnexpectedClose(col));
                    }
                    break;
                }
                Some((Tok::Or, col)) => return Err(QueryError::Dangling { op: "OR", col }),
                Some(_) => items.push(self.or()?),
            }
        }
        match items.len() {
            0 => Err(opened_at.map_or(QueryError::Empty, QueryError::EmptyTerm)),
            1 => Ok(items.remove(0)),
            _ => Ok(Expr::And(items)),
        }
    }

    /// or := unary ( OR unary )*
    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut items = vec![self.unary()?];
        while let Some((Tok::Or, col)) = self.peek() {
            self.pos += 1;
            match self.peek() {
                None | Some((Tok::Close | Tok::Or, _)) => {
                    return Err(QueryError::Dangling { op: "OR", col })
                }
                Some(_) => items.push(self.unary()?),
            }
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    /// unary := '-' unary | atom
    fn unary(&mut self) -> Result<Expr, QueryError> {
        let col = self.peek().map_or(0, |(_, col)| col);
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(QueryError::TooDeep(col));
        }
        let result = self.unary_inner();
        self.depth -= 1;
        result
    }

    fn unary_inner(&mut self) -> Result<Expr, QueryError> {
        if let Some((Tok::Minus, col)) = self.peek() {
            self.pos += 1;
            return match self.peek() {
                None | Some((Tok::Close | Tok::Or, _)) => {
                    Err(QueryError::Dangling { op: "-", col })
                }
                Some(_) => Ok(Expr::Not(Box::new(self.unary()?))),
            };
        }
        self.atom()
    }

    /// atom := TERM | '(' and ')'
    fn atom(&mut self) -> Result<Expr, QueryError> {
        let Some((tok, col)) = self.tokens.get(self.pos).cloned() else {
            return Err(QueryError::Empty);
        };
        self.pos += 1;
        match tok {
            Tok::Term(text) => Ok(Expr::Term(self.intern(text))),
            Tok::Open => {
                let inner = self.and(Some(col))?;
                match self.peek() {
                    Some((Tok::Close, _)) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err(QueryError::Unclosed(col)),
                }
            }
            Tok::Close => Err(QueryError::UnexpectedClose(col)),
            Tok::Or => Err(QueryError::Dangling { op: "OR", col }),
            Tok::Minus => Err(QueryError::Dangling { op: "-", col }),
        }
    }

    fn peek(&self) -> Option<(Tok, usize)> {
        self.tokens.get(self.pos).cloned()
    }

    fn intern(&mut self, text: String) -> usize {
        match self.terms.iter().position(|t| *t == text) {
            Some(i) => i,
            None => {
                self.terms.push(text);
                self.terms.len() - 1
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(q: &str) -> String {
        Query::parse(q)
            .map(|q| q.to_string())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn parses_the_google_alerts_forms() {
        let cases = [
            ("acme", r#""acme""#),
            ("Acme  Corp", r#"("acme" "corp")"#),
            (r#""Acme Corp""#, r#""acme corp""#),
            (
                "acme refund OR reembolso",
                r#"("acme" ("refund" OR "reembolso"))"#,
            ),
            ("acme | acmecorp", r#"("acme" OR "acmecorp")"#),
            (
                "acme -job -\"job offer\"",
                r#"("acme" -"job" -"job offer")"#,
            ),
            (
                "(acme OR acmecorp) (refund OR reclamação)",
                r#"(("acme" OR "acmecorp") ("refund" OR "reclamacao"))"#,
            ),
            ("acme -(job OR vaga)", r#"("acme" -("job" OR "vaga"))"#),
            ("acme AND refund", r#"("acme" "refund")"#),
            ("acme or refund", r#"("acme" "or" "refund")"#),
            ("e-commerce acme", r#"("e commerce" "acme")"#),
        ];
        for (input, want) in cases {
            assert_eq!(shape(input), want, "{input}");
        }
    }

    #[test]
    fn reports_errors_with_columns() {
        let cases = [
            ("", QueryError::Empty),
            ("   ", QueryError::Empty),
            ("\"acme corp", QueryError::UnterminatedQuote(1)),
            ("acme \"\"", QueryError::EmptyTerm(6)),
            ("acme (refund", QueryError::Unclosed(6)),
            ("acme refund)", QueryError::UnexpectedClose(12)),
            ("OR acme", QueryError::Dangling { op: "OR", col: 1 }),
            ("acme OR", QueryError::Dangling { op: "OR", col: 6 }),
            ("acme OR OR b", QueryError::Dangling { op: "OR", col: 6 }),
            ("acme -(", QueryError::EmptyTerm(7)),
            ("acme ()", QueryError::EmptyTerm(6)),
            ("-acme", QueryError::NoPositiveTerm),
            ("-acme -(a OR b)", QueryError::NoPositiveTerm),
            ("!!!", QueryError::EmptyTerm(1)),
            ("acme - corp", QueryError::EmptyTerm(6)),
            ("acme \u{301}", QueryError::EmptyTerm(6)),
            (
                "acme -------------------------------------x",
                QueryError::TooDeep(38),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(Query::parse(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}acme{}", "(".repeat(200_000), ")".repeat(200_000));
        assert!(matches!(Query::parse(&deep), Err(QueryError::TooDeep(_))));
        let ok = format!("{}acme{}", "(".repeat(10), ")".repeat(10));
        assert!(Query::parse(&ok).is_ok());
    }

    #[test]
    fn positive_terms_skip_exclusions_but_not_double_negation() {
        let q = Query::parse("acme -job -(-vaga)").unwrap();
        let names: Vec<_> = q
            .positive_terms()
            .into_iter()
            .map(|t| q.terms[t].clone())
            .collect();
        assert_eq!(names, ["acme", "vaga"]);
    }

    #[test]
    fn evaluates() {
        let q = Query::parse("acme refund OR reembolso -job").unwrap();
        let has = |words: &[&str]| {
            let set: Vec<usize> = words
                .iter()
                .filter_map(|w| q.terms.iter().position(|t| t == w))
                .collect();
            q.expr.eval(&|t| set.contains(&t))
        };
        assert!(has(&["acme", "refund"]));
        assert!(has(&["acme", "reembolso"]));
        assert!(!has(&["acme"]));
        assert!(!has(&["acme", "refund", "job"]));
    }
}
