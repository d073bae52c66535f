//! Field paths into a JSON document, as a JSON source's config writes
//! them:
//!
//! - a path: `data.children`, `$.hits[0].title`, `author['display name']`;
//!   `[*]` takes every element of an array (`data.children[*].data`);
//! - a template: `https://news.ycombinator.com/item?id={objectID}`, where
//!   each `{path}` is replaced by its value (`{uri|last}`: the part after
//!   the last `/`), and which has no value when one of them has none;
//! - alternatives: `title || Re: {story_title}`, the first that has a
//!   value.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    All,
}

/// A path into a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    steps: Vec<Step>,
    /// As written, for messages.
    text: String,
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why a path does not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{what} at column {at} of {path:?}")]
pub struct PathError {
    /// The path as written.
    pub path: String,
    /// Where, counting characters from 1.
    pub at: usize,
    /// What is wrong.
    pub what: &'static str,
}

impl Path {
    /// Parses a path; `$` or the empty path is the document itself.
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let error = |at: usize, what| PathError {
            path: text.to_string(),
            at: at + 1,
            what,
        };
        let trimmed = text.trim();
        let rest = trimmed.strip_prefix('$').unwrap_or(trimmed);
        let offset = text.len() - rest.len();
        let chars: Vec<(usize, char)> = rest.char_indices().collect();
        let mut steps = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let (at, c) = chars[i];
            match c {
                '.' => {
                    i += 1;
                    let start = i;
                    while i < chars.len() && !matches!(chars[i].1, '.' | '[') {
                        i += 1;
                    }
                    let key: String = chars[start..i].iter().map(|&(_, c)| c).collect();
                    if key.trim().is_empty() {
                        return Err(error(offset + at, "a name is missing after '.'"));
                    }
                    steps.push(Step::Key(key.trim().to_string()));
                }
                '[' => {
                    let close = chars[i..]
                        .iter()
                        .position(|&(_, c)| c == ']')
                        .map(|p| p + i)
                        .ok_or_else(|| error(offset + at, "'[' is never closed"))?;
                    let inside: String = chars[i + 1..close].iter().map(|&(_, c)| c).collect();
                    let inside = inside.trim();
                    let step = if inside == "*" {
                        Step::All
                    } else if let Ok(n) = inside.parse::<usize>() {
                        Step::Index(n)
                    } else if let Some(quoted) = inside
                        .strip_prefix('\'')
                        .and_then(|s| s.strip_suffix('\''))
                        .or_else(|| inside.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
                    {
                        Step::Key(quoted.to_string())
                    } else {
                        return Err(error(
                            offset + at,
                            "expected [number], [*] or ['name'] in brackets",
                        ));
                    };
                    steps.push(step);
                    i = close + 1;
                }
                _ if i == 0 => {
                    // A path may start with a bare name: `data.children`.
                    let start = i;
                    while i < chars.len() && !matches!(chars[i].1, '.' | '[') {
                        i += 1;
                    }
                    let key: String = chars[start..i].iter().map(|&(_, c)| c).collect();
                    steps.push(Step::Key(key.trim().to_string()));
                }
                _ => return Err(error(offset + at, "expected '.' or '['")),
            }
        }
        Ok(Path {
            steps,
            text: text.trim().to_string(),
        })
    }

    /// Every value the path reaches (several through `[*]`).
    pub fn select<'a>(&self, root: &'a Value) -> Vec<&'a Value> {
        let mut here = vec![root];
        for step in &self.steps {
            here = here
                .into_iter()
                .flat_map(|v| -> Vec<&Value> {
                    match (step, v) {
                        (Step::Key(k), Value::Object(map)) => map.get(k).into_iter().collect(),
                        (Step::Index(n), Value::Array(list)) => list.get(*n).into_iter().collect(),
                        (Step::All, Value::Array(list)) => list.iter().collect(),
                        (Step::All, Value::Object(map)) => map.values().collect(),
                        _ => Vec::new(),
                    }
                })
                .collect();
        }
        here
    }

    /// The first value the path reaches.
    pub fn first<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        // Without `[*]` a path reaches one value at most: walk it without
        // collecting (each field of each item is read so).
        let mut here = root;
        for step in &self.steps {
            here = match (step, here) {
                (Step::Key(k), Value::Object(map)) => map.get(k)?,
                (Step::Index(n), Value::Array(list)) => list.get(*n)?,
                (Step::All, _) => return self.select(root).into_iter().next(),
                _ => return None,
            };
        }
        Some(here)
    }
}

/// How a template changes a value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Filter {
    None,
    /// The part after the last `/` (an AT URI's record key).
    Last,
}

/// A placeholder: alternatives and a filter.
#[derive(Debug, Clone, PartialEq)]
struct Slot {
    paths: Vec<Path>,
    filter: Filter,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Slot(Slot),
}

/// A field of an item: alternatives (`a || b`), each a path or a
/// template.
#[derive(Debug, Clone, PartialEq)]
pub struct Field(Vec<Vec<Piece>>);

