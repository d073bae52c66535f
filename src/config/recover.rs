//! Every problem of a config file at once: when deserializing stops at a
//! bad entry, the entry is set aside and the file is read again, up to
//! [`MAX_PROBLEMS`] times. An unknown key close to a known one (a typo) is
//! read as the key it was meant to be, so that its value is checked too
//! and the table does not then lack it; any other bad entry is blanked
//! out, its bytes turned to spaces so that lines and columns stay true.

use std::ops::Range;

use toml_edit::{ImDocument, Item, Table, Value};

use super::error::{closest, ConfigError, SourceFile};

/// Problems reported from one file before giving up on the rest.
pub const MAX_PROBLEMS: usize = 50;

/// `file` deserialized with every entry that stopped it blanked out, and
/// the problems those entries were; Err when the file could not be read
/// past a problem (a syntax error, a missing key).
pub fn deserialize<T: serde::de::DeserializeOwned>(
    file: &SourceFile,
) -> Result<(T, Vec<ConfigError>), Vec<ConfigError>> {
    let mut text = file.text.clone();
    let mut problems: Vec<ConfigError> = Vec::new();
    loop {
        let e = match toml::from_str::<T>(&text) {
            Ok(value) => return Ok((value, problems)),
            Err(e) => e,
        };
        let message = e.message().trim_end().replace('\n', " ");
        // A key blanked out earlier is now missing: that is the same problem.
        if message.starts_with("missing field") && !problems.is_empty() {
            return Err(problems);
        }
        let table = e
            .span()
            .map(|s| super::table_at(&file.text, s.start))
            .unwrap_or_default();
        let suggestion = suggestion(&message);
        let text_message = match &suggestion {
            Some((_, near)) => format!("{message}; did you mean `{near}`?"),
            None => message.clone(),
        };
        let problem = file.error(e.span(), table, text_message);
        let repeated = problems
            .iter()
            .any(|p| p.key == problem.key && p.message == problem.message);
        if !repeated {
            problems.push(problem);
        }
        let renamed = match (suggestion, e.span()) {
            (Some((given, near)), Some(span)) => rename_key(&text, span, &given, &near),
            _ => None,
        };
        let next = renamed.or_else(|| e.span().and_then(|s| blank_entry(&text, s.start)));
        match next {
            Some(next) if problems.len() < MAX_PROBLEMS && next != text => text = next,
            _ => return Err(problems),
        }
    }
}

/// From serde's "unknown field `x`, expected one of `a`, `b`": the
/// unknown key and the known one closest to it, when it is close.
fn suggestion(message: &str) -> Option<(String, String)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (given, expected) = rest.split_once('`')?;
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    closest(given, &known).map(|near| (given.to_string(), near.to_string()))
}

/// `text` with the key `given` at `span` spelled `near`, taking or giving
/// the difference from the spaces after it so that every later byte keeps
/// its offset; None when there are not enough spaces, or when the result
/// is not a valid document (the table may already have `near`).
fn rename_key(text: &str, span: Range<usize>, given: &str, near: &str) -> Option<String> {
    if text.get(span.clone())? != given {
        return None;
    }
    let spaces = text[span.end..].len() - text[span.end..].trim_start_matches([' ', '\t']).len();
    let end = span.start + given.len() + spaces;
    let pad = (given.len() + spaces).checked_sub(near.len())?;
    let padded = format!("{near}{}", " ".repeat(pad));
    let renamed = format!("{}{padded}{}", &text[..span.start], &text[end..]);
    ImDocument::parse(renamed.as_str()).ok()?;
    Some(renamed)
}

