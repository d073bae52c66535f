//! The Prometheus text exposition format (version 0.0.4) for Vigia's
//! figures.

use std::fmt::{Display, Write};

use crate::limits::Limit;
use crate::store::metrics::Snapshot;

/// The `Content-Type` of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Everything one scrape reports.
pub struct Figures<'a> {
    /// The store's figures.
    pub snapshot: &'a Snapshot,
    /// Ids of the sources in the running config.
    pub configured: &'a [String],
    /// What `/healthz` says.
    pub healthy: bool,
    /// Config reloads by outcome.
    pub reloads: [(&'static str, u64); 2],
    /// How often each `[limits]` bound applied since start.
    pub limits: [(Limit, u64); 8],
    /// Unix seconds now.
    pub now: i64,
}

impl Figures<'_> {
    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = Exposition::default();
        let snap = self.snapshot;
        out.family(
            "vigia_up",
            "gauge",
            "1 while heartbeats reach the store (what /healthz says).",
        );
        out.sample("vigia_up", &[], u8::from(self.healthy));
        if let Some(at) = snap.heartbeat_at {
            out.family(
                "vigia_heartbeat_timestamp_seconds",
                "gauge",
                "Last heartbeat written to the store.",
            );
            out.sample("vigia_heartbeat_timestamp_seconds", &[], at);
        }
        out.family(
            "vigia_config_reloads_total",
            "counter",
            "Config reloads (SIGHUP) since start, by result.",
        );
        for (result, count) in self.reloads {
            out.sample("vigia_config_reloads_total", &[("result", result)], count);
        }
        out.family(
            "vigia_limit_applied_total",
            "counter",
            "Times a [limits] bound applied since start (a title or quote cut, a link dropped, deep or huge HTML flattened, a feed's items left for the next poll, an alert batch split), by its key.",
        );
        for (limit, count) in self.limits {
            out.sample(
                "vigia_limit_applied_total",
                &[("limit", limit.key())],
                count,
            );
        }
        let sources: Vec<_> = snap
            .schedule
            .sources
            .iter()
            .filter(|s| self.configured.contains(&s.id))
            .collect();
        type Field = fn(&crate::store::sources::SourceState, i64) -> Option<i64>;
        let per_source: [(&str, &str, &str, Field); 8] = [
            (
                "vigia_source_polls_total",
                "counter",
                "Polls of the source, all time.",
                |s, _| Some(s.polls_total),
            ),
            (
                "vigia_source_poll_errors_total",
                "counter",
                "Failed polls of the source, each followed by a backoff, all time.",
                |s, _| Some(s.failures_total),
            ),
            (
                "vigia_source_consecutive_failures",
                "gauge",
                "Failed polls since the last success.",
                |s, _| Some(i64::from(s.error_count)),
            ),
            (
                "vigia_source_backoff_seconds",
                "gauge",
                "Seconds until a failing source is retried; 0 when it is not failing.",
                |s, now| {
                    Some(if s.error_count > 0 {
                        (s.next_check_at - now).max(0)
                    } else {
                        0
                    })
                },
            ),
            (
                "vigia_source_items_total",
                "counter",
                "Items fetched from the source, all time.",
                |s, _| Some(s.items_total),
            ),
            (
                "vigia_source_mentions_total",
                "counter",
                "New mentions found in the source, all time.",
                |s, _| Some(s.mentions_total),
            ),
            (
                "vigia_source_last_success_timestamp_seconds",
                "gauge",
                "Last successful poll of the source.",
                |s, _| s.last_success_at,
            ),
            (
                "vigia_source_warning",
                "gauge",
                "1 when the last successful poll needed a look or a repair (a feed read with its charset or XML repaired, a selector that matched nothing): `vigia feeds status` says what.",
                |s, _| Some(i64::from(s.warning.is_some())),
            ),
        ];
        for (name, kind, help, field) in per_source {
            out.family(name, kind, help);
            for s in &sources {
                if let Some(value) = field(s, self.now) {
                    out.sample(name, &[("source", &s.id), ("kind", &s.kind)], value);
                }
            }
        }
        out.family(
            "vigia_source_leased",
            "gauge",
            "1 while a daemon sharing the database polls the source under its lease (daemon: its host and process).",
        );
        for s in &sources {
            if let (Some(daemon), Some(until)) = (&s.leased_by, s.leased_until) {
                if until > self.now {
                    out.sample(
                        "vigia_source_leased",
                        &[("source", &s.id), ("kind", &s.kind), ("daemon", daemon)],
                        1,
                    );
                }
            }
        }
        out.family(
            "vigia_mentions",
            "gauge",
            "Mentions in the store, by brand and sentiment label.",
        );
        for (brand, label, count) in &snap.mentions {
            out.sample(
                "vigia_mentions",
                &[("brand", brand), ("sentiment", label)],
                count,
            );
        }
        out.family(
            "vigia_outbox_messages",
            "gauge",
            "Mail in the outbox: pending (not yet taken by the server) or failed for good.",
        );
        out.sample(
            "vigia_outbox_messages",
            &[("state", "pending")],
            snap.outbox_pending,
        );
        out.sample(
            "vigia_outbox_messages",
            &[("state", "failed")],
            snap.outbox_failed,
        );
        out.family(
            "vigia_mail_paused",
            "gauge",
            "1 while sending is paused by a mail set-up failure (login refused, certificate not trusted).",
        );
        out.sample(
            "vigia_mail_paused",
            &[],
            i64::from(snap.schedule.mail_paused.is_some()),
        );
        if let Some(at) = snap.last_digest_at {
            out.family(
                "vigia_last_digest_timestamp_seconds",
                "gauge",
                "When the last digest was handed to the mail server.",
            );
            out.sample("vigia_last_digest_timestamp_seconds", &[], at);
        }
        out.0
    }
}

