//! `vigia try-source`: what a page definition extracts, fetched now, so a
//! person can write selectors without restarting the daemon.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use clap::Args;
use reqwest::header::HeaderMap;
use url::Url;

use super::output::{clean, emit, TableOrJson};
use crate::pipeline::{normalize, Pipeline};
use crate::source::http::{HttpClient, HttpSettings};
use crate::source::web::{
    DateFormat, ListRules, PageSpec, Politeness, Reading, Selection, WebSource, DEFAULT_MAX_PAGES,
};
use crate::source::{Cursor, Source};

#[derive(Debug, Args)]
pub struct TryArgs {
    /// The page (http, https or file URL). Not needed with --page.
    url: Option<String>,
    /// Try the `[[page]]` of the config with this name instead.
    #[arg(long, conflicts_with_all = ["url", "item", "select"])]
    page: Option<String>,
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

pub fn run(config_path: &Path, args: &TryArgs) -> anyhow::Result<()> {
    // The config gives the HTTP settings and the brands to look for; a
    // missing one is fine unless --page names one of its pages.
    let config = if args.page.is_some() || config_path.exists() {
        Some(super::load(config_path)?)
    } else {
        None
    };
    let spec = match &args.page {
        Some(name) => {
            let pages: Vec<&PageSpec> = config.iter().flat_map(|c| c.pages()).collect();
            pages
                .iter()
                .find(|p| p.id == name.as_str())
                .copied()
                .cloned()
                .ok_or_else(|| {
                    let names: Vec<&str> = pages.iter().map(|p| p.id.as_str()).collect();
                    anyhow!("no [[page]] named {name:?} in the config (pages: {names:?})")
                })?
        }
        None => spec(args)?,
    };
    let http = config
        .as_ref()
        .map_or_else(HttpSettings::default, |c| c.http.clone());
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let fetched = runtime.block_on(async {
        let client = HttpClient::new(http).context("building the HTTP client")?;
        let source = WebSource::new(spec, Arc::new(Politeness::new(Arc::new(client))));
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
