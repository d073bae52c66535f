//! The source tables as written: `[[feed]]`, `[[page]]`, `[[json]]`,
//! `[[search]]`, `[[maildir]]` and `[[imap]]`, and a feeds file.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::Text;

/// `[[feed]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeed {
    /// Feed URL: `http(s)://`, `file:///abs/path` or `file:rel/path`.
    pub url: Text,
    /// Stable name; defaults to the URL.
    pub name: Option<Text>,
    /// Poll interval; defaults to `[poll] interval`.
    pub interval: Option<Text>,
    /// Extra request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, Text>,
    /// Severity multiplier for its mentions (default 1; 0 mutes it).
    pub weight: Option<Spanned<f64>>,
}

/// `[[page]]`: a web page without a feed. With `item` it is a list page
/// whose items the selectors pick; without, its text (or the part
/// `select` picks) is watched for new paragraphs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPage {
    /// Stable name.
    pub name: Text,
    /// Page URL: `http(s)://`, `file:///abs/path` or `file:rel/path`.
    pub url: Text,
    /// Poll interval; defaults to `[poll] interval`.
    pub interval: Option<Text>,
    /// Extra request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, Text>,
    /// Severity multiplier for its mentions (default 1; 0 mutes it).
    pub weight: Option<Spanned<f64>>,
    /// CSS selector of each item (a list page).
    pub item: Option<Text>,
    /// Within an item: the title.
    pub title: Option<Text>,
    /// The link (`href`, or `selector@attribute`).
    pub link: Option<Text>,
    /// The text; the whole item by default.
    pub text: Option<Text>,
    /// The date (`datetime` attribute when present, else the text).
    pub date: Option<Text>,
    /// `strftime` format of the dates, when not ISO 8601 or RFC 2822.
    pub date_format: Option<Text>,
    /// Zone of dates without one (default UTC).
    pub timezone: Option<Text>,
    /// The link to the next page.
    pub next: Option<Text>,
    /// Pages read per poll through `next` (default 5).
    pub max_pages: Option<Spanned<i64>>,
    /// The part of the page to watch (whole-page mode).
    pub select: Option<Text>,
    /// Parts of the page to leave out.
    #[serde(default)]
    pub exclude: Vec<Text>,
}

/// `[[maildir]]`: a local Maildir to read mail from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMaildir {
    /// Stable name.
    pub name: Text,
    /// The Maildir (the folder holding `new/` and `cur/`).
    pub path: Text,
    /// Poll interval; defaults to `[poll] interval`.
    pub interval: Option<Text>,
    /// Severity multiplier for its mentions (default 1; 0 mutes it).
    pub weight: Option<Spanned<f64>>,
    /// `mentions` (default) or `replies`: replies to alert mails, which act.
    pub role: Option<Text>,
}

/// `[[imap]]`: a mailbox on an IMAP server.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawImap {
    /// Stable name.
    pub name: Text,
    /// Server host name.
    pub host: Text,
    /// Port; defaults to 993 for `tls = "implicit"`, 143 otherwise.
    pub port: Option<Spanned<i64>>,
    /// `implicit` (default), `starttls`, or `plain` (localhost only).
    pub tls: Option<Text>,
    /// Extra CA certificates (PEM) to trust, for a private server.
    pub ca_file: Option<Text>,
    /// Login name.
    pub user: Text,
    /// Environment variable holding the password.
    pub password_env: Option<Text>,
    /// File holding the password (e.g. a systemd credential).
    pub password_file: Option<Text>,
    /// Folders to read; default `["INBOX"]`.
    pub folders: Option<Spanned<Vec<Text>>>,
    /// After a message is stored: `leave` (default), `seen`, or `move`.
    pub after: Option<Text>,
    /// Folder to move processed messages to, with `after = "move"`.
    pub move_to: Option<Text>,
    /// Poll interval (IDLE picks up new mail sooner); defaults to `[poll] interval`.
    pub interval: Option<Text>,
    /// Severity multiplier for its mentions (default 1; 0 mutes it).
    pub weight: Option<Spanned<f64>>,
    /// `mentions` (default) or `replies`: replies to alert mails, which act.
    pub role: Option<Text>,
}

