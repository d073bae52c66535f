//! Every problem of a config file at once: when deserializing stops at a
//! bad entry, the entry is set aside and the file is read again, up to
//! [`MAX_PROBLEMS`] times. An unknown key close to a known one (a typo) is
//! read as the key it was meant to be, so that its value is checked too
//! and the table does not then lack it; any other bad entry is blanked
//! out, its bytes turned to spaces. Positions are mapped back to the file
//! as written, so every problem names its true line and column. A missing
//! key ends the search: going on would mean inventing a value.

use std::ops::Range;

use toml_edit::{ImDocument, Item, Table, Value};

use super::error::{closest, ConfigError, SourceFile};

/// Problems reported from one file before giving up on the rest.
pub const MAX_PROBLEMS: usize = 50;

/// `file` deserialized with every entry that stopped it set aside, and the
/// problems those entries were; Err when the file could not be read past a
/// problem (a syntax error, a missing key).
pub fn deserialize<T: serde::de::DeserializeOwned>(
    file: &SourceFile,
) -> Result<(T, Vec<ConfigError>), Vec<ConfigError>> {
    let mut text = file.text.clone();
    let mut problems: Vec<ConfigError> = Vec::new();
    // Renames so far, in order: (offset in the text they changed, bytes added).
    let mut edits: Vec<(usize, isize)> = Vec::new();
    // Keys set aside so far: their absence is not a problem of its own.
    let mut set_aside: Vec<String> = Vec::new();
    loop {
        let e = match toml::from_str::<T>(&text) {
            Ok(value) => return Ok((value, problems)),
            Err(e) => e,
        };
        let message = e.message().trim_end().replace('\n', " ");
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next());
        if missing.is_some_and(|key| set_aside.iter().any(|k| k == key)) {
            return Err(problems);
        }
        let span = e
            .span()
            .map(|s| original(&edits, s.start)..original(&edits, s.end));
        let table = span
            .as_ref()
            .map(|s| super::table_at(&file.text, s.start))
            .unwrap_or_default();
        // A bad value names its key, down to an inline table's entry; an
        // unknown or missing key is named by the message.
        let named = message.starts_with("unknown field") || missing.is_some();
        let key = match e.span().and_then(|s| key_path(&text, s.start)) {
            Some(path) if !named && table.is_empty() => path,
            Some(path) if !named => format!("{table}.{path}"),
            // An unknown `[table]` is a key of the table above it.
            _ => match message
                .strip_prefix("unknown field `")
                .and_then(|m| m.split('`').next())
            {
                Some(unknown) if table.split('[').next() == Some(unknown) => String::new(),
                Some(unknown) => table
                    .strip_suffix(unknown)
                    .and_then(|t| t.strip_suffix('.'))
                    .map_or(table.clone(), str::to_string),
                None => table,
            },
        };
        let suggestion = suggestion(&message);
        let text_message = match &suggestion {
            Some((_, near)) => format!("{message}; did you mean `{near}`?"),
            None => message.clone(),
        };
        let problem = file.error(span, key, text_message);
        let repeated = problems
            .iter()
            .any(|p| p.key == problem.key && p.message == problem.message);
        if !repeated {
            problems.push(problem);
        }
        if missing.is_some() || problems.len() >= MAX_PROBLEMS {
            return Err(problems);
        }
        let Some(at) = e.span() else {
            return Err(problems);
        };
        if let Some((given, near)) = suggestion {
            if let Some(renamed) = rename_key(&text, at.clone(), &given, &near) {
                edits.push((at.start, near.len() as isize - given.len() as isize));
                text = renamed;
                continue;
            }
        }
        match blank_entry(&text, at.start) {
            Some((next, key)) if next != text => {
                set_aside.push(key);
                text = next;
            }
            _ => return Err(problems),
        }
    }
}

/// An offset of the edited text as an offset of the file as written: each
/// rename, undone from the last, moves what came after it.
fn original(edits: &[(usize, isize)], mut offset: usize) -> usize {
    for &(at, added) in edits.iter().rev() {
        if offset > at {
            offset = offset.saturating_add_signed(-added).max(at);
        }
    }
    offset
}

