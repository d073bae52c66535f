//! `vigia try-source`: what a source reads, fetched now, so a person can
//! write selectors and field paths, or see what a search finds, without
//! restarting the daemon: a page given by its selectors, any source of the
//! config by name, or a search by provider and query.

use crate::source::dates::DateFormat;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use clap::Args;
use reqwest::header::HeaderMap;
use url::Url;

use super::output::{clean, emit, TableOrJson};
use crate::config::{Config, SourceParts};
use crate::pipeline::{normalize, Pipeline};
use crate::query::Query;
use crate::secret::PasswordSource;
use crate::source::http::{HttpClient, HttpSettings};
use crate::source::search::{any_of, Provider, Search, SearchOptions, SearchSpec};
use crate::source::web::{
    ListRules, PageSpec, Politeness, Reading, Selection, WebSource, DEFAULT_MAX_PAGES,
};
use crate::source::{Cursor, Source};

#[derive(Debug, Args)]
pub struct TryArgs {
    /// The page (http, https or file URL); with --search, the query
    /// (default: every brand's queries). Not needed with --source.
    url: Option<String>,
    /// Try the source of the config with this name instead (a page, a
    /// feed, a [[json]] or a [[search]]).
    #[arg(long, visible_alias = "page", conflicts_with_all = ["url", "item", "select", "search"])]
    source: Option<String>,
    /// Search this provider (google-news, bing-news, reddit, hacker-news,
    /// mastodon, bluesky, youtube) for the query.
    #[arg(long, conflicts_with_all = ["item", "select"])]
    search: Option<String>,
    #[command(flatten)]
    options: SearchFlags,
    /// CSS selector of each item: makes it a list page.
    #[arg(long)]
    item: Option<String>,
    /// Within an item: the title.
    #[arg(long, requires = "item")]
    title: Option<String>,
    /// Within an item: the link (`href`, or `selector@attribute`).
    #[arg(long, requires = "item")]
    link: Option<String>,
    /// Within an item: the text (default: the whole item).
    #[arg(long, requires = "item")]
    text: Option<String>,
    /// Within an item: the date.
    #[arg(long, requires = "item")]
    date: Option<String>,
    /// strftime format of the dates, e.g. "%d/%m/%Y %H:%M".
    #[arg(long, requires = "date")]
    date_format: Option<String>,
    /// IANA zone of dates that carry none (default UTC).
    #[arg(long, requires = "date")]
    timezone: Option<String>,
    /// The link to the next page.
    #[arg(long, requires = "item")]
    next: Option<String>,
    /// Pages to read through --next.
    #[arg(long, requires = "next")]
    max_pages: Option<usize>,
    /// Whole-page mode: the part of the page to watch.
    #[arg(long, conflicts_with = "item")]
    select: Option<String>,
    /// Parts of the page to leave out (repeatable).
    #[arg(long)]
    exclude: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableOrJson::Table)]
    format: TableOrJson,
}

/// What a search may be told besides its query (see `[[search]]`).
#[derive(Debug, Args)]
struct SearchFlags {
    /// Language of results (pt-BR): google-news, bing-news.
    #[arg(long, requires = "search")]
    language: Option<String>,
    /// Country of results (BR): google-news, bing-news.
    #[arg(long, requires = "search")]
    country: Option<String>,
    /// Only this subreddit: reddit.
    #[arg(long, requires = "search")]
    subreddit: Option<String>,
    /// This hashtag's timeline: mastodon.
    #[arg(long, requires = "search")]
    hashtag: Option<String>,
    /// This channel's feed: youtube.
    #[arg(long, requires = "search")]
    channel: Option<String>,
    /// This playlist's feed: youtube.
    #[arg(long, requires = "search")]
    playlist: Option<String>,
    /// Where the provider answers (a Mastodon instance, an AppView).
    #[arg(long, requires = "search")]
    endpoint: Option<String>,
    /// The environment variable holding the token or API key.
    #[arg(long, requires = "search")]
    token_env: Option<String>,
}

