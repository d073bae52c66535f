//! The config file as written: every table and key Vigia accepts, nothing
//! more (`deny_unknown_fields` everywhere). Values that need checking stay
//! strings with their position, so validation can point at the line.

mod sources;

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

pub use sources::{RawFeed, RawFeedsFile, RawImap, RawJson, RawMaildir, RawPage, RawSearch};

/// A string with its byte span in the file.
pub type Text = Spanned<String>;

/// The main config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// `[storage]`
    #[serde(default)]
    pub storage: RawStorage,
    /// `[http]`
    #[serde(default)]
    pub http: RawHttp,
    /// `[poll]`
    #[serde(default)]
    pub poll: RawPoll,
    /// `[sentiment]`
    #[serde(default)]
    pub sentiment: RawSentiment,
    /// `[[brand]]`
    #[serde(default, rename = "brand")]
    pub brands: Vec<RawBrand>,
    /// `[[feed]]`
    #[serde(default, rename = "feed")]
    pub feeds: Vec<RawFeed>,
    /// `[[maildir]]`
    #[serde(default, rename = "maildir")]
    pub maildirs: Vec<RawMaildir>,
    /// `[[imap]]`
    #[serde(default, rename = "imap")]
    pub imaps: Vec<RawImap>,
    /// `[[page]]`
    #[serde(default, rename = "page")]
    pub pages: Vec<RawPage>,
    /// `[[json]]`
    #[serde(default, rename = "json")]
    pub jsons: Vec<RawJson>,
    /// `[[search]]`
    #[serde(default, rename = "search")]
    pub searches: Vec<RawSearch>,
    /// Further files holding `[[feed]]` tables (as `vigia feeds import`
    /// writes them), relative to this file.
    #[serde(default)]
    pub feed_files: Vec<Text>,
    /// `[[team]]`
    #[serde(default, rename = "team")]
    pub teams: Vec<RawTeam>,
    /// `[[route]]`
    #[serde(default, rename = "route")]
    pub routes: Vec<RawRoute>,
    /// `[triage]`
    #[serde(default)]
    pub triage: RawTriage,
    /// `[mail]`
    #[serde(default)]
    pub mail: RawMail,
    /// `[limits]`
    #[serde(default)]
    pub limits: RawLimits,
    /// `[spikes]`
    #[serde(default)]
    pub spikes: RawSpikes,
    /// `[digest]`
    #[serde(default)]
    pub digest: RawDigest,
    /// `[status]`
    #[serde(default)]
    pub status: RawStatus,
    /// `[web]`
    #[serde(default)]
    pub web: RawWeb,
}

/// `[web]`: the web inbox, off when `listen` is absent.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWeb {
    /// Address to listen on, e.g. `"127.0.0.1:8480"`.
    pub listen: Option<Text>,
    /// Allow an address other than loopback (default false).
    pub allow_remote: Option<Spanned<bool>>,
    /// The address people open the inbox at, for links in mail.
    pub base_url: Option<Text>,
    /// Addresses that see every team's mentions.
    #[serde(default)]
    pub admins: Vec<Text>,
    /// How long a sign-in lasts (default 30 days).
    pub session: Option<Text>,
    /// How long the one-click links in mail work (default 7 days).
    pub link_lifetime: Option<Text>,
    /// The key that signs them (default: made beside the database).
    pub link_key_file: Option<Text>,
}

/// `[status]`: the optional HTTP listener for `/healthz` and `/metrics`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStatus {
    /// Address to listen on, e.g. `"127.0.0.1:9187"`; off when absent.
    pub listen: Option<Text>,
    /// Allow an address other than loopback (default false).
    pub allow_remote: Option<Spanned<bool>>,
}

/// `[digest]`: when digests go out.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDigest {
    /// Local time of day, `"08:00"`.
    pub at: Option<Text>,
    /// IANA time zone, `"America/Sao_Paulo"` (default UTC).
    pub timezone: Option<Text>,
    /// `"daily"` (default) or a weekday (`"monday"`) for a weekly digest.
    pub every: Option<Text>,
    /// `"skip"` (default) or `"send"` a short "nothing new" mail.
    pub empty: Option<Text>,
    /// List routed mentions still open after this long (default 2d).
    pub open_after: Option<Text>,
}