impl Field {
    /// Parses `a || Re: {b}`: paths and templates with `{…}` placeholders,
    /// the first that has a value being the field's.
    pub fn parse(text: &str) -> Result<Field, PathError> {
        let mut alternatives = Vec::new();
        let mut start = 0;
        let mut depth = 0usize;
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'{' => depth += 1,
                b'}' => depth = depth.saturating_sub(1),
                b'|' if depth == 0 && bytes.get(i + 1) == Some(&b'|') => {
                    alternatives.push(alternative(text, start, i)?);
                    start = i + 2;
                    i += 1;
                }
                _ => {}
            }
            i += 1;
        }
        alternatives.push(alternative(text, start, text.len())?);
        Ok(Field(alternatives))
    }

    /// The field's text in `item`: the first alternative whose every
    /// placeholder has a value.
    pub fn text(&self, item: &Value) -> Option<String> {
        self.0.iter().find_map(|pieces| {
            let mut out = String::new();
            for piece in pieces {
                match piece {
                    Piece::Text(t) => out.push_str(t),
                    Piece::Slot(slot) => out.push_str(&slot.text(item)?),
                }
            }
            Some(out)
        })
    }

    /// The field's value as a count (a score, followers): a number or a
    /// numeric string, not negative.
    pub fn count(&self, item: &Value) -> Option<u64> {
        let text = self.text(item)?;
        let n: f64 = text.trim().parse().ok()?;
        (n.is_finite() && n >= 0.0).then_some(n.round() as u64)
    }

    /// The value itself, from the first alternative that is a bare path
    /// with a value (a date given as a number stays a number).
    pub fn value<'a>(&self, item: &'a Value) -> Option<&'a Value> {
        self.0.iter().find_map(|pieces| match pieces.as_slice() {
            [Piece::Slot(slot)] if slot.filter == Filter::None => slot
                .paths
                .iter()
                .filter_map(|p| p.first(item))
                .find(|v| is_scalar(v)),
            _ => None,
        })
    }
}

/// One alternative, `text[from..to]`: a template when it has `{`, else a
/// path.
fn alternative(text: &str, from: usize, to: usize) -> Result<Vec<Piece>, PathError> {
    let part = text[from..to].trim();
    if !part.contains('{') {
        return Ok(vec![Piece::Slot(slot(part)?)]);
    }
    let mut pieces = Vec::new();
    let mut rest = part;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_string()));
        }
        let close = rest[open..].find('}').ok_or_else(|| PathError {
            path: text.to_string(),
            at: from + (part.len() - rest.len()) + open + 1,
            what: "'{' is never closed",
        })?;
        pieces.push(Piece::Slot(slot(&rest[open + 1..open + close])?));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Ok(pieces)
}

fn slot(text: &str) -> Result<Slot, PathError> {
    let (paths, filter) = match text.rsplit_once('|') {
        Some((paths, "last")) if !paths.ends_with('|') => (paths, Filter::Last),
        _ => (text, Filter::None),
    };
    let paths = paths
        .split("||")
        .map(Path::parse)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Slot { paths, filter })
}

impl Slot {
    fn text(&self, item: &Value) -> Option<String> {
        let value = self
            .paths
            .iter()
            .filter_map(|p| p.first(item))
            .find_map(scalar)?;
        match self.filter {
            Filter::None => Some(value),
            Filter::Last => value
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .map(str::to_string),
        }
    }
}

/// Whether [`scalar`] has text for `value`, without making it.
fn is_scalar(value: &Value) -> bool {
    match value {
        Value::String(s) => !s.trim().is_empty(),
        Value::Number(_) | Value::Bool(_) => true,
        Value::Array(list) => list.iter().any(is_scalar),
        _ => false,
    }
}

/// A value as text, when it is one (strings not empty; arrays of strings
/// joined).
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(list) => {
            let parts: Vec<String> = list.iter().filter_map(scalar).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_reach_values() {
        let doc = json!({
            "data": {"children": [{"data": {"title": "one", "score": 5}}, {"data": {"title": "two"}}]},
            "odd key": {"a.b": 1},
        });
        let titles = Path::parse("data.children[*].data.title").unwrap();
        let got: Vec<&Value> = titles.select(&doc);
        assert_eq!(got, [&json!("one"), &json!("two")]);
        assert_eq!(
            Path::parse("$.data.children[1].data.title")
                .unwrap()
                .first(&doc),
            Some(&json!("two"))
        );
        assert_eq!(
            Path::parse("['odd key']['a.b']").unwrap().first(&doc),
            Some(&json!(1))
        );
        assert_eq!(Path::parse("$").unwrap().first(&doc), Some(&doc));
        assert_eq!(Path::parse("data.nothing").unwrap().first(&doc), None);
    }

    #[test]
    fn bad_paths_say_where() {
        let e = Path::parse("data.[0").unwrap_err();
        assert_eq!(e.at, 5, "{e}");
        assert!(Path::parse("data[x]").is_err());
        assert!(Path::parse("data..x").is_err());
        assert!(Field::parse("https://x/{id").is_err());
    }

    #[test]
    fn fields_take_alternatives_and_templates() {
        let hit = json!({"objectID": "42", "title": null, "story_title": "Ask HN",
                         "uri": "at://did:plc:x/app.bsky.feed.post/3kabc", "points": 12.0,
                         "tags": ["a", "b"]});
        let title = Field::parse("title || story_title").unwrap();
        assert_eq!(title.text(&hit).as_deref(), Some("Ask HN"));
        let comment = Field::parse("title || Re: {story_title}").unwrap();
        assert_eq!(comment.text(&hit).as_deref(), Some("Re: Ask HN"));
        let link = Field::parse("https://news.ycombinator.com/item?id={objectID}").unwrap();
        assert_eq!(
            link.text(&hit).as_deref(),
            Some("https://news.ycombinator.com/item?id=42")
        );
        let post = Field::parse("https://bsky.app/post/{uri|last}").unwrap();
        assert_eq!(
            post.text(&hit).as_deref(),
            Some("https://bsky.app/post/3kabc")
        );
        assert_eq!(Field::parse("{missing}/x").unwrap().text(&hit), None);
        assert_eq!(Field::parse("points").unwrap().count(&hit), Some(12));
        assert_eq!(
            Field::parse("tags").unwrap().text(&hit).as_deref(),
            Some("a, b")
        );
        assert_eq!(
            Field::parse("points").unwrap().value(&hit),
            Some(&json!(12.0))
        );
    }
}
