//! Integration tests: one binary, against real local servers and a real
//! SQLite file.

// All of this crate is test code, helpers included: a failed step panics
// with its error, which is what clippy.toml allows inside `#[test]`s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod chat;
mod cli;
mod commands;
mod daemon;
mod delivery;
mod dovecot;
mod feed_repairs;
mod helpers;
mod imap;
mod inbox;
mod json_source;
mod limits;
mod links;
mod maildir;
mod merges;
mod moving;
mod passwords;
mod readme;
mod reload;
mod replies;
mod rss;
mod scripts;
mod search;
mod search_media;
mod service;
mod several;
mod smtp;
mod spikes;
mod status;
mod triage;
mod web;
mod writers;
