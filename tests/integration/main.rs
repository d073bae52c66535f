//! Integration tests: one binary, against real local servers and a real
//! SQLite file.

mod cli;
mod daemon;
mod helpers;
mod maildir;
mod rss;
