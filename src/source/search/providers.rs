//! Each provider: where it answers, how it pages, and which fields of its
//! answer are the title, link, text, date, author and reach.

use std::time::Duration;

use url::Url;

use super::syntax::{translate, Syntax};
use super::{Plan, SearchError, SearchSpec};
use crate::source::dates::DateFormat;
use crate::source::json::{Field, Fields, JsonSpec, Paging, Path, Token, TokenPlace};
use crate::source::{RawItem, ReachKind};

/// A search provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// news.google.com's RSS search.
    GoogleNews,
    /// Bing News' RSS search.
    BingNews,
    /// Reddit's search (JSON), site-wide or in one subreddit.
    Reddit,
    /// Hacker News through the Algolia search API: stories and comments.
    HackerNews,
    /// A Mastodon instance: a hashtag's timeline, or its search API with a
    /// token.
    Mastodon,
    /// Bluesky's post search, on the public AppView.
    Bluesky,
    /// YouTube: a channel's or playlist's feed, or the Data API's search
    /// with a key.
    Youtube,
}

impl Provider {
    /// Every provider.
    pub const ALL: [Provider; 7] = [
        Provider::GoogleNews,
        Provider::BingNews,
        Provider::Reddit,
        Provider::HackerNews,
        Provider::Mastodon,
        Provider::Bluesky,
        Provider::Youtube,
    ];

    /// Its name in configs.
    pub fn name(self) -> &'static str {
        match self {
            Provider::GoogleNews => "google-news",
            Provider::BingNews => "bing-news",
            Provider::Reddit => "reddit",
            Provider::HackerNews => "hacker-news",
            Provider::Mastodon => "mastodon",
            Provider::Bluesky => "bluesky",
            Provider::Youtube => "youtube",
        }
    }

    /// The provider called `name`.
    pub fn parse(name: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.name() == name)
    }

    /// How often to ask when the config does not say: as often as its
    /// unauthenticated limits allow with room to spare.
    pub fn default_interval(self) -> Duration {
        let minutes = match self {
            Provider::HackerNews | Provider::Bluesky | Provider::Mastodon => 10,
            Provider::Reddit | Provider::GoogleNews | Provider::BingNews => 15,
            // A Data API search costs 100 of a key's 10,000 daily units.
            Provider::Youtube => 60,
        };
        Duration::from_secs(minutes * 60)
    }

    fn syntax(self) -> Syntax {
        match self {
            Provider::GoogleNews | Provider::BingNews => Syntax::Boolean { not: "-" },
            Provider::Reddit => Syntax::Boolean { not: "NOT " },
            Provider::Youtube => Syntax::Split { or: Some("|") },
            Provider::HackerNews | Provider::Mastodon | Provider::Bluesky => {
                Syntax::Split { or: None }
            }
        }
    }

    /// What its feed items need before the pipeline reads them.
    pub(super) fn tidy(self) -> fn(&mut RawItem) {
        match self {
            Provider::GoogleNews => google_news_item,
            _ => |_| {},
        }
    }

    fn public(self) -> &'static str {
        match self {
            Provider::GoogleNews => "https://news.google.com/",
            Provider::BingNews => "https://www.bing.com/",
            Provider::Reddit => "https://www.reddit.com/",
            Provider::HackerNews => "https://hn.algolia.com/",
            Provider::Mastodon => "https://mastodon.social/",
            Provider::Bluesky => "https://public.api.bsky.app/",
            Provider::Youtube => "https://www.youtube.com/",
        }
    }
}

/// Google News titles end in " - Publisher", the publisher its
/// description names in grey (`<font color="#6f6f6f">`): the publisher is
/// where the item is from, and the headline its title.
fn google_news_item(item: &mut RawItem) {
    let Some(title) = &item.title else { return };
    let named = item.summary.as_deref().and_then(|s| {
        let start = s.find("<font color=\"#6f6f6f\">")? + 22;
        let end = start + s[start..].find("</font>")?;
        Some(crate::text::normalize::html_to_text(&s[start..end]))
    });
    let split = match &named {
        Some(publisher) => title
            .strip_suffix(publisher.as_str())
            .and_then(|t| t.strip_suffix(" - "))
            .map(|headline| (headline, publisher.as_str())),
        None => title.rsplit_once(" - "),
    };
    if let Some((headline, publisher)) = split {
        if !headline.trim().is_empty() && publisher.len() <= 80 {
            item.origin = Some(publisher.trim().to_string());
            item.title = Some(headline.trim().to_string());
        }
    }
}

