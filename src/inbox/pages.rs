//! The inbox's pages, as maud templates: everything spliced in is
//! escaped, and only http(s) URLs from outside become links.

use maud::{html, Markup, DOCTYPE};

use super::Filters;
use crate::delivery::words::EN;
use crate::people::Viewer;
use crate::store::mentions::{Detail, MentionRow};
use crate::store::triage::Event;

/// Where pages are served and for whom times are written.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// The path the inbox is served under (`""` at the root).
    pub prefix: &'a str,
    /// The time zone times are shown in (the digests').
    pub tz: chrono_tz::Tz,
}

impl Page<'_> {
    /// A Unix time as `YYYY-MM-DD HH:MM` in the page's time zone.
    pub(super) fn time(&self, secs: i64) -> String {
        use chrono::TimeZone;
        self.tz.timestamp_opt(secs, 0).single().map_or_else(
            || "-".to_string(),
            |t| t.format("%Y-%m-%d %H:%M").to_string(),
        )
    }
}

/// A page: head, the signed-in bar, `body`.
pub fn layout(page: &Page<'_>, title: &str, viewer: Option<&Viewer>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · Vigia" }
                link rel="stylesheet" href={ (page.prefix) "/static/vigia.css" };
            }
            body {
                header {
                    a.brand href={ (page.prefix) "/" } { "Vigia" }
                    @if viewer.is_some() {
                        a href={ (page.prefix) "/overview" } { "Overview" }
                        a href={ (page.prefix) "/subjects" } { "Subjects" }
                        a href={ (page.prefix) "/sources" } { "Sources" }
                    }
                    @if let Some(viewer) = viewer {
                        span.who {
                            (viewer.email)
                            @if viewer.admin { " (admin) · " a href={ (page.prefix) "/proposals" } { "Proposed exclusions" } } @else { " · " (viewer.teams.join(", ")) }
                        }
                        a href={ (page.prefix) "/account" } { "Account" }
                        form.inline method="post" action={ (page.prefix) "/logout" } {
                            input type="hidden" name="csrf" value=(viewer.csrf);
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// The page a mailed link opens: a button, because mail scanners open
/// links and must not sign anyone in.
pub fn confirm_login(page: &Page<'_>, token: &str, email: &str) -> Markup {
    layout(
        page,
        "Sign in",
        None,
        html! {
            h1 { "Sign in" }
            p { "Sign in to Vigia as " strong { (email) } "?" }
            form method="post" action={ (page.prefix) "/login/" (token) } {
                button type="submit" { "Sign in" }
            }
        },
    )
}

/// A page with a title and one sentence.
pub fn message(page: &Page<'_>, viewer: Option<&Viewer>, title: &str, text: &str) -> Markup {
    layout(
        page,
        title,
        viewer,
        html! {
            h1 { (title) }
            p { (text) }
            p { a href={ (page.prefix) "/" } { "Back to the inbox" } }
        },
    )
}

/// An outside URL as a link when it is http(s), else as inert text.
fn outside_link(url: Option<&str>, label: &str) -> Markup {
    match url.and_then(|u| url::Url::parse(u.trim()).ok()) {
        Some(u) if matches!(u.scheme(), "http" | "https") => html! {
            a href=(u.as_str()) rel="noopener noreferrer nofollow" { (label) }
        },
        _ => html! { (label) },
    }
}

/// The choices of a filter, with the current one selected.
fn select(name: &str, label: &str, current: Option<&str>, options: &[(&str, &str)]) -> Markup {
    html! {
        label {
            (label) " "
            select name=(name) {
                @for (value, text) in options {
                    option value=(value) selected[current == Some(*value)] { (text) }
                }
            }
        }
    }
}

/// The inbox: filters, then the mentions, most severe first, each with
/// a checkbox for the bulk actions.
pub fn inbox(
    page: &Page<'_>,
    viewer: &Viewer,
    filters: &Filters,
    rows: &[MentionRow],
    (brands, now): (&[String], i64),
) -> Markup {
    let brand_options: Vec<(&str, &str)> = std::iter::once(("", "any"))
        .chain(brands.iter().map(|b| (b.as_str(), b.as_str())))
        .collect();
    let team_options: Vec<(&str, &str)> = std::iter::once(("", "any"))
        .chain(viewer.teams.iter().map(|t| (t.as_str(), t.as_str())))
        .collect();
    layout(
        page,
        "Inbox",
        Some(viewer),
        html! {
            h1 { "Inbox" }
            form.filters method="get" action={ (page.prefix) "/" } {
                input type="search" name="q" value=[filters.q.as_deref()] placeholder="Search titles and texts";
                (select("brand", "Brand", filters.brand.as_deref(), &brand_options))
                @if !viewer.admin && viewer.teams.len() > 1 {
                    (select("team", "Team", filters.team.as_deref(), &team_options))
                }
                @if viewer.admin {
                    label { "Team " input type="text" name="team" value=[filters.team.as_deref()] size="10"; }
                }
                (select("severity", "At least", filters.severity.as_deref(), &[
                    ("", "any"), ("notable", "notable"), ("urgent", "urgent"), ("critical", "critical"),
                ]))
                (select("status", "Status", Some(filters.status.as_str()), &[
                    ("open", "open"), ("new", "new"), ("routed", "routed"),
                    ("acknowledged", "acknowledged"), ("resolved", "resolved"),
                    ("ignored", "ignored"), ("all", "all"),
                ]))
                (select("sentiment", "Sentiment", filters.sentiment.as_deref(), &[
                    ("", "any"), ("negative", "negative"), ("neutral", "neutral"), ("positive", "positive"),
                ]))
                (select("since", "Since", filters.since.as_deref(), &[
                    ("", "any time"), ("1d", "24 hours"), ("7d", "7 days"), ("30d", "30 days"),
                ]))
                button type="submit" { "Filter" }
            }
            @if rows.is_empty() {
                p.empty { "Nothing here." }
            } @else {
                form method="post" action={ (page.prefix) "/bulk" } {
                    input type="hidden" name="csrf" value=(viewer.csrf);
                    table.mentions {
                        thead { tr {
                            th { span.visually-hidden { "Select" } }
                            th { "Severity" } th { "Mention" } th { "Sentiment" } th { "Status" } th { "Age" }
                        } }
                        tbody {
                            @for m in rows {
                                tr class={ "sev-" (m.severity) } {
                                    td { input type="checkbox" name="id" value=(m.id) aria-label={ "Select mention " (m.id) }; }
                                    td.severity { (EN.severity(&m.severity)) }
                                    td {
                                        a.title href={ (page.prefix) "/mentions/" (m.id) } { (m.title) }
                                        div.meta { (m.brand) " · " (m.source)
                                            @if let Some(byline) = EN.byline(&m.byline()) { " · " (byline) }
                                            @if let Some(subject) = &m.subject { " · " (subject) }
                                            @if let Some(person) = &m.assignee { " · assigned to " (person) } }
                                        div.quote { (m.snippet) }
                                    }
                                    td { (EN.sentiment_label(m.sentiment_label.as_deref())) }
                                    td { (EN.status(&m.status)) }
                                    td { (EN.age(now - m.first_seen_at)) }
                                }
                            }
                        }
                    }
                    div.bulk {
                        "With the selected: "
                        button type="submit" name="action" value="ack" { "Acknowledge" }
                        button type="submit" name="action" value="resolve" { "Resolve" }
                        button type="submit" name="action" value="ignore" { "Ignore" }
                    }
                }
            }
        },
    )
}

/// One mention whole: its text, where it was seen, why it got its
/// severity, its history, and what can be done with it.
pub fn mention(
    page: &Page<'_>,
    viewer: &Viewer,
    (m, detail, history): (&MentionRow, &Detail, &[Event]),
    (people, error): (&[String], Option<&str>),
) -> Markup {
    let open = matches!(m.status.as_str(), "new" | "routed" | "acknowledged");
    layout(
        page,
        &m.title,
        Some(viewer),
        html! {
            p { a href={ (page.prefix) "/" } { "← Inbox" } }
            h1 { (outside_link(m.url.as_deref(), &m.title)) }
            @if let Some(error) = error { p.error { (error) } }
            dl.facts {
                dt { "Brand" } dd { (m.brand) }
                @if let Some(byline) = EN.byline(&m.byline()) {
                    dt { "Author" } dd { (byline) }
                }
                dt { "Severity" } dd class={ "sev-" (m.severity) } {
                    (EN.severity(&m.severity))
                    @if let Some(reasons) = &detail.reasons { " (" (EN.reasons(reasons)) ")" }
                }
                dt { "Status" } dd { (EN.status(&m.status)) }
                dt { "Sentiment" } dd {
                    (EN.sentiment_label(m.sentiment_label.as_deref()))
                    @if let Some(score) = m.sentiment { " (" (EN.number(score, 2, true)) ")" }
                }
                dt { "Teams" } dd { (m.teams.join(", ")) }
                dt { "Assigned to" } dd { (m.assignee.as_deref().unwrap_or("nobody")) }
                @if let Some(subject) = &m.subject {
                    dt { "Subject" } dd {
                        @if let Some(id) = m.subject_id {
                            a href={ (page.prefix) "/?status=all&subject=" (id) } { (subject) }
                        }
                    }
                }
            }
            h2 { "Quote" }
            blockquote { (m.snippet) }
            h2 { "Follow up" }
            form.actions method="post" action={ (page.prefix) "/mentions/" (m.id) } {
                input type="hidden" name="csrf" value=(viewer.csrf);
                label for="note" { "Note (for the history)" }
                textarea #note name="note" rows="2" {}
                div {
                    @if open {
                        @if m.status != "acknowledged" {
                            button type="submit" name="action" value="ack" { "Acknowledge" }
                        }
                        button type="submit" name="action" value="resolve" { "Resolve" }
                        button type="submit" name="action" value="ignore" { "Ignore" }
                    } @else {
                        button type="submit" name="action" value="reopen" { "Reopen" }
                    }
                }
            }
            @if open {
                form.actions method="post" action={ (page.prefix) "/mentions/" (m.id) } {
                    input type="hidden" name="csrf" value=(viewer.csrf);
                    label for="assignee" { "Assign to " }
                    select #assignee name="assignee" {
                        option value="" { "nobody" }
                        @for person in people {
                            option value=(person) selected[m.assignee.as_deref() == Some(person.as_str())] { (person) }
                        }
                    }
                    " "
                    button type="submit" name="action" value="assign" { "Assign" }
                }
                h2 { "Not relevant?" }
                form.actions method="post" action={ (page.prefix) "/mentions/" (m.id) } {
                    input type="hidden" name="csrf" value=(viewer.csrf);
                    p { "Ignore it, and propose to whoever keeps the config what to exclude:" }
                    label { input type="checkbox" name="exclude_source" value="1"; " this source (" (m.source) ") for " (m.brand) }
                    br;
                    label { "the term " input type="text" name="term" size="24" placeholder="e.g. a namesake's product"; }
                    label for="why" { "Why" }
                    textarea #why name="note" rows="2" {}
                    div { button type="submit" name="action" value="not_relevant" { "Not relevant" } }
                }
            }
            h2 { "Seen in " (detail.sightings.len()) " place(s)" }
            ul.sightings {
                @for s in &detail.sightings {
                    li {
                        (page.time(s.seen_at)) " · " (s.source) " · "
                        (outside_link(s.url.as_deref(), s.url.as_deref().unwrap_or("(no link)")))
                        @if s.merged { " (merged copy)" }
                    }
                }
            }
            h2 { "Text" }
            @match detail.text.as_deref().filter(|t| !t.trim().is_empty()) {
                Some(text) => {
                    @for paragraph in text.split('\n').filter(|p| !p.trim().is_empty()) {
                        p.text { (paragraph) }
                    }
                }
                None => p.empty { "(none: the item had only a title)" },
            }
            h2 { "History" }
            ol.history {
                @for e in history {
                    li {
                        (page.time(e.at)) " · " strong { (EN.status(&e.status)) }
                        " by " (e.actor)
                        @if let Some(note) = &e.note { ": " (note) }
                    }
                }
            }
        },
    )
}

/// What a mailed link would do, with the button that does it.
pub fn confirm_step(
    page: &Page<'_>,
    token: &str,
    (claim, m): (&crate::links::Claim, &MentionRow),
    open: &str,
) -> Markup {
    let (verb, button) = match claim.step {
        crate::links::Step::Acknowledge => ("Acknowledge", "Acknowledge"),
        crate::links::Step::Resolve => ("Resolve", "Resolve"),
        crate::links::Step::Ignore => ("Ignore", "Ignore"),
    };
    layout(
        page,
        verb,
        None,
        html! {
            h1 { (verb) " this mention?" }
            p.meta { (EN.severity(&m.severity)) " · " (m.brand) " · " (EN.status(&m.status)) }
            h2 { (m.title) }
            blockquote { (m.snippet) }
            form.actions method="post" action={ (page.prefix) "/act/" (token) } {
                label for="note" { "Note (for the history)" }
                textarea #note name="note" rows="2" {}
                div { button type="submit" { (button) " as " (claim.recipient) } }
            }
            p { a href=(open) { "Open it in the inbox instead" } }
        },
    )
}

/// What a mailed link did (or why it did nothing).
pub fn step_taken(page: &Page<'_>, m: &MentionRow, text: &str, open: &str) -> Markup {
    layout(
        page,
        "Done",
        None,
        html! {
            h1 { (text) }
            h2 { (m.title) }
            p { a href=(open) { "Open it in the inbox" } }
        },
    )
}

/// The exclusions people proposed, for an admin to put in the config.
pub fn proposals(
    page: &Page<'_>,
    viewer: &Viewer,
    proposals: &[crate::store::proposals::Proposal],
) -> Markup {
    layout(
        page,
        "Proposed exclusions",
        Some(viewer),
        html! {
            h1 { "Proposed exclusions" }
            p { "Mentions marked not relevant, with what their people proposed. The config is yours to change: add the term to the brand's queries as "
                code { "-\"term\"" } ", or drop or narrow the source." }
            @if proposals.is_empty() { p.empty { "None yet." } }
            ul.history {
                @for p in proposals {
                    li {
                        (page.time(p.proposed_at)) " · " (p.brand) " · "
                        a href={ (page.prefix) "/mentions/" (p.mention_id) } { "mention " (p.mention_id) }
                        " · by " (p.proposed_by) ": "
                        @if let Some(term) = &p.term { "exclude the term " code { "-\"" (term) "\"" } " " }
                        @if let Some(source) = &p.source_id { "exclude source " code { (source) } " " }
                        @if let Some(note) = &p.note { "(" (note) ")" }
                    }
                }
            }
        },
    )
}