/// `text` with the entry at byte `at` blanked out: the smallest
/// `key = value` holding it, or a whole `[table]` when `at` is in its
/// header. None when there is no such entry.
fn blank_entry(text: &str, at: usize) -> Option<String> {
    let doc = ImDocument::parse(text).ok()?;
    let mut best: Option<Range<usize>> = None;
    visit_table(doc.as_table(), at, &mut best);
    let range = match best {
        Some(range) => range,
        None => header_block(text, at)?,
    };
    let mut bytes = text.as_bytes().to_vec();
    for b in bytes.get_mut(range)? {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
    String::from_utf8(bytes).ok()
}

fn consider(range: Range<usize>, at: usize, best: &mut Option<Range<usize>>) {
    if range.contains(&at) && best.as_ref().is_none_or(|b| range.len() < b.len()) {
        *best = Some(range);
    }
}

fn visit_table(table: &Table, at: usize, best: &mut Option<Range<usize>>) {
    for (name, _) in table.iter() {
        let Some((key, item)) = table.get_key_value(name) else {
            continue;
        };
        match item {
            Item::Value(value) => {
                if let (Some(k), Some(v)) = (key.span(), value.span()) {
                    consider(k.start..v.end, at, best);
                }
                visit_value(value, at, best);
            }
            Item::Table(sub) => visit_table(sub, at, best),
            Item::ArrayOfTables(array) => {
                for sub in array.iter() {
                    visit_table(sub, at, best);
                }
            }
            Item::None => {}
        }
    }
}

fn visit_value(value: &Value, at: usize, best: &mut Option<Range<usize>>) {
    match value {
        Value::InlineTable(table) => {
            for (name, inner) in table.iter() {
                if let (Some((key, _)), Some(v)) = (table.get_key_value(name), inner.span()) {
                    if let Some(k) = key.span() {
                        consider(k.start..v.end, at, best);
                    }
                }
                visit_value(inner, at, best);
            }
        }
        Value::Array(array) => {
            for inner in array.iter() {
                visit_value(inner, at, best);
            }
        }
        _ => {}
    }
}

/// The lines of the `[table]` or `[[table]]` whose header holds `at`, up
/// to the next header.
fn header_block(text: &str, at: usize) -> Option<Range<usize>> {
    let start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    if !text[start..].trim_start().starts_with('[') {
        return None;
    }
    let mut end = text.len();
    let mut offset = start;
    for line in text[start..].split_inclusive('\n').skip(1) {
        offset += text[offset..].find(line).unwrap_or(0);
        if line.trim_start().starts_with('[') {
            end = offset;
            break;
        }
        offset += line.len();
    }
    Some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            path: "vigia.toml".into(),
            text: text.to_string(),
        }
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Team {
        name: String,
        recipients: Vec<String>,
        #[serde(default)]
        weight: Option<f64>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct File {
        #[serde(default)]
        team: Vec<Team>,
        #[serde(default)]
        poll: Option<toml::Table>,
    }

    #[test]
    fn every_problem_with_its_line_and_a_suggestion() {
        let text = "[[team]]\nname = \"a\"\nrecipents = [\"x@example.com\"]\n\
                    weight = \"heavy\"\n\n[[team]]\nname = \"b\"\nrecipients = []\ncolour = { r = 1 }\n\n\
                    [pol]\ninterval = \"1h\"\n";
        let problems = match deserialize::<File>(&file(text)) {
            Ok((_, problems)) => problems,
            Err(problems) => problems,
        };
        let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(got.len(), 4, "{got:#?}");
        assert!(
            got[0].starts_with("vigia.toml:3:1: team[0]: unknown field `recipents`"),
            "{got:#?}"
        );
        assert!(got[0].ends_with("did you mean `recipients`?"), "{got:#?}");
        assert!(
            got[1].starts_with("vigia.toml:4:10: team[0]: invalid type"),
            "{got:#?}"
        );
        assert!(
            got[2].starts_with("vigia.toml:9:1: team[1]: unknown field `colour`"),
            "{got:#?}"
        );
        assert!(
            got[3].contains(":11:2: ") && got[3].contains("unknown field `pol`"),
            "{got:#?}"
        );
        assert!(got[3].ends_with("did you mean `poll`?"), "{got:#?}");
    }

    #[test]
    fn a_typo_of_a_key_the_table_has_is_blanked_not_renamed() {
        let text = "[[team]]\nname = \"a\"\nrecipients = []\nrecipents = []\nweight = \"x\"\n";
        let problems = match deserialize::<File>(&file(text)) {
            Ok((_, problems)) => problems,
            Err(problems) => problems,
        };
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[1].message.starts_with("invalid type"),
            "{problems:#?}"
        );
    }

    #[test]
    fn a_syntax_error_stops_at_itself() {
        let problems = deserialize::<File>(&file("[[team]\nname = \"a\"\n")).err();
        assert_eq!(problems.map(|p| p.len()), Some(1));
    }
}