/// `path` under the provider's endpoint (its public address unless the
/// config gives one), with `query` pairs.
fn at(
    spec: &SearchSpec,
    base: &str,
    path: &str,
    query: &[(&str, &str)],
) -> Result<Url, SearchError> {
    let base = match &spec.options.endpoint {
        Some(endpoint) => endpoint.clone(),
        None => Url::parse(base).map_err(|e| SearchError::Endpoint(format!("{base}: {e}")))?,
    };
    let mut url = base
        .join(path.trim_start_matches('/'))
        .map_err(|e| SearchError::Endpoint(format!("{base}{path}: {e}")))?;
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    Ok(url)
}

/// A provider's field: each is read in the provider's tests, so one that
/// did not parse (and so read nothing) would fail them.
fn field(text: &str) -> Option<Field> {
    Field::parse(text).ok()
}

/// A provider's path to its items (tested as its fields are).
fn path(text: &str) -> Result<Path, SearchError> {
    Path::parse(text).map_err(|e| SearchError::Endpoint(e.to_string()))
}

fn json(
    spec: &SearchSpec,
    urls: Vec<Url>,
    items: &str,
    fields: Fields,
    paging: Paging,
) -> Result<Plan, SearchError> {
    let token = spec.options.token.clone().map(|source| Token {
        source,
        place: match spec.provider {
            Provider::Youtube => TokenPlace::Query("key".into()),
            _ => TokenPlace::Bearer,
        },
    });
    Ok(Plan::Json(Box::new(JsonSpec {
        id: spec.id.clone(),
        kind: spec.provider.name(),
        urls,
        interval: spec.interval,
        headers: Default::default(),
        token,
        items: path(items)?,
        fields,
        dates: DateFormat::default(),
        paging,
        max_pages: spec.max_pages,
    })))
}

