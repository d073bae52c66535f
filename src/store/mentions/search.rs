//! Words as a person types them into a search, in the spirit of the brand
//! queries: each word or `"quoted phrase"` must appear (accents and case
//! aside), `OR` between two allows either, `-word` or `-"a phrase"` must
//! not appear, and a word ending in `*` is a prefix. Nothing else of the
//! engines' syntax (FTS5's columns and NEAR, PostgreSQL's operators) gets
//! through, so no input is a syntax error. The same words become SQLite's
//! FTS5 query ([`fts_query`]) or PostgreSQL's tsquery ([`ts_query`]).

/// A word or phrase to look for.
struct Term<'a> {
    text: &'a str,
    prefix: bool,
}

/// What must appear (terms, and `None` for an `OR` between two) and what
/// must not.
struct Search<'a> {
    wanted: Vec<Option<Term<'a>>>,
    excluded: Vec<Term<'a>>,
}

/// None when there is no word to look for (exclusions alone find nothing).
fn parse(text: &str) -> Option<Search<'_>> {
    let mut search = Search {
        wanted: Vec::new(),
        excluded: Vec::new(),
    };
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let negated = rest.starts_with('-');
        if negated {
            rest = &rest[1..];
        }
        let Some(first) = rest.chars().next() else {
            break;
        };
        let (word, tail) = if first == '"' {
            let body = &rest[1..];
            let end = body.find('"').unwrap_or(body.len());
            (&body[..end], body.get(end + 1..).unwrap_or(""))
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        rest = tail;
        if word == "OR" && first != '"' && !negated {
            if search.wanted.last().is_some_and(Option::is_some) {
                search.wanted.push(None);
            }
            continue;
        }
        let (word, prefix) = match word.strip_suffix('*') {
            Some(w) if first != '"' => (w, true),
            _ => (word, false),
        };
        // Only letters and digits are indexed: a bare "!" finds nothing.
        if !word.chars().any(char::is_alphanumeric) {
            continue;
        }
        let term = Term { text: word, prefix };
        if negated {
            search.excluded.push(term);
        } else {
            search.wanted.push(Some(term));
        }
    }
    if search.wanted.last().is_some_and(Option::is_none) {
        search.wanted.pop();
    }
    (!search.wanted.is_empty()).then_some(search)
}

/// The search as an FTS5 query: each term quoted, so that none of FTS5's
/// syntax gets through.
pub fn fts_query(text: &str) -> Option<String> {
    let search = parse(text)?;
    let quoted = |t: &Term<'_>| {
        let star = if t.prefix { "*" } else { "" };
        format!("\"{}\"{star}", t.text.replace('"', "\"\""))
    };
    let wanted: Vec<String> = search
        .wanted
        .iter()
        .map(|t| t.as_ref().map_or_else(|| "OR".to_string(), quoted))
        .collect();
    let mut query = format!("({})", wanted.join(" "));
    for term in &search.excluded {
        query.push_str(" NOT ");
        query.push_str(&quoted(term));
    }
    Some(query)
}

/// The search as a PostgreSQL tsquery (for `to_tsquery('simple', …)`):
/// each term's runs of letters and digits as quoted lexemes, a phrase's
/// joined by `<->`, so that none of tsquery's syntax gets through. The
/// operators keep FTS5's precedence: NOT, then AND, then OR.
pub fn ts_query(text: &str) -> Option<String> {
    let search = parse(text)?;
    let lexemes = |t: &Term<'_>| {
        let runs: Vec<String> = t
            .text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|run| !run.is_empty())
            .map(|run| format!("'{run}'"))
            .collect();
        let star = if t.prefix { ":*" } else { "" };
        format!("({}{star})", runs.join(" <-> "))
    };
    let mut query = String::from("(");
    let mut after_term = false;
    for part in &search.wanted {
        match part {
            Some(term) => {
                if after_term {
                    query.push_str(" & ");
                }
                query.push_str(&lexemes(term));
                after_term = true;
            }
            None => {
                query.push_str(" | ");
                after_term = false;
            }
        }
    }
    query.push(')');
    for term in &search.excluded {
        query.push_str(" & !");
        query.push_str(&lexemes(term));
    }
    Some(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_are_safe_fts5_queries() {
        assert_eq!(fts_query("recall").as_deref(), Some("(\"recall\")"));
        assert_eq!(
            fts_query("lumora -recall -\"job opening\"").as_deref(),
            Some("(\"lumora\") NOT \"recall\" NOT \"job opening\"")
        );
        assert_eq!(
            fts_query("refund OR reembolso entreg*").as_deref(),
            Some("(\"refund\" OR \"reembolso\" \"entreg\"*)")
        );
        // FTS5's own syntax is only words here.
        assert_eq!(
            fts_query("title:x NEAR(a b) \"say \"\"hi\"").as_deref(),
            Some("(\"title:x\" \"NEAR(a\" \"b)\" \"say \" \"hi\")")
        );
        assert_eq!(fts_query("OR recall OR").as_deref(), Some("(\"recall\")"));
        for nothing in ["", "  ", "!!", "-recall", "OR", "\"\""] {
            assert_eq!(fts_query(nothing), None, "{nothing:?}");
            assert_eq!(ts_query(nothing), None, "{nothing:?}");
        }
    }

    #[test]
    fn searches_are_safe_tsqueries() {
        assert_eq!(
            ts_query("lumora -recall -\"job opening\"").as_deref(),
            Some("(('lumora')) & !('recall') & !('job' <-> 'opening')")
        );
        assert_eq!(
            ts_query("refund OR reembolso entreg*").as_deref(),
            Some("(('refund') | ('reembolso') & ('entreg':*))")
        );
        // tsquery's own syntax is only words here.
        assert_eq!(
            ts_query("a&b | !c 'd' x:*").as_deref(),
            Some("(('a' <-> 'b') & ('c') & ('d') & ('x':*))")
        );
    }
}