/// From serde's "unknown field `x`, expected one of `a`, `b`": the
/// unknown key and the known one closest to it, when it is close.
fn suggestion(message: &str) -> Option<(String, String)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (given, expected) = rest.split_once('`')?;
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    closest(given, &known).map(|near| (given.to_string(), near.to_string()))
}

/// `text` with the key `given` at `span` spelled `near`, when the result is
/// still a valid document (the table may already have `near`).
fn rename_key(text: &str, span: Range<usize>, given: &str, near: &str) -> Option<String> {
    if text.get(span.clone())? != given {
        return None;
    }
    let renamed = format!("{}{near}{}", &text[..span.start], &text[span.end..]);
    ImDocument::parse(renamed.as_str()).ok()?;
    Some(renamed)
}

/// `text` with the entry at byte `at` blanked out, and the entry's key:
/// the smallest `key = value` holding it (with its comma, inside an inline
/// table), or a whole `[table]` when `at` is in its header. None when there
/// is no such entry.
fn blank_entry(text: &str, at: usize) -> Option<(String, String)> {
    let (range, key) = match entry_at(text, at)? {
        Some((range, path)) => {
            let key = path.rsplit('.').next().unwrap_or_default().to_string();
            (range, key)
        }
        None => header_block(text, at)?,
    };
    let mut bytes = text.as_bytes().to_vec();
    for b in bytes.get_mut(range)? {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
    Some((String::from_utf8(bytes).ok()?, key))
}

type Found = Option<(Range<usize>, String)>;

fn consider(range: Range<usize>, key: &str, at: usize, best: &mut Found) {
    if range.contains(&at) && best.as_ref().is_none_or(|(b, _)| range.len() < b.len()) {
        *best = Some((range, key.to_string()));
    }
}

/// The dotted path, within its `[table]`, of the key whose entry holds
/// byte `at` (`interval`, `headers.Authorization`).
fn key_path(text: &str, at: usize) -> Option<String> {
    entry_at(text, at)?.map(|(_, path)| path)
}

/// The smallest `key = value` entry holding byte `at` (with its comma,
/// inside an inline table), and its key's dotted path within its
/// `[table]`; None when `text` is not a TOML document at all.
fn entry_at(text: &str, at: usize) -> Option<Found> {
    let doc = ImDocument::parse(text).ok()?;
    let mut best: Found = None;
    walk_table(text, doc.as_table(), "", at, &mut best);
    Some(best)
}

fn joined(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn walk_table(text: &str, table: &Table, prefix: &str, at: usize, best: &mut Found) {
    for (name, _) in table.iter() {
        let Some((key, item)) = table.get_key_value(name) else {
            continue;
        };
        let path = joined(prefix, name);
        match item {
            Item::Value(value) => {
                if let (Some(k), Some(v)) = (key.span(), value.span()) {
                    consider(k.start..v.end, &path, at, best);
                }
                walk_value(text, value, &path, at, best);
            }
            // `a.b = 1` continues the path; a `[header]` starts its own.
            Item::Table(sub) if sub.is_dotted() => walk_table(text, sub, &path, at, best),
            Item::Table(sub) => walk_table(text, sub, "", at, best),
            Item::ArrayOfTables(array) => {
                for sub in array.iter() {
                    walk_table(text, sub, "", at, best);
                }
            }
            Item::None => {}
        }
    }
}

fn walk_value(text: &str, value: &Value, prefix: &str, at: usize, best: &mut Found) {
    match value {
        Value::InlineTable(table) => {
            for (name, inner) in table.iter() {
                let path = joined(prefix, name);
                let key = table.get_key_value(name).and_then(|(k, _)| k.span());
                if let (Some(k), Some(v)) = (key, inner.span()) {
                    consider(with_comma(text, k.start..v.end), &path, at, best);
                }
                walk_value(text, inner, &path, at, best);
            }
        }
        Value::Array(array) => {
            for inner in array.iter() {
                walk_value(text, inner, prefix, at, best);
            }
        }
        _ => {}
    }
}

/// An inline table's entry with the comma that separates it from the next
/// entry, or else from the one before, so that blanking it leaves a valid
/// table.
fn with_comma(text: &str, range: Range<usize>) -> Range<usize> {
    let after = &text[range.end..];
    let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
    if after[gap..].starts_with(',') {
        return range.start..range.end + gap + 1;
    }
    let before = text[..range.start].trim_end_matches([' ', '\t']);
    match before.strip_suffix(',') {
        Some(rest) => rest.len()..range.end,
        None => range,
    }
}

/// The lines of the `[table]` or `[[table]]` whose header holds `at`, up
/// to the next header.
fn header_block(text: &str, at: usize) -> Option<(Range<usize>, String)> {
    let start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let header = text[start..].lines().next().unwrap_or_default().trim();
    if !header.starts_with('[') {
        return None;
    }
    let name = header
        .trim_start_matches('[')
        .split(']')
        .next()
        .unwrap_or_default()
        .trim()
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_string();
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
    Some((start..end, name))
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

    /// Every problem `text` has, as `check` prints them.
    fn problems(text: &str) -> Vec<String> {
        let problems = match deserialize::<File>(&file(text)) {
            Ok((_, problems)) => problems,
            Err(problems) => problems,
        };
        problems.iter().map(ToString::to_string).collect()
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
    struct Limits {
        max: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct File {
        #[serde(default)]
        team: Vec<Team>,
        #[serde(default)]
        limits: Option<Limits>,
        #[serde(default)]
        poll: Option<toml::Table>,
    }

    #[test]
    fn every_problem_with_its_line_and_a_suggestion() {
        let text = "[[team]]\nname = \"a\"\nrecipents = [\"x@example.com\"]\n\
                    weight = \"heavy\"\n\n[[team]]\nname = \"b\"\nrecipients = []\ncolour = { r = 1 }\n\n\
                    [pol]\ninterval = \"1h\"\n";
        let got = problems(text);
        assert_eq!(got.len(), 4, "{got:#?}");
        assert!(
            got[0].starts_with("vigia.toml:3:1: team[0]: unknown field `recipents`"),
            "{got:#?}"
        );
        assert!(got[0].ends_with("did you mean `recipients`?"), "{got:#?}");
        assert!(
            got[1].starts_with("vigia.toml:4:10: team[0].weight: invalid type"),
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
        let got = problems(text);
        assert_eq!(got.len(), 2, "{got:#?}");
        assert!(got[1].contains("team[0].weight: invalid type"), "{got:#?}");
    }

    #[test]
    fn renames_and_inline_entries_keep_every_later_column_true() {
        let text = "limits = { max = 3, extra = 1 }\n[[team]]\nnme=\"a\"\nrecipients = []\nweight = true\n\
                    [[team]]\nname = \"b\"\nrecipients = [2]\n";
        let got = problems(text);
        assert_eq!(
            got.iter()
                .map(|g| g.split(": ").next().unwrap_or_default())
                .collect::<Vec<_>>(),
            [
                "vigia.toml:1:21",
                "vigia.toml:3:1",
                "vigia.toml:5:10",
                "vigia.toml:8:15"
            ],
            "{got:#?}"
        );
        assert!(got[0].contains("unknown field `extra`"), "{got:#?}");
        assert!(got[1].contains("team[0]: unknown field `nme`") && got[1].ends_with("`name`?"));
        assert!(
            got[2].contains("team[0].weight: invalid type: boolean"),
            "{got:#?}"
        );
        assert!(
            got[3].contains("team[1].recipients: invalid type: integer"),
            "{got:#?}"
        );
    }

    #[test]
    fn a_missing_key_is_named_in_its_own_table_and_ends_the_search() {
        let text =
            "[[team]]\nrecipients = []\n\n[[team]]\nname = \"b\"\nrecipients = []\ncolour = 1\n";
        let problems = deserialize::<File>(&file(text)).err().unwrap_or_default();
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].key, "team[0]");
        assert!(problems[0].message.starts_with("missing field `name`"));
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let got = problems("limits = { max = \"x\" }\n");
        assert!(
            got[0].starts_with("vigia.toml:1:18: limits.max: invalid type"),
            "{got:#?}"
        );
        let got = problems("[[team]]\nname = \"a\"\nrecipients = []\nweight = \"x\"\n");
        assert!(
            got[0].starts_with("vigia.toml:4:10: team[0].weight: invalid type"),
            "{got:#?}"
        );
    }

    #[test]
    fn a_syntax_error_stops_at_itself() {
        let problems = deserialize::<File>(&file("[[team]\nname = \"a\"\n")).err();
        assert_eq!(problems.map(|p| p.len()), Some(1));
    }
}
