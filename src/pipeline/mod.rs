//! From a raw item to mention candidates: normalize → match → fingerprint.
//!
//! The pipeline is pure: it knows nothing of HTTP or SQLite. The source
//! driver feeds it [`RawItem`]s and hands its [`MentionCandidate`]s to the
//! store, which does the dedupe lookups (see [`dedupe`] for the fingerprint
//! and `store::mentions` for the decision).

pub mod dedupe;
pub mod snippet;

use chrono::{DateTime, Utc};
use url::Url;
use xxhash_rust::xxh3::xxh3_128;

use crate::limits::{self, Limit};
use crate::name::{BrandName, SourceId};
use crate::query::matcher::KeywordMatcher;
use crate::sentiment::{Language, Scorers, Sentiment, Thresholds};
use crate::source::{RawItem, Reach};
use crate::text::fold::Folded;
use crate::triage::{Assessment, Facts, Policy};
use dedupe::{CopyKeys, Fingerprint};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// An item after normalization: plain text and a canonical URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Stable key of the item within its source: from the GUID, else the
    /// URL, else the title and text.
    pub item_key: String,
    /// Canonical URL, when the item has a usable one.
    pub url: Option<Url>,
    /// Title as plain text (may be empty).
    pub title: String,
    /// Body as plain text (may be empty).
    pub text: String,
    /// When the item says it was published.
    pub published: Option<DateTime<Utc>>,
    /// Site or sender it comes from, as plain text.
    pub origin: Option<String>,
    /// Alert query that found it.
    pub query: Option<String>,
    /// One passage of the page at `url` (see [`RawItem::excerpt`]).
    pub excerpt: bool,
    /// Who wrote it, as one clean line.
    pub author: Option<String>,
    /// How far it reached.
    pub reach: Option<Reach>,
}

/// A mention the pipeline found, before the store decides whether it is new.
#[derive(Debug, Clone, PartialEq)]
pub struct MentionCandidate {
    /// Source the item came from.
    pub source_id: SourceId,
    /// The brand mentioned.
    pub brand: BrandName,
    /// The normalized item.
    pub document: Document,
    /// Folded terms that matched, first hit first.
    pub terms: Vec<String>,
    /// The quote: the sentence (or ~300 characters) around the first hit.
    pub snippet: String,
    /// Sentiment of the title and the quote: what is said where the brand
    /// is named, not the average of a long article.
    pub sentiment: Sentiment,
    /// Content fingerprint of title + text.
    pub fingerprint: Fingerprint,
    /// Its title's and opening's keys, for copies whose fingerprint moved.
    pub keys: CopyKeys,
    /// Teams, alarm terms and subject features.
    pub triage: Assessment,
}

/// The compiled pipeline. Build once per config; cheap to share.
#[derive(Debug, Clone)]
pub struct Pipeline {
    matcher: KeywordMatcher,
    /// Languages a brand pins for sentiment; brands not here are detected.
    languages: HashMap<BrandName, Vec<Language>>,
    thresholds: Thresholds,
    /// The standard ones ([`Scorers::new`]) unless set, built on first
    /// use: building them takes some 19 ms of CPU (measured), wasted when
    /// the pipeline is given its own, as the daemon's is.
    scorers: Arc<OnceLock<Scorers>>,
    policy: Arc<Policy>,
}

impl Pipeline {
    /// A pipeline that finds the brands `matcher` knows.
    pub fn new(matcher: KeywordMatcher) -> Self {
        Pipeline {
            matcher,
            languages: HashMap::new(),
            thresholds: Thresholds::default(),
            scorers: Arc::default(),
            policy: Arc::new(Policy::default()),
        }
    }

