//! What a spike alert says drives the spike: its top subjects and sources
//! with counts, three quotes, and the brand's negatives per hour over the
//! last 48 hours against the usual level, as table-cell bars every mail
//! client shows.

use chrono::{DateTime, Timelike};
use chrono_tz::Tz;

use super::{escape, plain, AlertItem, Words};
use crate::delivery::spikes::Recent;

/// Subjects and sources shown, and quotes.
const TOP: usize = 3;
/// Height of the tallest bar, in pixels.
const BAR_HEIGHT: u32 = 60;

/// The body of a spike alert above its mentions.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeView {
    /// Subject labels by mentions in the spike, most first.
    pub subjects: Vec<(String, u32)>,
    /// Sources by mentions in the spike, most first.
    pub sources: Vec<(String, u32)>,
    /// The quotes of the most negative mentions.
    pub quotes: Vec<String>,
    /// Per window, oldest first: its hour label (every sixth), negatives
    /// and usual count.
    pub hours: Vec<(String, u32, f64)>,
}

/// The `TOP` most frequent of `names`, most first (ties by name).
fn top(names: impl Iterator<Item = String>) -> Vec<(String, u32)> {
    let mut counts = std::collections::BTreeMap::new();
    for name in names {
        *counts.entry(name).or_insert(0u32) += 1;
    }
    let mut ranked: Vec<(String, u32)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(TOP);
    ranked
}

impl SpikeView {
    /// The view of a spike of `items` (its negative mentions), with the
    /// brand's `recent` windows, hours labelled in `tz`.
    pub fn of(items: &[AlertItem], recent: &[Recent], tz: Tz, words: &Words) -> SpikeView {
        let subjects = top(items.iter().map(|i| {
            i.subject
                .as_ref()
                .map_or_else(|| words.no_subject.to_string(), |(label, _)| label.clone())
        }));
        let sources = top(items.iter().map(|i| i.source.clone()));
        let mut worst: Vec<&AlertItem> = items.iter().filter(|i| !i.snippet.is_empty()).collect();
        worst.sort_by(|a, b| {
            a.sentiment
                .unwrap_or(0.0)
                .total_cmp(&b.sentiment.unwrap_or(0.0))
        });
        let quotes = worst.iter().take(TOP).map(|i| i.snippet.clone()).collect();
        let hours = recent
            .iter()
            .map(|r| {
                let start = DateTime::from_timestamp(r.end - 3600, 0).map(|t| t.with_timezone(&tz));
                let label = start
                    .filter(|t| t.hour() % 6 == 0)
                    .map(|t| format!("{:02}h", t.hour()))
                    .unwrap_or_default();
                (label, r.count, r.usual)
            })
            .collect();
        SpikeView {
            subjects,
            sources,
            quotes,
            hours,
        }
    }

    /// Appends the view to both parts of the mail.
    pub fn render(&self, words: &Words, text: &mut String, html: &mut String) {
        let [subjects, sources, quotes, hours] = words.spike_blocks;
        for (title, rows) in [(subjects, &self.subjects), (sources, &self.sources)] {
            let list: Vec<String> = rows
                .iter()
                .map(|(n, c)| format!("{} ({c})", plain(n)))
                .collect();
            text.push_str(&format!("{title}: {}\n", list.join(", ")));
            let cells: Vec<String> = rows
                .iter()
                .map(|(n, c)| format!("{} <b>{c}</b>", escape(n)))
                .collect();
            html.push_str(&format!(
                "<div style=\"margin:0 0 6px\"><b>{}:</b> {}</div>",
                escape(title),
                cells.join(" · ")
            ));
        }
        if !self.quotes.is_empty() {
            text.push_str(&format!("{quotes}:\n"));
            html.push_str(&format!(
                "<div style=\"margin:10px 0 4px\"><b>{}:</b></div>",
                escape(quotes)
            ));
            for q in &self.quotes {
                text.push_str(&format!("  \"{}\"\n", plain(q)));
                html.push_str(&format!(
                    "<blockquote style=\"margin:2px 0 6px 8px;color:#444\">“{}”</blockquote>",
                    escape(q)
                ));
            }
        }
        self.bars(words, hours, text, html);
    }

    /// The per-hour bars: each hour a red bar (its negatives) beside a grey
    /// one (its usual count), bottom-aligned cells with heights.
    fn bars(&self, words: &Words, title: &str, text: &mut String, html: &mut String) {
        let most = self
            .hours
            .iter()
            .map(|(_, c, u)| f64::from(*c).max(*u))
            .fold(1.0, f64::max);
        let height = |x: f64| (x / most * f64::from(BAR_HEIGHT)).round() as u32;
        let counts: Vec<String> = self.hours.iter().map(|(_, c, _)| c.to_string()).collect();
        text.push_str(&format!("{title}: {}\n", counts.join(" ")));
        html.push_str(&format!(
            "<div style=\"margin:10px 0 4px\"><b>{}</b></div>\
             <table cellpadding=\"0\" cellspacing=\"0\"><tr>",
            escape(title)
        ));
        for (_, count, usual) in &self.hours {
            html.push_str("<td valign=\"bottom\" style=\"padding-right:2px\"><table cellpadding=\"0\" cellspacing=\"0\"><tr>");
            for (value, colour) in [(f64::from(*count), "#b00020"), (*usual, "#bbbbbb")] {
                let h = height(value).max(1);
                let colour = if value > 0.0 { colour } else { "#eeeeee" };
                html.push_str(&format!(
                    "<td valign=\"bottom\"><table cellpadding=\"0\" cellspacing=\"0\"><tr>\
                     <td width=\"3\" height=\"{h}\" bgcolor=\"{colour}\" style=\"background:{colour};width:3px;height:{h}px;font-size:0;line-height:0\"></td>\
                     </tr></table></td>"
                ));
            }
            html.push_str("</tr></table></td>");
        }
        html.push_str("</tr><tr>");
        for (label, _, _) in &self.hours {
            html.push_str(&format!(
                "<td style=\"font-size:10px;color:#666\">{}</td>",
                escape(label)
            ));
        }
        html.push_str(&format!(
            "</tr></table><div style=\"font-size:12px;color:#888;margin:4px 0 14px\">{}</div>",
            escape(words.spike_hours_note)
        ));
        text.push_str(&format!("{}\n\n", words.spike_hours_note));
    }
}
