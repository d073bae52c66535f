//! Helpers for what the commands print: times, safe text, columns.

use chrono::{Local, TimeZone};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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

/// Writes `text` to standard output. A reader that has gone away
/// (`vigia poll --once | head -1`) is not an error: the rest of the text is
/// dropped and the command's work (storing, sending) goes on.
pub fn emit(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The width to fit tables to: `$COLUMNS` when set, else the terminal's
/// when standard output is one; None when writing to a pipe or a file.
pub fn terminal_width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
    {
        return Some(columns);
    }
    terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0))
}

/// A column of a table that fits a width.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Its header.
    pub header: &'static str,
    /// How it gives way when the table is too wide.
    pub fit: Fit,
}

/// How a column gives way when the table is too wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Always shown whole.
    Keep,
    /// Shrinks, with an ellipsis, to the room the kept columns leave.
    Shrink,
    /// Left out, lowest rank first, until the rest fits.
    Drop(u8),
}

/// Room a shrinking column keeps before others are dropped.
const SHRINK_MIN: usize = 40;

/// Rows as left-aligned columns no wider than `width`: low-value columns
/// are dropped first, then the shrinking one is cut with an ellipsis.
pub fn fitted_table(columns: &[Column], rows: &[Vec<String>], width: Option<usize>) -> String {
    let natural: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r[i].width())
                .chain([c.header.width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut shown: Vec<usize> = natural.clone();
    let mut kept: Vec<bool> = vec![true; columns.len()];
    if let Some(width) = width {
        let shrink = columns.iter().position(|c| c.fit == Fit::Shrink);
        let fixed = |kept: &[bool]| -> usize {
            let count = kept.iter().filter(|k| **k).count();
            let cells: usize = (0..columns.len())
                .filter(|&i| kept[i] && Some(i) != shrink)
                .map(|i| natural[i])
                .sum();
            cells + 2 * count.saturating_sub(1)
        };
        let wanted = shrink.map_or(0, |i| natural[i].min(SHRINK_MIN));
        let mut ranks: Vec<(u8, usize)> = columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c.fit {
                Fit::Drop(rank) => Some((rank, i)),
                _ => None,
            })
            .collect();
        ranks.sort_unstable();
        for (_, i) in ranks {
            if fixed(&kept) + wanted <= width {
                break;
            }
            kept[i] = false;
        }
        if let Some(i) = shrink {
            let room = width.saturating_sub(fixed(&kept));
            shown[i] = natural[i].min(room.max(natural[i].min(10)));
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .filter(|(i, _)| kept[*i])
            .map(|(i, c)| {
                let cell = truncate(c, shown[i]);
                let pad = shown[i].saturating_sub(cell.width());
                format!("{cell}{}", " ".repeat(pad))
            })
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = line(columns.iter().map(|c| c.header).collect());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// `text` in at most `max` terminal columns (a CJK character or an emoji
/// takes two), the last an ellipsis when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.width() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Prints rows as left-aligned columns.
pub fn table(header: &[&'static str], rows: &[Vec<String>]) {
    let columns: Vec<Column> = header
        .iter()
        .map(|&header| Column {
            header,
            fit: Fit::Keep,
        })
        .collect();
    print!("{}", fitted_table(&columns, rows, None));
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
    fn tables_drop_low_value_columns_then_cut_the_title() {
        let columns = [
            Column {
                header: "ID",
                fit: Fit::Keep,
            },
            Column {
                header: "TITLE",
                fit: Fit::Shrink,
            },
            Column {
                header: "URL",
                fit: Fit::Drop(0),
            },
            Column {
                header: "TEAM",
                fit: Fit::Drop(1),
            },
        ];
        let rows = vec![vec![
            "12".to_string(),
            "A title that is quite a bit longer than forty characters, surely".to_string(),
            "https://example.com/a/long/path".to_string(),
            "customer-service".to_string(),
        ]];
        let wide = fitted_table(&columns, &rows, None);
        assert!(
            wide.contains("https://example.com") && wide.contains("surely"),
            "{wide}"
        );
        let fitted = fitted_table(&columns, &rows, Some(80));
        assert!(fitted.lines().all(|l| l.chars().count() <= 80), "{fitted}");
        assert!(
            !fitted.contains("URL") && fitted.contains("TEAM"),
            "{fitted}"
        );
        assert!(fitted.contains('…'), "{fitted}");
        let narrow = fitted_table(&columns, &rows, Some(30));
        assert!(narrow.lines().all(|l| l.chars().count() <= 30), "{narrow}");
        assert_eq!(narrow.lines().next(), Some("ID  TITLE"));
        // Wide characters count as the two columns they take.
        let rows = vec![vec![
            "7".to_string(),
            "ルモラの電球が一週間で切れた、返金を求めます、ひどい".to_string(),
            "-".to_string(),
            "tech".to_string(),
        ]];
        let fitted = fitted_table(&columns, &rows, Some(40));
        assert!(fitted.lines().all(|l| l.width() <= 40), "{fitted}");
        assert!(fitted.contains('…'), "{fitted}");
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