pub fn run(config_path: &Path, args: &TryArgs) -> anyhow::Result<()> {
    // The config gives the HTTP settings and the brands to look for; a
    // missing one is fine unless --source names one of its sources.
    let config = if args.source.is_some() || config_path.exists() {
        Some(super::load(config_path)?)
    } else {
        None
    };
    let http = config
        .as_ref()
        .map_or_else(HttpSettings::default, |c| c.http.clone());
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let fetched = runtime.block_on(async {
        let client = Arc::new(HttpClient::new(http).context("building the HTTP client")?);
        let parts = SourceParts {
            http: client.clone(),
            polite: Arc::new(Politeness::new(client)),
            max_body_bytes: config.as_ref().map_or(10 << 20, |c| c.http.max_body_bytes),
        };
        let source: Arc<dyn Source> = match (&args.source, &args.search) {
            (Some(name), _) => {
                let sources = config.iter().flat_map(|c| &c.sources);
                let found = sources.clone().find(|s| s.id().as_str() == name.as_str());
                let Some(found) = found else {
                    let names: Vec<&str> = sources.map(|s| s.id().as_str()).collect();
                    bail!("no source named {name:?} in the config (sources: {names:?})");
                };
                found.build(&parts)
            }
            (None, Some(provider)) => {
                let search = search(args, provider, config.as_ref())?;
                for url in search.urls() {
                    emit(&format!("reads {url}\n"))?;
                }
                search.build(&parts.http)
            }
            (None, None) => Arc::new(WebSource::new(spec(args)?, parts.polite.clone())),
        };
        source
            .fetch(&Cursor::default())
            .await
            .map_err(|e| anyhow!("{e}"))
    })?;
    let pipeline = config.map(|c| Pipeline::new(c.matcher));
    let items: Vec<serde_json::Value> = fetched
        .items
        .iter()
        .map(|item| {
            let doc = normalize(item);
            let brands: Vec<String> = pipeline.as_ref().map_or_else(Vec::new, |p| {
                p.candidates("try-source", doc.clone())
                    .into_iter()
                    .map(|c| c.brand.to_string())
                    .collect()
            });
            serde_json::json!({
                "title": doc.title,
                "url": doc.url.map(String::from),
                "published": doc.published.map(|d| d.to_rfc3339()),
                "author": doc.author,
                "reach": doc.reach.map(|r| r.count),
                "reach_kind": doc.reach.map(|r| r.kind.name()),
                "origin": doc.origin,
                "text": doc.text,
                "brands": brands,
            })
        })
        .collect();
    if let TableOrJson::Json = args.format {
        let out = serde_json::json!({ "items": items, "warnings": fetched.warnings });
        emit(&format!("{}\n", serde_json::to_string_pretty(&out)?))?;
        return Ok(());
    }
    let field = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or("-").to_string();
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        let title = field(item, "title");
        out.push_str(&format!("{:>3}. {}\n", i + 1, clean(&title, 100)));
        for key in ["url", "published", "text"] {
            out.push_str(&format!("     {key}: {}\n", clean(&field(item, key), 160)));
        }
        let byline = crate::store::mentions::Byline::from_columns(
            item["author"].as_str().map(str::to_string),
            item["reach"].as_i64(),
            item["reach_kind"].as_str(),
        );
        if let Some(byline) = crate::delivery::words::EN.byline(&byline) {
            out.push_str(&format!("     {}\n", clean(&byline, 160)));
        }
        if pipeline.is_some() {
            let brands = item["brands"].as_array().map_or(0, Vec::len);
            let names: Vec<String> = item["brands"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| b.as_str().map(|b| clean(b, 40)))
                .collect();
            let shown = if brands == 0 {
                "-".into()
            } else {
                names.join(", ")
            };
            out.push_str(&format!("     mentions: {shown}\n"));
        }
    }
    out.push_str(&format!("{} items\n", items.len()));
    for warning in &fetched.warnings {
        out.push_str(&format!("warning: {}\n", clean(warning, 300)));
    }
    emit(&out)?;
    Ok(())
}