/// `[[json]]`: any JSON API, read by field paths.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJson {
    /// Stable name.
    pub name: Text,
    /// The first page's URL.
    pub url: Text,
    /// Poll interval; defaults to `[poll] interval`.
    pub interval: Option<Text>,
    /// Extra request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, Text>,
    /// Severity multiplier for its mentions (default 1; 0 mutes it).
    pub weight: Option<Spanned<f64>>,
    /// Environment variable holding a token.
    pub token_env: Option<Text>,
    /// File holding a token.
    pub token_file: Option<Text>,
    /// The header that carries the token (default `Authorization: Bearer`).
    pub token_header: Option<Text>,
    /// The query parameter that carries it instead.
    pub token_param: Option<Text>,
    /// Where the items are (`data.children`, `$.hits`, `$`).
    pub items: Text,
    /// Within an item: its id.
    pub id: Option<Text>,
    /// Its title.
    pub title: Option<Text>,
    /// Its link (a path, or a template such as `https://x/item?id={id}`).
    pub link: Option<Text>,
    /// Its text.
    pub text: Option<Text>,
    /// Its date.
    pub date: Option<Text>,
    /// Its author.
    pub author: Option<Text>,
    /// Where it is from.
    pub origin: Option<Text>,
    /// Its reach: a count.
    pub reach: Option<Text>,
    /// What `reach` counts: `followers`, `score` (default) or `views`.
    pub reach_kind: Option<Text>,
    /// `strftime` format of string dates, when not ISO 8601 or RFC 2822.
    pub date_format: Option<Text>,
    /// Zone of dates without one (default UTC).
    pub timezone: Option<Text>,
    /// Where the response gives the next page's URL or cursor
    /// (`last.id`: a value of the page's last item, with `next_param`).
    pub next: Option<Text>,
    /// The query parameter the cursor goes back in (without it, `next`
    /// is a URL).
    pub next_param: Option<Text>,
    /// The query parameter of a page number.
    pub page_param: Option<Text>,
    /// The first page's number (default 1).
    pub page_start: Option<Spanned<i64>>,
    /// The query parameter of how many items to skip.
    pub offset_param: Option<Text>,
    /// Pages read per poll (default 3).
    pub max_pages: Option<Spanned<i64>>,
}

/// `[[search]]`: a search by provider name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSearch {
    /// `google-news`, `bing-news`, `reddit`, `hacker-news`, `mastodon`,
    /// `bluesky` or `youtube`.
    pub provider: Text,
    /// What to look for; every brand's queries by default.
    pub query: Option<Text>,
    /// Stable name; defaults to the provider and the query.
    pub name: Option<Text>,
    /// Poll interval; defaults to the provider's.
    pub interval: Option<Text>,
    /// Severity multiplier for its mentions (default 1; 0 mutes it).
    pub weight: Option<Spanned<f64>>,
    /// Language of results (`pt-BR`).
    pub language: Option<Text>,
    /// Country of results (`BR`).
    pub country: Option<Text>,
    /// Reddit: only this subreddit.
    pub subreddit: Option<Text>,
    /// Mastodon: this hashtag's timeline.
    pub hashtag: Option<Text>,
    /// YouTube: this channel's feed.
    pub channel: Option<Text>,
    /// YouTube: this playlist's feed.
    pub playlist: Option<Text>,
    /// Where the provider answers (a Mastodon instance, an AppView).
    pub endpoint: Option<Text>,
    /// Environment variable holding the token or API key.
    pub token_env: Option<Text>,
    /// File holding it.
    pub token_file: Option<Text>,
    /// Pages read per poll (default 3).
    pub max_pages: Option<Spanned<i64>>,
}

/// A feeds file: `[[feed]]` tables only.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeedsFile {
    /// `[[feed]]`
    #[serde(default, rename = "feed")]
    pub feeds: Vec<RawFeed>,
}