#[derive(Default)]
struct Exposition(String);

impl Exposition {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}");
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Display) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (key, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{key}=\"{}\"", escape(value));
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {value}");
    }
}

/// A label value as the format wants it: backslash, double quote and line
/// feed escaped (names come from the config and from mentions' brands).
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::metrics::Schedule;
    use crate::store::sources::SourceState;

    fn state(id: &str, errors: u32, next: i64) -> SourceState {
        SourceState {
            id: id.into(),
            kind: "rss".into(),
            config_url: String::new(),
            cursor: Default::default(),
            error_count: errors,
            next_check_at: next,
            last_polled_at: Some(90),
            last_success_at: (errors == 0).then_some(90),
            last_error: None,
            last_error_at: None,
            warning: None,
            items_total: 12,
            mentions_total: 3,
            polls_total: 5,
            failures_total: 2,
            leased_by: None,
            leased_until: None,
        }
    }

    #[test]
    fn renders_families_escapes_labels_and_keeps_only_configured_sources() {
        let snapshot = Snapshot {
            schedule: Schedule {
                sources: vec![
                    SourceState {
                        warning: Some("1 byte sequence(s) invalid in UTF-8 replaced".into()),
                        leased_by: Some("web-2 pid 41".into()),
                        leased_until: Some(130),
                        ..state("ok", 0, 500)
                    },
                    SourceState {
                        // An expired lease: nobody polls it.
                        leased_by: Some("web-1 pid 7".into()),
                        leased_until: Some(90),
                        ..state("say \"hi\"\\", 2, 160)
                    },
                    state("gone", 0, 0),
                ],
                mail_due_since: None,
                mail_paused: Some(("SMTP: 535".into(), 50)),
                mail_failing: None,
            },
            mentions: vec![("Lu\"mora".into(), "negative".into(), 4)],
            outbox_pending: 2,
            outbox_failed: 0,
            last_digest_at: Some(77),
            heartbeat_at: Some(99),
        };
        let configured = ["ok".to_string(), "say \"hi\"\\".to_string()];
        let text = Figures {
            snapshot: &snapshot,
            configured: &configured,
            healthy: true,
            reloads: [("applied", 1), ("refused", 0)],
            limits: Limit::ALL.map(|l| (l, u64::from(l == Limit::ItemsPerPoll) * 3)),
            now: 100,
        }
        .render();
        for line in [
            "# TYPE vigia_source_polls_total counter",
            "vigia_mail_paused 1",
            "vigia_up 1",
            r#"vigia_source_polls_total{source="ok",kind="rss"} 5"#,
            r#"vigia_source_warning{source="ok",kind="rss"} 1"#,
            r#"vigia_source_leased{source="ok",kind="rss",daemon="web-2 pid 41"} 1"#,
            r#"vigia_source_warning{source="say \"hi\"\\",kind="rss"} 0"#,
            r#"vigia_source_backoff_seconds{source="ok",kind="rss"} 0"#,
            r#"vigia_source_backoff_seconds{source="say \"hi\"\\",kind="rss"} 60"#,
            r#"vigia_source_consecutive_failures{source="say \"hi\"\\",kind="rss"} 2"#,
            r#"vigia_mentions{brand="Lu\"mora",sentiment="negative"} 4"#,
            r#"vigia_outbox_messages{state="pending"} 2"#,
            r#"vigia_config_reloads_total{result="applied"} 1"#,
            "vigia_last_digest_timestamp_seconds 77",
            r#"vigia_limit_applied_total{limit="items_per_poll"} 3"#,
            r#"vigia_limit_applied_total{limit="title_chars"} 0"#,
        ] {
            assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
        }
        assert!(!text.contains("\"gone\""), "{text}");
        assert!(!text.contains("web-1"), "{text}");
        // A failing source has no last success to report.
        assert!(!text.contains(r#"vigia_source_last_success_timestamp_seconds{source="say"#));
    }
}