/// `[limits]`: bounds on what input can cost (see [`crate::limits`]).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// Longest title, in characters (default 500).
    pub title_chars: Option<Spanned<i64>>,
    /// Longest quote, in characters (default 300).
    pub quote_chars: Option<Spanned<i64>>,
    /// Longest link, in bytes (default 4096).
    pub url_bytes: Option<Spanned<i64>>,
    /// Deepest HTML nesting read (default 256).
    pub html_depth: Option<Spanned<i64>>,
    /// Most HTML elements read in one text (default 50000).
    pub html_elements: Option<Spanned<i64>>,
    /// Most items read from one feed in one poll (default 10000).
    pub items_per_poll: Option<Spanned<i64>>,
    /// Most mentions in one alert mail (default 50).
    pub alert_items: Option<Spanned<i64>>,
    /// Largest alert mail, in bytes (default 1048576).
    pub alert_bytes: Option<Spanned<i64>>,
}

/// `[spikes]`: negative-spike alerts.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpikes {
    /// Compound at or below this counts as negative (default -0.5).
    pub negative: Option<Spanned<f64>>,
    /// The sliding window (default 1h).
    pub window: Option<Text>,
    /// Fewest negatives in the window that can be a spike (default 5).
    pub min_count: Option<Spanned<i64>>,
    /// Largest p-value that is a spike (default 1e-4).
    pub p_value: Option<Spanned<f64>>,
    /// Windows in a row that make a slow build-up (default 3; 1: none).
    pub sustained: Option<Spanned<i64>>,
    /// How many times its usual count a build-up holds (default 3).
    pub sustained_ratio: Option<Spanned<f64>>,
    /// Largest p-value of a build-up (default 1e-4).
    pub sustained_p: Option<Spanned<f64>>,
    /// Quiet time after an alert (default 6h).
    pub cooldown: Option<Text>,
}

/// `[mail]`: how Vigia sends email. Without `host`, messages are written
/// as `.eml` files to `dir` instead.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMail {
    /// Sender, e.g. `"Vigia <vigia@example.com>"`.
    pub from: Option<Text>,
    /// Recipients for teams that list none.
    #[serde(default)]
    pub to: Vec<Text>,
    /// SMTP server.
    pub host: Option<Text>,
    /// Port; defaults to 465 for `tls = "implicit"`, 587 for `starttls`, 25 for `plain`.
    pub port: Option<Spanned<i64>>,
    /// `implicit` (default), `starttls`, or `plain` (localhost only).
    pub tls: Option<Text>,
    /// Extra CA certificate (PEM) to trust, for a private server.
    pub ca_file: Option<Text>,
    /// Login name, when the server wants one.
    pub user: Option<Text>,
    /// Environment variable holding the password.
    pub password_env: Option<Text>,
    /// File holding the password (e.g. a systemd credential).
    pub password_file: Option<Text>,
    /// Folder for `.eml` files when no `host` is set.
    pub dir: Option<Text>,
    /// SMTP timeout, e.g. `"30s"`.
    pub timeout: Option<Text>,
    /// Delay before the first retry of a failed mail (default 30s; it
    /// doubles up to an hour).
    pub retry: Option<Text>,
    /// Where replies to alert mails go (their `Reply-To`), read back by a
    /// `[[maildir]]` or `[[imap]]` with `role = "replies"`.
    pub reply_to: Option<Text>,
}

/// `[[team]]`: who hears about the mentions routed to it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTeam {
    /// Name, as routes refer to it.
    pub name: Text,
    /// Email addresses.
    #[serde(default)]
    pub recipients: Vec<Text>,
    /// The language of its digests and alerts (`en`, `pt`).
    pub language: Option<Text>,
    /// `[[team.chat]]`: chat channels its alerts and digests go to too.
    #[serde(default)]
    pub chat: Vec<RawChat>,
}

/// `[[team.chat]]`: one chat channel of a team.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChat {
    /// `slack`, `teams`, `telegram` or `webhook`.
    pub kind: Text,
    /// A webhook's URL (not a secret; Slack's and Teams' are).
    pub url: Option<Text>,
    /// Environment variable holding the URL (Slack, Teams).
    pub url_env: Option<Text>,
    /// File holding it.
    pub url_file: Option<Text>,
    /// Environment variable holding a Telegram bot token.
    pub token_env: Option<Text>,
    /// File holding it.
    pub token_file: Option<Text>,
    /// Telegram: the chat.
    pub chat_id: Option<Text>,
    /// Telegram: the Bot API's address (default `https://api.telegram.org`).
    pub endpoint: Option<Text>,
    /// A webhook's signing secret, in an environment variable.
    pub secret_env: Option<Text>,
    /// In a file.
    pub secret_file: Option<Text>,
    /// What it is sent: `alerts`, `spikes`, `digests` (default all).
    pub sends: Option<Spanned<Vec<Text>>>,
}

