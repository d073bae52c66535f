//! The overview pages: mentions per day by sentiment for each brand and
//! share of voice (inline SVG, no chart service), recurring subjects with
//! their watch/act state, and the health of every source.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::TimeZone;
use maud::{html, Markup};

use super::pages::{self, Page};
use super::{failed, signed_in, Inbox};
use crate::store::digest::Counts;
use crate::store::sources::SourceState;
use crate::store::{self as db, overview, sources, topics};

/// Days the charts cover.
const DAYS: usize = 30;

/// Examples a subject shows.
const EXAMPLES: usize = 3;

/// The colours of negative, neutral and positive (SVG attributes: the
/// Content-Security-Policy allows no inline style).
const COLOURS: [&str; 3] = ["#b42318", "#98a2b3", "#1b873f"];

pub(super) async fn overview(State(inbox): State<Arc<Inbox>>, headers: HeaderMap) -> Response {
    let viewer = match signed_in(&inbox, &headers).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    // The chart's first day: midnight DAYS - 1 days ago, in the digests'
    // time zone.
    let today = chrono::Utc::now().with_timezone(&inbox.tz).date_naive();
    let first = today - chrono::Days::new(DAYS as u64 - 1);
    let from = first
        .and_hms_opt(0, 0, 0)
        .and_then(|t| inbox.tz.from_local_datetime(&t).earliest())
        .map_or(db::now() - DAYS as i64 * 86_400, |t| t.timestamp());
    let teams = viewer.visible_to();
    let read = inbox
        .store
        .read(move |c| overview::daily(c, teams.as_deref(), from, DAYS))
        .await;
    match read {
        Ok(brands) => {
            let page = inbox.page();
            let body = charts(&brands, first);
            pages::layout(&page, "Overview", Some(&viewer), body).into_response()
        }
        Err(error) => failed(&inbox, &error),
    }
}

/// Per brand, a bar per day (stacked by sentiment), and each brand's
/// share of all mentions.
fn charts(brands: &[(String, Vec<Counts>)], first: chrono::NaiveDate) -> Markup {
    let totals: Vec<u32> = brands
        .iter()
        .map(|(_, days)| days.iter().flatten().sum())
        .collect();
    let all: u32 = totals.iter().sum();
    let peak = brands
        .iter()
        .flat_map(|(_, days)| days.iter().map(|d| d.iter().sum::<u32>()))
        .max()
        .unwrap_or(0)
        .max(1);
    let (width, height, bar) = (DAYS as u32 * 20, 120u32, 16u32);
    html! {
        h1 { "Overview" }
        p.meta { "Mentions per day over the last " (DAYS) " days, from " (first) ", by publication date: "
            span.neg { "negative" } ", " span.neu { "neutral" } ", " span.pos { "positive" } "." }
        @if brands.is_empty() { p.empty { "No mentions in these days." } }
        h2 { "Share of voice" }
        table.mentions {
            tbody {
                @for ((brand, _), total) in brands.iter().zip(&totals) {
                    tr {
                        td { (brand) }
                        td { (total) " mentions" }
                        td { (format!("{:.0}%", f64::from(*total) * 100.0 / f64::from(all.max(1)))) }
                    }
                }
            }
        }
        @for (brand, days) in brands {
            h2 { (brand) }
            svg.chart width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) } role="img"
                aria-label={ "Mentions of " (brand) " per day" } {
                @for b in bars(days, peak, height) {
                    rect x=(b.day as u32 * 20 + 2) y=(b.top) width=(bar) height=(b.height) fill=(COLOURS[b.slot]) {
                        title { (first + chrono::Days::new(b.day as u64)) ": " (b.count) " " (["negative", "neutral", "positive"][b.slot]) }
                    }
                }
            }
        }
    }
}

/// One block of a day's stacked bar.
struct Bar {
    day: usize,
    slot: usize,
    count: u32,
    top: u32,
    height: u32,
}