pub(super) fn plan(spec: &SearchSpec) -> Result<Plan, SearchError> {
    let provider = spec.provider;
    let searches = translate(&spec.query, provider.syntax())?;
    let public = provider.public();
    let o = &spec.options;
    let cursor = |path_text: &str, param: &str| -> Result<Paging, SearchError> {
        Ok(Paging::Cursor {
            path: path(path_text)?,
            param: Some(param.into()),
        })
    };
    Ok(match provider {
        Provider::GoogleNews => {
            let language = o.language.as_deref().unwrap_or("en-US");
            let (lang, region) = language.split_once('-').unwrap_or((language, ""));
            let country = o.country.as_deref().unwrap_or(if region.is_empty() { "US" } else { region });
            let ceid = format!("{}:{lang}", country.to_uppercase());
            Plan::Feed(at(spec, public, "rss/search", &[
                ("q", &searches[0]),
                ("hl", language),
                ("gl", &country.to_uppercase()),
                ("ceid", &ceid),
            ])?)
        }
        Provider::BingNews => {
            let mut query = vec![("q", searches[0].as_str()), ("format", "rss"), ("qft", "sortbydate=\"1\"")];
            let market = match (&o.language, &o.country) {
                (Some(l), Some(c)) => Some(format!("{}-{}", l.split('-').next().unwrap_or(l), c.to_uppercase())),
                (Some(l), None) if l.contains('-') => Some(l.clone()),
                _ => None,
            };
            if let Some(m) = &market {
                query.push(("mkt", m));
            }
            Plan::Feed(at(spec, public, "news/search", &query)?)
        }
        Provider::Reddit => {
            let place = match &o.subreddit {
                Some(sub) => format!("r/{}/search.json", sub.trim_start_matches("r/")),
                None => "search.json".to_string(),
            };
            let mut query = vec![("q", searches[0].as_str()), ("sort", "new"), ("limit", "100"), ("raw_json", "1")];
            if o.subreddit.is_some() {
                query.push(("restrict_sr", "1"));
            }
            let fields = Fields {
                id: field("data.name"),
                title: field("data.title"),
                link: field("data.permalink"),
                text: field("data.selftext"),
                date: field("data.created_utc"),
                author: field("u/{data.author}"),
                origin: field("r/{data.subreddit}"),
                reach: field("data.score").map(|f| (f, ReachKind::Score)),
            };
            json(spec, vec![at(spec, public, &place, &query)?], "data.children", fields, cursor("data.after", "after")?)?
        }
        Provider::HackerNews => {
            let urls = searches
                .iter()
                .map(|q| at(spec, public, "api/v1/search_by_date", &[
                    ("query", q),
                    ("tags", "(story,comment)"),
                    ("hitsPerPage", "100"),
                ]))
                .collect::<Result<_, _>>()?;
            let fields = Fields {
                id: field("objectID"),
                title: field("title || Re: {story_title}"),
                link: field("https://news.ycombinator.com/item?id={objectID}"),
                text: field("story_text || comment_text"),
                date: field("created_at_i || created_at"),
                author: field("author"),
                origin: None,
                reach: field("points").map(|f| (f, ReachKind::Score)),
            };
            let paging = Paging::Number { param: "page".into(), start: 0 };
            json(spec, urls, "hits", fields, paging)?
        }
        Provider::Mastodon => {
            let fields = Fields {
                id: field("uri"),
                title: None,
                link: field("url || uri"),
                text: field("content"),
                date: field("created_at"),
                author: field("@{account.acct}"),
                origin: None,
                reach: field("account.followers_count").map(|f| (f, ReachKind::Followers)),
            };
            if o.token.is_some() && o.hashtag.is_none() {
                let urls = searches
                    .iter()
                    .map(|q| at(spec, public, "api/v2/search", &[
                        ("q", q),
                        ("type", "statuses"),
                        ("limit", "40"),
                        ("resolve", "false"),
                    ]))
                    .collect::<Result<_, _>>()?;
                let paging = Paging::Offset { param: "offset".into() };
                json(spec, urls, "statuses", fields, paging)?
            } else {
                let tags: Vec<String> = match &o.hashtag {
                    Some(tag) => vec![tag.trim_start_matches('#').to_string()],
                    // Each alternative's first term, run together: "acme corp" is #acmecorp.
                    None => {
                        let mut tags: Vec<String> = super::syntax::alternatives(&spec.query.expr)
                            .iter()
                            .filter_map(|a| a.first())
                            .map(|&t| spec.query.terms[t].replace(' ', ""))
                            .collect();
                        tags.sort();
                        tags.dedup();
                        tags
                    }
                };
                let urls = tags
                    .iter()
                    .map(|tag| at(spec, public, &format!("api/v1/timelines/tag/{tag}"), &[("limit", "40")]))
                    .collect::<Result<_, _>>()?;
                let paging = Paging::Last {
                    path: path("id")?,
                    param: "max_id".into(),
                };
                json(spec, urls, "$", fields, paging)?
            }
        }
        Provider::Bluesky => {
            let urls = searches
                .iter()
                .map(|q| at(spec, public, "xrpc/app.bsky.feed.searchPosts", &[
                    ("q", q),
                    ("sort", "latest"),
                    ("limit", "100"),
                ]))
                .collect::<Result<_, _>>()?;
            let fields = Fields {
                id: field("uri"),
                title: None,
                link: field("https://bsky.app/profile/{author.handle}/post/{uri|last}"),
                text: field("record.text"),
                date: field("record.createdAt || indexedAt"),
                author: field("@{author.handle}"),
                origin: None,
                reach: field("likeCount").map(|f| (f, ReachKind::Score)),
            };
            json(spec, urls, "posts", fields, cursor("cursor", "cursor")?)?
        }
        Provider::Youtube => match (&o.channel, &o.playlist, &o.token) {
            (Some(channel), _, _) => Plan::Feed(at(spec, public, "feeds/videos.xml", &[("channel_id", channel)])?),
            (None, Some(list), _) => Plan::Feed(at(spec, public, "feeds/videos.xml", &[("playlist_id", list)])?),
            (None, None, Some(_)) => {
                let api = "https://www.googleapis.com/";
                let urls = searches
                    .iter()
                    .map(|q| at(spec, api, "youtube/v3/search", &[
                        ("part", "snippet"),
                        ("type", "video"),
                        ("order", "date"),
                        ("maxResults", "50"),
                        ("q", q),
                    ]))
                    .collect::<Result<_, _>>()?;
                let fields = Fields {
                    id: field("id.videoId"),
                    title: field("snippet.title"),
                    link: field("https://www.youtube.com/watch?v={id.videoId}"),
                    text: field("snippet.description"),
                    date: field("snippet.publishedAt"),
                    author: field("snippet.channelTitle"),
                    origin: None,
                    reach: None,
                };
                json(spec, urls, "items", fields, cursor("nextPageToken", "pageToken")?)?
            }
            (None, None, None) => {
                return Err(SearchError::Needs(
                    "youtube reads a `channel` or `playlist` feed, or searches with an API key (`token_env` or `token_file`)".into(),
                ))
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Query;

    #[test]
    fn mastodon_hashtags_run_each_alternatives_first_term_together() {
        let spec = SearchSpec {
            id: "m".into(),
            provider: Provider::Mastodon,
            query: Query::parse(r#"("Acme Corp" refund) OR acme OR ("acme corp" -job)"#).unwrap(),
            options: Default::default(),
            interval: Duration::from_secs(600),
            max_pages: 1,
        };
        let Ok(Plan::Json(json)) = plan(&spec) else {
            panic!("a JSON plan");
        };
        let paths: Vec<&str> = json.urls.iter().map(|u| u.path()).collect();
        assert_eq!(
            paths,
            [
                "/api/v1/timelines/tag/acme",
                "/api/v1/timelines/tag/acmecorp"
            ]
        );
    }
}