/// `[[route]]`: a routing rule; every condition given must hold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    /// Teams the mention goes to.
    pub teams: Spanned<Vec<Text>>,
    /// A query in the brand query language, on the title and quote.
    pub query: Option<Text>,
    /// Only mentions from these sources.
    #[serde(default)]
    pub sources: Vec<Text>,
    /// Only mentions of these brands.
    #[serde(default)]
    pub brands: Vec<Text>,
    /// Only mentions with this sentiment label.
    pub sentiment: Option<Text>,
    /// Only mentions whose source counts at least this reach (followers,
    /// points or views).
    pub min_reach: Option<Spanned<i64>>,
    /// Try no later rule when this one holds.
    #[serde(default)]
    pub stop: bool,
}

/// `[triage]`: default team, extremes, alarm terms, severity, subjects.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTriage {
    /// Team of mentions no rule claims; defaults to the first team.
    pub default_team: Option<Text>,
    /// Team that also gets extreme scores; defaults to `management` when
    /// such a team exists.
    pub extremes_team: Option<Text>,
    /// Compound at or below this is extreme (default -0.8).
    pub extreme_negative: Option<Spanned<f64>>,
    /// Compound at or above this is extreme (default 0.8).
    pub extreme_positive: Option<Spanned<f64>>,
    /// Alarm terms, as a query.
    pub alarm: Option<Text>,
    /// Window in which a subject's mentions count (default 7d).
    pub subject_window: Option<Text>,
    /// Mentions in the window from which a subject is "act" (default 3).
    pub act_at: Option<Spanned<i64>>,
    /// Compound at or below this scores 1 severity point (default -0.4).
    pub negative: Option<Spanned<f64>>,
    /// Compound at or below this scores 2 points (default -0.75).
    pub very_negative: Option<Spanned<f64>>,
    /// Points from which a mention is notable (default 1).
    pub notable: Option<Spanned<f64>>,
    /// Points from which it is urgent (default 3).
    pub urgent: Option<Spanned<f64>>,
    /// Points from which it is critical (default 4).
    pub critical: Option<Spanned<f64>>,
}

/// `[storage]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStorage {
    /// SQLite file.
    pub path: Option<Text>,
    /// SQLite's page cache.
    pub cache_size: Option<Text>,
    /// A PostgreSQL database instead of the file (`postgres://…`).
    pub url: Option<Text>,
    /// Its password's environment variable.
    pub password_env: Option<Text>,
    /// Its password's file.
    pub password_file: Option<Text>,
    /// How long a daemon's lease on a source holds (e.g. `"2m"`).
    pub lease: Option<Text>,
    /// A private CA for the PostgreSQL server's certificate (PEM).
    pub ca_file: Option<Text>,
}

/// `[http]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttp {
    /// `User-Agent`.
    pub user_agent: Option<Text>,
    /// e.g. `"10s"`.
    pub connect_timeout: Option<Text>,
    /// e.g. `"30s"`.
    pub read_timeout: Option<Text>,
    /// e.g. `"60s"`.
    pub request_timeout: Option<Text>,
    /// e.g. `"10MiB"`.
    pub max_body_size: Option<Text>,
    /// Requests in flight overall.
    pub max_concurrency: Option<Spanned<i64>>,
    /// Requests in flight per host.
    pub per_host_concurrency: Option<Spanned<i64>>,
    /// Redirects followed.
    pub max_redirects: Option<Spanned<i64>>,
    /// Least time between two requests to one host, for web pages (a
    /// robots.txt `Crawl-delay`, up to a minute, can make it longer).
    pub host_delay: Option<Text>,
}

/// `[poll]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPoll {
    /// Default interval between polls of a source.
    pub interval: Option<Text>,
    /// Delay after a first failure.
    pub min_backoff: Option<Text>,
    /// Longest delay after failures.
    pub max_backoff: Option<Text>,
    /// How long a reload waits for the polls in progress.
    pub reload_timeout: Option<Text>,
}

/// `[sentiment]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSentiment {
    /// Compound at or above this is positive (default 0.05).
    pub positive: Option<Spanned<f64>>,
    /// Compound at or below this is negative (default -0.05).
    pub negative: Option<Spanned<f64>>,
    /// Lexicon entries to add or change, by language: `[sentiment.lexicon.en]`.
    #[serde(default)]
    pub lexicon: BTreeMap<String, BTreeMap<String, Spanned<f64>>>,
}

/// `[[brand]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBrand {
    /// Name shown in listings and mail.
    pub name: Text,
    /// Queries in the Google Alerts language.
    pub queries: Spanned<Vec<Text>>,
    /// Languages the brand is discussed in (`en`, `pt`), pinned for
    /// sentiment instead of detecting each mention's.
    #[serde(default)]
    pub languages: Vec<Text>,
}