/// The search the arguments describe: the query given, or every brand's.
fn search(args: &TryArgs, provider: &str, config: Option<&Config>) -> anyhow::Result<Search> {
    let provider = Provider::parse(provider).ok_or_else(|| {
        let names: Vec<&str> = Provider::ALL.iter().map(|p| p.name()).collect();
        anyhow!(
            "--search {provider:?}: not a provider ({})",
            names.join(", ")
        )
    })?;
    let text = match (&args.url, config) {
        (Some(query), _) => query.clone(),
        (None, Some(config)) => any_of(config.brands.iter().flat_map(|b| &b.queries)),
        (None, None) => bail!("give the query to search for (no config names the brands)"),
    };
    let query = Query::parse(&text).map_err(|e| anyhow!("query {text:?}: {e}"))?;
    let o = &args.options;
    let endpoint = o
        .endpoint
        .as_deref()
        .map(|e| Url::parse(&format!("{}/", e.trim_end_matches('/'))))
        .transpose()
        .context("--endpoint is not a URL")?;
    let spec = SearchSpec {
        id: "try-source".into(),
        provider,
        query,
        options: SearchOptions {
            language: o.language.clone(),
            country: o.country.clone(),
            subreddit: o.subreddit.clone(),
            hashtag: o.hashtag.clone(),
            channel: o.channel.clone(),
            playlist: o.playlist.clone(),
            endpoint,
            token: o.token_env.clone().map(PasswordSource::Env),
        },
        interval: provider.default_interval(),
        max_pages: 1,
    };
    Ok(spec.plan()?)
}

/// The page the arguments describe.
fn spec(args: &TryArgs) -> anyhow::Result<PageSpec> {
    let Some(text) = &args.url else {
        bail!("give the page's URL, or --page NAME for a page of the config");
    };
    let url = match text.strip_prefix("file:").filter(|r| !r.starts_with('/')) {
        Some(rest) => Url::from_file_path(std::path::absolute(rest)?)
            .map_err(|()| anyhow!("{text:?} is not a usable file path"))?,
        None => Url::parse(text).with_context(|| format!("{text:?} is not a URL"))?,
    };
    if !matches!(url.scheme(), "http" | "https" | "file") {
        bail!("{text:?}: expected an http, https or file URL");
    }
    let sel = |value: &Option<String>, flag: &str| -> anyhow::Result<Option<Selection>> {
        value
            .as_deref()
            .map(Selection::parse)
            .transpose()
            .map_err(|e| anyhow!("--{flag}: {e}"))
    };
    let exclude = args
        .exclude
        .iter()
        .map(|e| Selection::parse(e).map_err(|why| anyhow!("--exclude: {why}")))
        .collect::<anyhow::Result<_>>()?;
    let reading = match sel(&args.item, "item")? {
        None => Reading::Whole {
            select: sel(&args.select, "select")?,
        },
        Some(item) => {
            let timezone = match &args.timezone {
                None => chrono_tz::Tz::UTC,
                Some(tz) => tz
                    .parse()
                    .map_err(|_| anyhow!("--timezone {tz:?} is not an IANA time zone"))?,
            };
            let next = sel(&args.next, "next")?;
            Reading::List(Box::new(ListRules {
                item,
                title: sel(&args.title, "title")?,
                link: sel(&args.link, "link")?,
                text: sel(&args.text, "text")?,
                date: sel(&args.date, "date")?,
                dates: DateFormat {
                    format: args.date_format.clone(),
                    timezone,
                },
                max_pages: match &next {
                    Some(_) => args.max_pages.unwrap_or(DEFAULT_MAX_PAGES).max(1),
                    None => 1,
                },
                next,
            }))
        }
    };
    Ok(PageSpec {
        id: "try-source".into(),
        url,
        interval: Duration::from_secs(900),
        headers: HeaderMap::new(),
        reading,
        exclude,
    })
}
