//! A digest as its team reads it, in the team's language: what needs
//! action first, then counts by brand against the period before, mentions
//! per day, the most negative and positive mentions, recurring subjects,
//! and what still waits for follow-up. Plain text and HTML; everything
//! from outside is escaped.

use chrono::{DateTime, Datelike};
use chrono_tz::Tz;

use super::Bounds;
use crate::delivery::render::{buttons, escape, plain, title_link, Links};
use crate::delivery::words::{fill, Words};
use crate::store::digest::{Counts, DigestData, Line};

/// A digest's subject and both parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Subject line.
    pub subject: String,
    /// Plain text part.
    pub text: String,
    /// HTML part.
    pub html: String,
}

const COLOURS: [&str; 3] = ["#c62828", "#9e9e9e", "#2e7d32"];

fn change(now: u32, before: u32) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("+{}", now - before),
        std::cmp::Ordering::Less => format!("-{}", before - now),
        std::cmp::Ordering::Equal => "±0".into(),
    }
}

/// Mentions the digest counts.
fn total(d: &DigestData) -> u32 {
    d.brands.iter().map(|(_, c, _)| c.iter().sum::<u32>()).sum()
}

/// The subject of `team`'s digest for `b`: "[Vigia] Digest for {team},
/// {period}: {n} mentions".
pub fn subject((team, words): (&str, &Words), b: &Bounds, d: &DigestData) -> String {
    fill(
        words.digest_subject,
        &[
            ("team", &plain(team)),
            ("period", b.label.as_str()),
            ("n", &total(d).to_string()),
        ],
    )
}

/// Renders `team`'s digest for `b` in `words`' language, as of Unix second
/// `now`; with `links`, each item carries the inbox's "Open" and each open
/// one the one-click steps.
pub fn render(
    (team, words): (&str, &Words),
    b: &Bounds,
    d: &DigestData,
    now: i64,
    links: Option<Links<'_>>,
) -> Rendered {
    let label = b.label.as_str();
    let total = total(d);
    let subject = subject((team, words), b, d);
    let heading = fill(words.digest_for, &[("team", team)]);
    let mut text = format!("{}, {label}\n\n", plain(&heading));
    let mut html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:Arial,sans-serif;color:#222;max-width:720px\">\
         <h2 style=\"margin:0 0 4px\">{}</h2><div style=\"color:#666\">{}</div>",
        escape(&heading),
        escape(label)
    );
    if total == 0 && d.open.is_empty() && d.action.is_empty() {
        text.push_str(&format!("{}\n", words.nothing_new));
        html.push_str(&format!("<p>{}</p></body></html>", words.nothing_new));
        return Rendered {
            subject,
            text,
            html,
        };
    }
    let mut out = Out {
        words,
        now,
        text,
        html,
        links,
    };
    out.list(words.needs_action, &d.action, true);
    out.brands(&d.brands);
    out.chart(&d.days, d.earlier, b.tz);
    out.list(words.most_negative, &d.worst, false);
    out.list(words.most_positive, &d.best, false);
    out.subjects(d);
    out.list(words.waiting, &d.open, true);
    out.html.push_str("</body></html>");
    Rendered {
        subject,
        text: out.text,
        html: out.html,
    }
}

/// Both parts being written.
struct Out<'a> {
    words: &'a Words,
    now: i64,
    text: String,
    html: String,
    links: Option<Links<'a>>,
}