/// The blocks of each day's bar, negative at the bottom, scaled so that
/// the busiest day (`peak`) nearly fills `height`.
fn bars(days: &[Counts], peak: u32, height: u32) -> Vec<Bar> {
    let mut out = Vec::new();
    for (day, counts) in days.iter().enumerate() {
        let mut bottom = height;
        for (slot, &count) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            let h = (count * (height - 10) / peak).max(1);
            bottom -= h;
            out.push(Bar {
                day,
                slot,
                count,
                top: bottom,
                height: h,
            });
        }
    }
    out
}

pub(super) async fn subjects(State(inbox): State<Arc<Inbox>>, headers: HeaderMap) -> Response {
    let viewer = match signed_in(&inbox, &headers).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let (window, act_at) = inbox.subjects;
    let since = db::now() - window;
    let teams = viewer.visible_to();
    let read = inbox
        .store
        .read(move |c| {
            // Counted and quoted from the team's own mentions only.
            let scope = topics::TopicScope {
                brand: None,
                teams: teams.as_deref(),
            };
            topics::topics(c, &scope, since, act_at, EXAMPLES)
        })
        .await;
    match read {
        Ok(list) => {
            let page = inbox.page();
            let body = html! {
                h1 { "Recurring subjects" }
                p.meta { "Subjects of your teams' brands in the last " (window / 86_400) " days: "
                    "one or two mentions, watch; " (act_at) " or more, act." }
                @if list.is_empty() { p.empty { "None in the window." } }
                table.mentions {
                    thead { tr { th { "State" } th { "Subject" } th { "Mentions" } th { "Last seen" } } }
                    tbody {
                        @for t in &list {
                            tr class={ "state-" (t.state) } {
                                td.severity { (t.state) }
                                td {
                                    a.title href={ (page.prefix) "/?status=all&subject=" (t.id) } { (t.label) }
                                    div.meta { (t.brand) }
                                    @for (id, title, _) in &t.examples {
                                        div.quote { a href={ (page.prefix) "/mentions/" (id) } { (title) } }
                                    }
                                }
                                td { (t.count) }
                                td { (page.time(t.last_seen_at)) }
                            }
                        }
                    }
                }
            };
            pages::layout(&page, "Subjects", Some(&viewer), body).into_response()
        }
        Err(error) => failed(&inbox, &error),
    }
}

pub(super) async fn health(State(inbox): State<Arc<Inbox>>, headers: HeaderMap) -> Response {
    let viewer = match signed_in(&inbox, &headers).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    match inbox.store.read(sources::list).await {
        Ok(list) => {
            let page = inbox.page();
            let body = sources_table(&page, &list, viewer.admin);
            pages::layout(&page, "Sources", Some(&viewer), body).into_response()
        }
        Err(error) => failed(&inbox, &error),
    }
}

/// The sources' health; the errors themselves (which may name a private
/// feed's URL) only for admins.
fn sources_table(page: &Page<'_>, list: &[SourceState], admin: bool) -> Markup {
    html! {
        h1 { "Sources" }
        table.mentions {
            thead { tr {
                th { "Source" } th { "Last success" } th { "Polls" } th { "Items" } th { "Mentions" } th { "Problem" }
            } }
            tbody {
                @for s in list {
                    tr class=[(s.error_count > 0).then_some("failing")] {
                        td { span.title { (s.id) } div.meta { (s.kind) } }
                        td { (s.last_success_at.map_or_else(|| "never".to_string(), |t| page.time(t))) }
                        td { (s.polls_total) @if s.failures_total > 0 { " (" (s.failures_total) " failed)" } }
                        td { (s.items_total) }
                        td { (s.mentions_total) }
                        td {
                            @if s.error_count > 0 {
                                span.error-text { (s.error_count) " failures in a row"
                                    @if admin { ": " (s.last_error.as_deref().unwrap_or("")) } }
                            } @else if let Some(warning) = &s.warning {
                                (warning)
                            } @else { "ok" }
                        }
                    }
                }
            }
        }
    }
}
