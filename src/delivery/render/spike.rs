//! What a spike alert says drives the spike: its top subjects and sources
//! with counts, three quotes, and the brand's negatives per hour over the
//! last 48 hours against the usual level, as table-cell bars every mail
//! client shows.

use chrono::{DateTime, Timelike};
use chrono_tz::Tz;

use super::{escape, plain, AlertItem, Words};
use crate::delivery::spikes::Recent;
use crate::store::spikes::Drivers;

/// Subjects and sources shown, and quotes.
pub const TOP: usize = 3;
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

impl SpikeView {
    /// The view of a spike: what `drivers` it (a subject without a label
    /// is no subject), the quotes of its most negative `items`, the
    /// brand's `recent` windows with hours labelled in `tz`.
    pub fn of(
        drivers: Drivers,
        items: &[AlertItem],
        recent: &[Recent],
        (tz, words): (Tz, &Words),
    ) -> SpikeView {
        let sources = drivers.sources;
        let subjects = drivers
            .subjects
            .into_iter()
            .map(|(label, n)| (label.unwrap_or_else(|| words.no_subject.to_string()), n))
            .collect();
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