impl Out<'_> {
    fn brands(&mut self, brands: &[(String, Counts, Counts)]) {
        let w = self.words;
        self.html.push_str(&format!(
            "<h3>{}</h3><table cellpadding=\"4\" style=\"border-collapse:collapse\">\
             <tr><th align=\"left\">{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            w.by_brand, w.brand, w.columns[0], w.columns[1], w.columns[2]
        ));
        self.text.push_str(&format!("{}:\n", w.by_brand));
        for (brand, now, before) in brands {
            self.text.push_str(&format!("  {}:", plain(brand)));
            self.html
                .push_str(&format!("<tr><td>{}</td>", escape(brand)));
            for k in 0..3 {
                let delta = change(now[k], before[k]);
                self.text
                    .push_str(&format!(" {} {} ({delta})", now[k], w.counted[k]));
                self.html.push_str(&format!(
                    "<td align=\"center\" style=\"color:{}\">{} <span style=\"color:#888;font-size:12px\">({delta})</span></td>",
                    COLOURS[k], now[k]
                ));
            }
            self.text.push('\n');
            self.html.push_str("</tr>");
        }
        self.html.push_str(&format!(
            "</table><div style=\"color:#888;font-size:12px\">{}</div>",
            w.changes
        ));
    }

    /// Mentions per day by sentiment: bars as table cells with widths.
    fn chart(&mut self, days: &[(i64, Counts)], earlier: Counts, tz: Tz) {
        let w = self.words;
        let most = days
            .iter()
            .map(|(_, c)| c.iter().sum::<u32>())
            .max()
            .unwrap_or(0)
            .max(1);
        self.text
            .push_str(&format!("\n{} {}:\n", w.per_day, w.per_day_note));
        self.html.push_str(&format!(
            "<h3>{}</h3><div style=\"color:#888;font-size:12px\">{}</div>\
             <table cellpadding=\"0\" cellspacing=\"2\">",
            w.per_day, w.per_day_note
        ));
        for (start, c) in days {
            let day = DateTime::from_timestamp(*start, 0)
                .map(|t| t.with_timezone(&tz))
                .map(|t| {
                    let weekday = w.weekdays[t.weekday().num_days_from_monday() as usize];
                    format!("{weekday} {:02}", t.day())
                })
                .unwrap_or_default();
            self.text
                .push_str(&format!("  {day}: {}/{}/{}\n", c[0], c[1], c[2]));
            self.html.push_str(&format!(
                "<tr><td style=\"font-size:12px;padding-right:8px\">{day}</td>\
                 <td><table cellpadding=\"0\" cellspacing=\"0\"><tr>"
            ));
            for k in 0..3 {
                let width = c[k] * 400 / most;
                if width > 0 {
                    self.html.push_str(&format!(
                        "<td width=\"{width}\" height=\"14\" bgcolor=\"{}\" style=\"background:{};width:{width}px\"></td>",
                        COLOURS[k], COLOURS[k]
                    ));
                }
            }
            self.html.push_str(&format!(
                "<td style=\"font-size:12px;padding-left:6px;color:#666\">{}</td></tr></table></td></tr>",
                c.iter().sum::<u32>()
            ));
        }
        self.html.push_str("</table>");
        let n: u32 = earlier.iter().sum();
        if n > 0 {
            let line = fill(w.published_earlier, &[("n", &n.to_string())]);
            self.text.push_str(&format!(
                "  {line} ({}/{}/{})\n",
                earlier[0], earlier[1], earlier[2]
            ));
            self.html.push_str(&format!(
                "<div style=\"color:#666;font-size:12px\">{line} ({}/{}/{})</div>",
                earlier[0], earlier[1], earlier[2]
            ));
        }
    }

    /// Mentions with severity, status and sentiment in words; with `age`,
    /// how long each has been open.
    fn list(&mut self, title: &str, lines: &[Line], age: bool) {
        if lines.is_empty() {
            return;
        }
        let w = self.words;
        self.text.push_str(&format!("\n{title}:\n"));
        self.html.push_str(&format!("<h3>{title}</h3>"));
        for l in lines {
            let mut facts = vec![
                w.severity(&l.severity).to_string(),
                w.status(&l.status).to_string(),
                format!(
                    "{} {}",
                    w.sentiment_label(l.sentiment_label.as_deref()),
                    w.number(l.sentiment, 2, true)
                ),
            ];
            if age {
                facts.push(format!(
                    "{} {}",
                    w.open_for,
                    w.age(self.now - l.first_seen_at)
                ));
                // What needs doing says why.
                if let Some(r) = &l.reasons {
                    facts.push(w.reasons(r));
                }
            }
            let facts = facts.join(" · ");
            let source = match w.byline(&l.byline) {
                Some(byline) => format!("{} · {byline}", l.source),
                None => l.source.clone(),
            };
            self.text.push_str(&format!(
                "  #{} {} ({}) [{facts}]\n    \"{}\"\n    {}\n",
                l.id,
                plain(&l.title),
                plain(&source),
                plain(&l.snippet),
                plain(l.url.as_deref().unwrap_or(w.no_link))
            ));
            let colour = match l.severity.as_str() {
                "critical" => "#b00020",
                "urgent" => "#c05600",
                _ => "#666",
            };
            self.html.push_str(&format!(
                "<div style=\"margin:0 0 10px\"><b>{}</b> <span style=\"color:#666;font-size:12px\">#{} · {}</span>\
                 <div style=\"font-size:12px;color:{colour}\">{}</div>\
                 <blockquote style=\"margin:2px 0 0 8px;color:#444\">{}</blockquote>",
                title_link(l.url.as_deref(), &l.title),
                l.id,
                escape(&source),
                escape(&facts),
                escape(&l.snippet)
            ));
            if let Some(links) = &self.links {
                // Open ones can be acted on from here; the rest opened.
                let mut made = links.of(l.id, w);
                if !age {
                    made.truncate(1);
                }
                buttons(&made, (&mut self.text, &mut self.html));
            }
            self.html.push_str("</div>");
        }
    }

    /// Recurring subjects of the team's brands, each under its brand.
    fn subjects(&mut self, d: &DigestData) {
        if d.subjects.is_empty() {
            return;
        }
        let w = self.words;
        self.text.push_str(&format!("\n{}:\n", w.subjects));
        self.html.push_str(&format!("<h3>{}</h3><ul>", w.subjects));
        for t in &d.subjects {
            let quote = t.examples.first().map(|(_, q, _)| q.as_str()).unwrap_or("");
            let state = if t.state == "act" { w.act } else { w.watch };
            self.text.push_str(&format!(
                "  [{state}] {}: {} ({} {}): \"{}\"\n",
                plain(&t.brand),
                plain(&t.label),
                t.count,
                w.mentions,
                plain(quote)
            ));
            self.html.push_str(&format!(
                "<li><b>{}</b> {}: {} ({} {}) <i>“{}”</i></li>",
                escape(&state.to_uppercase()),
                escape(&t.brand),
                escape(&t.label),
                t.count,
                w.mentions,
                escape(quote)
            ));
        }
        self.html.push_str("</ul>");
    }
}
