//! Limits that bound what hostile or runaway input can cost: title and
//! quote lengths, URL length, HTML nesting and size at ingestion, items taken
//! from one feed in one poll, mentions and bytes in one alert mail. Set
//! from `[limits]` when a config is loaded (and again on reload); each
//! time one applies it is counted, and `/metrics` reports the counts as
//! `vigia_limit_applied_total`.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// `[limits]`: every bound, its default where the config says nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest title kept, in characters; a longer one is cut at a word
    /// and kept whole at the head of the text.
    pub title_chars: usize,
    /// Longest quote, in characters.
    pub quote_chars: usize,
    /// Longest link kept, in bytes; a longer one is dropped (the mention
    /// is kept, without a link).
    pub url_bytes: usize,
    /// Deepest HTML nesting read; deeper elements are flattened into their
    /// parent, their text kept.
    pub html_depth: usize,
    /// Most HTML elements read in one text; the tags beyond are dropped,
    /// their text kept.
    pub html_elements: usize,
    /// Most items read from one feed in one poll, newest first; the rest
    /// are read by the next polls.
    pub items_per_poll: usize,
    /// Most mentions in one alert mail.
    pub alert_items: usize,
    /// Largest alert mail, in bytes: a larger batch is split.
    pub alert_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            title_chars: 500,
            quote_chars: 300,
            url_bytes: 4_096,
            html_depth: 256,
            html_elements: 50_000,
            items_per_poll: 10_000,
            alert_items: 50,
            alert_bytes: 1 << 20,
        }
    }
}

impl Limits {
    /// The value of one limit.
    pub fn of(&self, limit: Limit) -> usize {
        match limit {
            Limit::TitleChars => self.title_chars,
            Limit::QuoteChars => self.quote_chars,
            Limit::UrlBytes => self.url_bytes,
            Limit::HtmlDepth => self.html_depth,
            Limit::HtmlElements => self.html_elements,
            Limit::ItemsPerPoll => self.items_per_poll,
            Limit::AlertItems => self.alert_items,
            Limit::AlertBytes => self.alert_bytes,
        }
    }
}

/// Which limit applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A title was cut.
    TitleChars,
    /// A quote was cut.
    QuoteChars,
    /// A link was dropped.
    UrlBytes,
    /// HTML nested too deep was flattened.
    HtmlDepth,
    /// HTML with too many elements lost the tags beyond.
    HtmlElements,
    /// A feed had more new items than one poll reads.
    ItemsPerPoll,
    /// An alert batch had more mentions than one mail lists.
    AlertItems,
    /// An alert mail was too large and was split.
    AlertBytes,
}

impl Limit {
    /// Every limit, in `/metrics` order.
    pub const ALL: [Limit; 8] = [
        Limit::TitleChars,
        Limit::QuoteChars,
        Limit::UrlBytes,
        Limit::HtmlDepth,
        Limit::HtmlElements,
        Limit::ItemsPerPoll,
        Limit::AlertItems,
        Limit::AlertBytes,
    ];

    /// Its `[limits]` key.
    pub fn key(self) -> &'static str {
        match self {
            Limit::TitleChars => "title_chars",
            Limit::QuoteChars => "quote_chars",
            Limit::UrlBytes => "url_bytes",
            Limit::HtmlDepth => "html_depth",
            Limit::HtmlElements => "html_elements",
            Limit::ItemsPerPoll => "items_per_poll",
            Limit::AlertItems => "alert_items",
            Limit::AlertBytes => "alert_bytes",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The current limits, by [`Limit`] index; 0 until set (the default).
static VALUES: [AtomicUsize; 8] = [const { AtomicUsize::new(0) }; 8];
/// How often each limit applied since the process started.
static APPLIED: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

/// Makes `limits` the process's limits.
pub fn set(limits: &Limits) {
    for limit in Limit::ALL {
        VALUES[limit.index()].store(limits.of(limit), Ordering::Relaxed);
    }
}

/// The process's value of `limit` (its default until [`set`]).
pub fn get(limit: Limit) -> usize {
    match VALUES[limit.index()].load(Ordering::Relaxed) {
        0 => Limits::default().of(limit),
        value => value,
    }
}

/// Counts that `limit` applied.
pub fn applied(limit: Limit) {
    APPLIED[limit.index()].fetch_add(1, Ordering::Relaxed);
}

/// How often each limit applied since the process started.
pub fn counts() -> [(Limit, u64); 8] {
    Limit::ALL.map(|l| (l, APPLIED[l.index()].load(Ordering::Relaxed)))
}
