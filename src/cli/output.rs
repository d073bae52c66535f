//! Helpers for what the commands print: times, safe text, columns.

use chrono::{Local, TimeZone};

/// A Unix time as local `YYYY-MM-DD HH:MM`, or `-`.
pub fn time(secs: Option<i64>) -> String {
    secs.and_then(|s| Local.timestamp_opt(s, 0).single())
        .map_or_else(
            || "-".to_string(),
            |t| t.format("%Y-%m-%d %H:%M").to_string(),
        )
}

/// A duration in seconds as `3m`, `2h`, `1d`.
pub fn span(secs: i64) -> String {
    match secs.max(0) {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// Text from outside made safe for a terminal: no control characters (no
/// escape sequences), no bidirectional overrides (which can make a title
/// display reversed), one line, at most `max` characters.
pub fn clean(text: &str, max: usize) -> String {
    let one_line = crate::delivery::render::plain(text);
    let mut out: String = one_line.chars().take(max).collect();
    if one_line.chars().count() > max {
        out.pop();
        out.push('…');
    }
    out
}

/// Prints rows as left-aligned columns.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_hostile_text() {
        assert_eq!(clean("a\u{1b}[2Jb\nc", 20), "a [2Jb c");
        assert_eq!(clean("abcdef", 4), "abc…");
        assert_eq!(clean("evil\u{202e}txt.exe", 20), "eviltxt.exe");
    }

    #[test]
    fn spans() {
        assert_eq!(span(59), "59s");
        assert_eq!(span(600), "10m");
        assert_eq!(span(7200), "2h");
        assert_eq!(span(3 * 86_400), "3d");
    }
}

/// `--format` of the listings that are a table or JSON.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TableOrJson {
    /// Aligned columns for a person.
    Table,
    /// JSON for a program.
    Json,
}
