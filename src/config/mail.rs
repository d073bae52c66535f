//! Validation of the mail sources: `[[maildir]]`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::base_dir;
use super::raw::RawMaildir;
use super::validate::Checker;
use super::Maildir;

/// Source ids already taken, with where (file, key).
pub(super) type Seen = HashMap<String, (PathBuf, String)>;

pub(super) fn maildirs(
    check: &mut Checker<'_>,
    raw: &[RawMaildir],
    default_interval: Duration,
    seen: &mut Seen,
) -> Vec<Maildir> {
    let dir = base_dir(&check.file.path);
    let mut out = Vec::new();
    for (i, m) in raw.iter().enumerate() {
        let key = format!("maildir[{i}]");
        let id = m.name.get_ref().trim().to_string();
        if id.is_empty() {
            check.push(Some(m.name.span()), format!("{key}.name"), "is empty");
        } else if let Some((_, first)) =
            seen.insert(id.clone(), (check.file.path.clone(), key.clone()))
        {
            check.push(
                Some(m.name.span()),
                format!("{key}.name"),
                format!("{id:?} is already the name of {first}"),
            );
        }
        if m.path.get_ref().trim().is_empty() {
            check.push(Some(m.path.span()), format!("{key}.path"), "is empty");
        }
        let interval = check.duration(
            m.interval.as_ref(),
            &format!("{key}.interval"),
            default_interval,
        );
        out.push(Maildir {
            id,
            path: dir.join(m.path.get_ref().trim()),
            interval,
        });
    }
    out
}
