//! Vigia: a brand-mention monitoring daemon.
//!
//! Vigia polls RSS/Atom feeds (and, in later stages, alert emails and web
//! pages) for mentions of the brands in its config, keeps each mention once
//! in SQLite, and lets a person list them. The data flows one way:
//!
//! ```text
//! source::Source ──RawItem──▶ pipeline (normalize → match → fingerprint)
//!        ▲                          │ MentionCandidate
//!        │ cursor                   ▼
//! source::driver ◀──────────── store (dedupe: item, URL, SimHash; sightings)
//! ```
//!
//! - [`config`]: the TOML file, validated with every error reported.
//! - [`source`]: the `Source` trait, the driver that schedules it, HTTP, RSS.
//! - [`pipeline`]: normalization, the query language and matcher, snippets,
//!   fingerprints.
//! - [`store`]: SQLite schema, migrations and queries.
//! - [`daemon`]: wiring, the long-running loop and one-pass polling.
//! - [`cli`]: the `vigia` command line.

pub mod cli;
pub mod config;
pub mod daemon;
pub mod delivery;
pub mod pipeline;
pub mod sentiment;
pub mod service;
pub mod source;
pub mod status;
pub mod store;
pub mod telemetry;
pub mod triage;