    /// Triages mentions with `policy` (routing, alarms, subjects).
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = Arc::new(policy);
        self
    }

    /// The triage policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Scores sentiment with `scorers` in the languages each brand pins
    /// (detected among all scored languages for the others), labelled at
    /// `thresholds`.
    pub fn with_sentiment(
        mut self,
        languages: HashMap<BrandName, Vec<Language>>,
        thresholds: Thresholds,
        scorers: Scorers,
    ) -> Self {
        self.languages = languages;
        self.thresholds = thresholds;
        self.scorers = Arc::new(OnceLock::from(scorers));
        self
    }

    /// Candidates for one item: one per brand it mentions.
    pub fn process(&self, source_id: &str, item: &RawItem) -> Vec<MentionCandidate> {
        let document = normalize(item);
        self.candidates(source_id, document)
    }

    /// Candidates for an already normalized document.
    pub fn candidates(&self, source_id: &str, document: Document) -> Vec<MentionCandidate> {
        let full = format!("{}\n\n{}", document.title, document.text);
        let folded = Folded::new(&full);
        let matches = self.matcher.find_folded(&folded);
        if matches.is_empty() {
            return Vec::new();
        }
        let fingerprint = Fingerprint::of(&folded);
        // One scan of the body serves every brand's quote.
        let body = self.matcher.hits(&document.text);
        matches
            .into_iter()
            .map(|m| {
                // Quote the body where it names the brand; a title-only
                // mention is quoted by the body's lead, or the title.
                let snippet = match body.first_of(&m.terms) {
                    Some((s, e)) => snippet::quote(&document.text, s, e),
                    None if !document.text.is_empty() => snippet::lead(&document.text),
                    None => snippet::lead(&document.title),
                };
                let pinned = self.languages.get(&m.brand).map_or(&[][..], Vec::as_slice);
                let about = self.about(&document, &m.brand, &snippet);
                let scorers = self.scorers.get_or_init(|| Scorers::new(&[]));
                let sentiment = scorers.score(&about, pinned, &self.thresholds);
                let quoted = format!("{}\n{}", document.title, snippet);
                let triage = self.policy.assess(&Facts {
                    brand: &m.brand,
                    source_id,
                    text: &quoted,
                    whole: &full,
                    sentiment: &sentiment,
                    brand_terms: &m.terms,
                    reach: document.reach.map(|r| r.count),
                });
                // An item without a title (a paragraph of a watched page)
                // is listed and mailed under the start of its quote.
                let mut document = document.clone();
                if document.title.is_empty() {
                    document.title = snippet::headline(&snippet);
                }
                let keys = CopyKeys::of(&document.title, &document.text);
                MentionCandidate {
                    source_id: SourceId::from(source_id),
                    brand: m.brand,
                    document,
                    terms: m.terms,
                    snippet,
                    sentiment,
                    fingerprint,
                    keys,
                    triage,
                }
            })
            .collect()
    }
}

impl Pipeline {
    /// What the item says about `brand`, for its sentiment: the title and
    /// every paragraph that names the brand (the quote when none does),
    /// with the brand's own names left out, so that a brand called Pay,
    /// Smart or Sol says nothing good or bad about itself.
    fn about(&self, document: &Document, brand: &str, snippet: &str) -> String {
        let mut about = document.title.clone();
        let mut named = false;
        for paragraph in document.text.lines() {
            if !self.matcher.name_spans(paragraph, Some(brand)).is_empty() {
                about.push('\n');
                about.push_str(paragraph);
                named = true;
            }
        }
        if !named {
            about.push('\n');
            about.push_str(snippet);
        }
        let names = self.matcher.name_spans(&about, Some(brand));
        crate::sentiment::without_names(&about, &names)
    }
}

/// Normalizes a raw item: text from HTML, canonical URL, stable key.
pub fn normalize(item: &RawItem) -> Document {
    let title = item
        .title
        .as_deref()
        .map(crate::text::normalize::html_to_text)
        .unwrap_or_default();
    let body = item
        .content
        .as_deref()
        .or(item.summary.as_deref())
        .unwrap_or_default();
    let mut text = crate::text::normalize::html_to_text(body);
    // A longer title (a feed that puts a whole article, or megabytes of
    // junk, in its title) is cut at a word, and its whole is kept at the
    // head of the text, where search and matching still find it.
    let most = limits::get(Limit::TitleChars);
    let title = if title.chars().count() > most {
        limits::applied(Limit::TitleChars);
        text = format!("{title}\n{text}");
        snippet::cut(&title, most)
    } else {
        title
    };
    // A link longer than any real one is dropped; the mention stays.
    let url = item
        .url
        .as_deref()
        .and_then(|u| crate::text::normalize::canonical_url(u, None))
        .filter(|u| {
            let fits = u.as_str().len() <= limits::get(Limit::UrlBytes);
            if !fits {
                limits::applied(Limit::UrlBytes);
            }
            fits
        });
    let key_material = match (&item.guid, &url) {
        (Some(guid), _) if !guid.trim().is_empty() => format!("guid:{}", guid.trim()),
        (_, Some(url)) => format!("url:{url}"),
        _ => format!("text:{title}\n{text}"),
    };
    Document {
        item_key: format!("{:032x}", xxh3_128(key_material.as_bytes())),
        url,
        title,
        text,
        published: item.published,
        origin: clean_field(item.origin.as_deref()),
        query: clean_field(item.query.as_deref()),
        excerpt: item.excerpt,
        author: clean_field(item.author.as_deref()).map(|a| snippet::cut(&a, MAX_AUTHOR_CHARS)),
        reach: item.reach,
    }
}

