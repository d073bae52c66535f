//! Vigia: a brand-mention monitoring daemon.
//!
//! Vigia polls RSS/Atom feeds, alert mails (IMAP, Maildir) and web pages
//! for mentions of the brands in its config, keeps each mention once in
//! SQLite with its sentiment, team, severity and recurring subject, and
//! tells people: immediate alerts, negative-spike alerts and daily digests
//! by mail, and `/healthz` and `/metrics` for the machines watching it.
//! The data flows one way:
//!
//! ```text
//! source::Source ──RawItem──▶ pipeline (normalize → match → sentiment → triage facts)
//!        ▲                          │ MentionCandidate
//!        │ cursor                   ▼
//!   poll ◀──────────────────── store (dedupe, subjects, severity, alert queue)
//!                                   │
//!                                   ▼
//!                  delivery (outbox → SMTP or files; alerts, spikes, digests)
//! ```
//!
//! - [`config`]: the TOML file, validated with every problem reported by
//!   key, file and line.
//! - [`source`]: the `Source` trait and its kinds (RSS/Atom, IMAP,
//!   Maildir, alert mails, web pages), with the shared HTTP client.
//! - [`poll`]: the poller that schedules each source, fetches, runs the
//!   pipeline, stores the result and backs off.
//! - [`pipeline`]: normalization, quotes and fingerprints, from a raw item
//!   to one candidate per brand it names.
//! - [`query`]: the query language and the one-automaton matcher that
//!   brands, routes and alarm terms share.
//! - [`sentiment`]: VADER (exact) and the Portuguese scorer, with the
//!   brand-risk layer and the config's slang.
//! - [`triage`]: routing to teams, severity and its reasons, subjects.
//! - [`store`]: SQLite schema, migrations and every query (the only module
//!   that speaks SQL).
//! - [`delivery`]: the outbox and its sender, alert and digest mail in
//!   each team's language, spike detection.
//! - [`daemon`]: wiring (the runtime of one loaded config, also used for
//!   one-pass polling), the supervisor (signals, reloads, shutdown) and
//!   systemd readiness and watchdog;
//!   [`status`]: the heartbeat and the `/healthz` and `/metrics` listener;
//!   [`telemetry`]: logs.
//! - [`text`]: folding and word tokens, shared by matching, sentiment and
//!   subjects; [`name`]: the brand, team and source names, each its own
//!   type.
//! - [`backoff`]: retrying after failures, for sources and mail;
//!   [`secret`]: reading passwords; [`tls`]: how mail connections are
//!   secured; [`memory`]: handing freed memory back to the system.
//! - [`cli`]: the `vigia` command line.

pub mod backoff;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod delivery;
pub mod inbox;
pub mod limits;
pub mod links;
pub mod memory;
pub mod name;
pub mod people;
pub mod pipeline;
pub mod poll;
pub mod query;
pub mod replies;
pub mod secret;
pub mod sentiment;
pub mod source;
pub mod status;
pub mod store;
pub mod telemetry;
pub mod text;
pub mod tls;
pub mod triage;