/// The longest author kept, in characters: a handle or a name, not a
/// paragraph.
const MAX_AUTHOR_CHARS: usize = 100;

/// A short field from outside (a site name, a sender) as one clean line.
/// Not parsed as HTML: a sender such as `Ana <ana@example.com>` is text.
fn clean_field(value: Option<&str>) -> Option<String> {
    let words: Vec<&str> = value?
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use crate::query::matcher::BrandSpec;

    fn pipeline() -> Pipeline {
        let brands = [BrandSpec {
            name: "Acme".into(),
            queries: vec!["acme".into()],
        }];
        Pipeline::new(KeywordMatcher::new(&brands).unwrap())
    }

    fn item(title: &str, body: &str) -> RawItem {
        RawItem {
            guid: Some("g1".into()),
            url: Some("https://example.com/a?utm_source=rss".into()),
            title: Some(title.into()),
            summary: Some(body.into()),
            ..RawItem::default()
        }
    }

    #[test]
    fn quotes_the_body_sentence_that_names_the_brand() {
        let out = pipeline().process(
            "f",
            &item(
                "Acme news",
                "<p>Intro.</p><p>We love <b>Acme</b> tools. Bye.</p>",
            ),
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].snippet, "We love Acme tools.");
        assert_eq!(out[0].terms, ["acme"]);
        assert_eq!(
            out[0].document.url.as_ref().map(Url::as_str),
            Some("https://example.com/a")
        );
    }

    #[test]
    fn a_huge_title_is_cut_and_its_whole_kept_in_the_text() {
        let title = format!("{} the end names Acme", "filler words ".repeat(200_000));
        let out = pipeline().process("f", &item(&title, "A short body."));
        assert_eq!(
            out.len(),
            1,
            "the brand at the end of the title still counts"
        );
        let document = &out[0].document;
        assert!(document.title.chars().count() <= Limits::default().title_chars + 1);
        assert!(document.title.ends_with('…'), "{}", &document.title[..40]);
        assert!(document.text.starts_with("filler words"));
        assert!(document.text.ends_with("the end names Acme\nA short body."));
        assert!(out[0].snippet.chars().count() <= snippet::max_chars() + 2);
    }

    #[test]
    fn title_only_mentions_quote_the_lead() {
        let out = pipeline().process(
            "f",
            &item("Acme recalls toasters", "Forty thousand units. More soon."),
        );
        assert_eq!(out[0].snippet, "Forty thousand units. More soon.");
    }

    #[test]
    fn no_brand_no_candidate() {
        assert!(pipeline()
            .process("f", &item("Other", "nothing here"))
            .is_empty());
    }

    #[test]
    fn the_brand_name_scores_nothing_and_alarms_count_anywhere() {
        let brands = [BrandSpec {
            name: "Corvina Pay".into(),
            queries: vec![r#""corvina pay" OR corvinapay"#.into()],
        }];
        let pipeline = Pipeline::new(KeywordMatcher::new(&brands).unwrap()).with_sentiment(
            HashMap::new(),
            Thresholds::default(),
            Scorers::new(&[]),
        );
        // "pay" is -0.4 in VADER's lexicon: as the brand's name it is not
        // an opinion.
        let out = pipeline.process(
            "f",
            &item(
                "Corvina Pay opens an office in Lisbon",
                "<p>Corvina Pay hires forty people.</p>\
                 <p>Regulators opened a fraud inquiry last year.</p>",
            ),
        );
        assert_eq!(out[0].sentiment.polarity.compound, 0.0);
        // The alarm term is in the second paragraph, not in the quote.
        assert_eq!(out[0].snippet, "Corvina Pay hires forty people.");
        assert_eq!(out[0].triage.alarms, ["fraud"]);
    }

    #[test]
    fn item_key_prefers_guid_then_url_then_text() {
        let a = normalize(&item("t", "b"));
        let mut no_guid = item("t", "b");
        no_guid.guid = None;
        let b = normalize(&no_guid);
        no_guid.url = None;
        let c = normalize(&no_guid);
        assert_ne!(a.item_key, b.item_key);
        assert_ne!(b.item_key, c.item_key);
        assert_eq!(c.item_key, normalize(&no_guid).item_key);
    }
}
