//! From [`RawConfig`] to [`Config`]: pure, no network and no database, and
//! every error collected rather than the first returned.

use std::collections::HashMap;
use std::time::Duration;

use super::check::{headers, resolve_url, Checker};
use super::error::SourceFile;
use super::raw::{RawConfig, RawFeed, RawFeedsFile, Text};
use super::{base_dir, Brand, Config, ConfigErrors, Feed, SourceSpec};
use crate::backoff::Backoff;
use crate::name::{BrandName, SourceId};
use crate::query::matcher::{BrandSpec, KeywordMatcher};
use crate::query::Query;
use crate::sentiment::Language;
use crate::triage::Policy;

/// SQLite's page cache unless `[storage] cache_size` says otherwise: room
/// for a first cycle's working set.
const DEFAULT_CACHE_BYTES: u64 = 32 << 20;

const DEFAULT_INTERVAL: Duration = Duration::from_secs(15 * 60);

pub(super) fn from_raw(
    main: &SourceFile,
    raw: RawConfig,
    feed_files: &[(RawFeedsFile, SourceFile)],
) -> Result<Config, ConfigErrors> {
    let mut check = Checker {
        file: main,
        errors: Vec::new(),
    };
    let dir = base_dir(&main.path);
    let storage_path = match &raw.storage.path {
        Some(p) => dir.join(p.get_ref()),
        None => std::env::var_os("STATE_DIRECTORY").map_or_else(
            || dir.join("vigia.db"),
            |d| std::path::PathBuf::from(d).join("vigia.db"),
        ),
    };
    let storage_url = super::check::storage_url(&mut check, &raw.storage, &dir);
    let storage_lease = check.duration(
        raw.storage.lease.as_ref(),
        "storage.lease",
        crate::poll::DEFAULT_LEASE,
    );
    let storage_cache_bytes = check.size(
        raw.storage.cache_size.as_ref(),
        "storage.cache_size",
        DEFAULT_CACHE_BYTES,
    );
    let http = super::http::http(&mut check, &raw.http);
    let poll_interval = check.duration(
        raw.poll.interval.as_ref(),
        "poll.interval",
        DEFAULT_INTERVAL,
    );
    let backoff = Backoff {
        min: check.duration(
            raw.poll.min_backoff.as_ref(),
            "poll.min_backoff",
            Duration::from_secs(60),
        ),
        max: check.duration(
            raw.poll.max_backoff.as_ref(),
            "poll.max_backoff",
            Duration::from_secs(6 * 3600),
        ),
    };
    let reload_timeout = check.duration(
        raw.poll.reload_timeout.as_ref(),
        "poll.reload_timeout",
        Duration::from_secs(60),
    );
    if backoff.min > backoff.max {
        check.push(
            raw.poll.min_backoff.as_ref().map(Text::span),
            "poll.min_backoff",
            "is longer than poll.max_backoff",
        );
    }
    let brands = brands(&mut check, &raw);
    let thresholds = super::sentiment::thresholds(&mut check, &raw.sentiment);
    let lexicon_overrides = super::sentiment::overrides(&mut check, &raw.sentiment);
    let mut errors = std::mem::take(&mut check.errors);
    let mut feeds = Vec::new();
    let mut weights = HashMap::new();
    let mut seen = HashMap::new();
    let mut warnings = Vec::new();
    let mut urls: HashMap<String, (std::path::PathBuf, String)> = HashMap::new();
    let files =
        std::iter::once((&raw.feeds, main)).chain(feed_files.iter().map(|(f, s)| (&f.feeds, s)));
    for (list, file) in files {
        let mut check = Checker {
            file,
            errors: Vec::new(),
        };
        for (i, raw_feed) in list.iter().enumerate() {
            if let Some(feed) = feed(&mut check, i, raw_feed, poll_interval, &mut seen) {
                let here = (file.path.clone(), format!("feed[{i}] ({:?})", feed.id));
                if let Some((first_file, first)) = urls.insert(feed.url.to_string(), here) {
                    let place = if first_file == file.path {
                        first
                    } else {
                        format!("{first} of {}", first_file.display())
                    };
                    warnings.push(file.error(
                        Some(raw_feed.url.span()),
                        format!("feed[{i}].url"),
                        format!(
                            "{:?} is also {place}: it will be polled twice",
                            feed.url.as_str()
                        ),
                    ));
                }
                let weight = check.weight(raw_feed.weight.as_ref(), &format!("feed[{i}].weight"));
                weights.insert(feed.id.clone(), weight);
                feeds.push(feed);
            }
        }
        errors.append(&mut check.errors);
    }
    warnings.extend(
        crowded_hosts(&feeds, http.per_host_concurrency)
            .into_iter()
            .map(|message| {
                let span = raw.http.per_host_concurrency.as_ref().map(|v| v.span());
                main.error(span, "http.per_host_concurrency", message)
            }),
    );
    let mut check = Checker {
        file: main,
        errors: Vec::new(),
    };
    let maildirs =
        super::mail_sources::maildirs(&mut check, &raw.maildirs, poll_interval, &mut seen);
    let imaps = super::mail_sources::imaps(&mut check, &raw.imaps, poll_interval, &mut seen);
    let pages = super::web::pages(&mut check, &raw.pages, poll_interval, &mut seen);
    let jsons = super::api_sources::jsons(
        &mut check,
        &raw.jsons,
        (poll_interval, &mut seen),
        &mut weights,
    );
    let searches = super::api_sources::searches(
        &mut check,
        &raw.searches,
        (&brands, &mut seen),
        &mut weights,
    );
    // Each of these sources is known by its name, valid or not.
    let named = raw
        .maildirs
        .iter()
        .map(|r| ("maildir", &r.name, &r.weight))
        .chain(raw.imaps.iter().map(|r| ("imap", &r.name, &r.weight)))
        .chain(raw.pages.iter().map(|r| ("page", &r.name, &r.weight)));
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (table, name, weight) in named {
        let i = index.entry(table).or_default();
        let weight = check.weight(weight.as_ref(), &format!("{table}[{i}].weight"));
        *i += 1;
        weights.insert(SourceId::from(name.get_ref().trim()), weight);
    }
    let policy = super::triage::policy(&mut check, &raw, &brands, weights);
    let state_dir = storage_path.parent().unwrap_or(&dir).to_path_buf();
    let mail = super::delivery::mail(&mut check, &raw.mail, &dir, &state_dir);
    let chats = super::chat::channels(&mut check, &raw.teams);
    super::mail_sources::replies_read(&mut check, &raw, mail.reply_to.is_some());
    let spikes = super::delivery::spikes(&mut check, &raw.spikes);
    let limits = super::check::limits(&mut check, &raw.limits);
    let digest = super::delivery::digest(&mut check, &raw.digest);
    let status_listen = super::status::listen(&mut check, &raw.status);
    let web = super::status::web(&mut check, &raw.web, (&dir, &state_dir));
    errors.append(&mut check.errors);
    let specs: Vec<BrandSpec> = brands
        .iter()
        .map(|b| BrandSpec {
            name: b.name.clone(),
            queries: b.queries.clone(),
        })
        .collect();
    if !errors.is_empty() {
        return Err(ConfigErrors(errors));
    }
    // Every query parsed above, so this only fails on automaton limits.
    let matcher = KeywordMatcher::new(&specs)
        .map_err(|e| ConfigErrors(vec![main.error(None, "brand", e.to_string())]))?;
    let policy = Policy::new(policy)
        .map_err(|e| ConfigErrors(vec![main.error(None, "route", e.to_string())]))?;
    Ok(Config {
        path: main.path.clone(),
        storage_path,
        storage_url,
        storage_lease,
        storage_cache_bytes,
        http,
        poll_interval,
        backoff,
        reload_timeout,
        brands,
        sources: feeds
            .into_iter()
            .map(SourceSpec::Feed)
            .chain(maildirs.into_iter().map(SourceSpec::Maildir))
            .chain(imaps.into_iter().map(SourceSpec::Imap))
            .chain(pages.into_iter().map(SourceSpec::Page))
            .chain(jsons.into_iter().map(|j| SourceSpec::Json(Box::new(j))))
            .chain(searches.into_iter().map(SourceSpec::Search))
            .collect(),
        thresholds,
        lexicon_overrides,
        matcher,
        policy,
        mail,
        chats,
        spikes,
        limits,
        digest,
        status_listen,
        web,
        warnings,
    })
}

fn brands(check: &mut Checker<'_>, raw: &RawConfig) -> Vec<Brand> {
    if raw.brands.is_empty() {
        check.push(
            None,
            "brand",
            "no [[brand]] configured: there is nothing to look for",
        );
    }
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, b) in raw.brands.iter().enumerate() {
        let key = format!("brand[{i}]");
        let name = b.name.get_ref().trim();
        if name.is_empty() {
            check.push(Some(b.name.span()), format!("{key}.name"), "is empty");
        } else if let Some(first) = names.insert(name.to_lowercase(), i) {
            check.push(
                Some(b.name.span()),
                format!("{key}.name"),
                format!("{name:?} is already brand[{first}]"),
            );
        }
        if b.queries.get_ref().is_empty() {
            check.push(
                Some(b.queries.span()),
                format!("{key}.queries"),
                "is empty: give at least one query",
            );
        }
        for (j, q) in b.queries.get_ref().iter().enumerate() {
            if let Err(e) = Query::parse(q.get_ref()) {
                check.push(
                    Some(q.span()),
                    format!("{key}.queries[{j}]"),
                    format!("{:?}: {e}", q.get_ref()),
                );
            }
        }
        let mut languages = Vec::new();
        for (j, l) in b.languages.iter().enumerate() {
            match Language::from_code(l.get_ref()) {
                Some(language) => languages.push(language),
                None => {
                    let msg = format!(
                        "{:?} has no sentiment lexicon (expected \"en\" or \"pt\")",
                        l.get_ref()
                    );
                    check.push(Some(l.span()), format!("{key}.languages[{j}]"), msg);
                }
            }
        }
        out.push(Brand {
            name: BrandName::from(name),
            queries: b
                .queries
                .get_ref()
                .iter()
                .map(|q| q.get_ref().clone())
                .collect(),
            languages,
        });
    }
    out
}

fn feed(
    check: &mut Checker<'_>,
    i: usize,
    raw: &RawFeed,
    default_interval: Duration,
    seen: &mut super::check::Seen,
) -> Option<Feed> {
    let key = format!("feed[{i}]");
    let url = match resolve_url(raw.url.get_ref(), &base_dir(&check.file.path)) {
        Ok(url) => Some(url),
        Err(why) => {
            check.push(
                Some(raw.url.span()),
                format!("{key}.url"),
                format!("{:?} {why}", raw.url.get_ref()),
            );
            None
        }
    };
    let id = SourceId::from(
        raw.name
            .as_ref()
            .map_or_else(|| raw.url.get_ref().trim(), |n| n.get_ref().trim()),
    );
    if id.is_empty() {
        check.push(
            raw.name.as_ref().map(|n| n.span()),
            format!("{key}.name"),
            "is empty",
        );
    } else if let Some((file, first)) =
        seen.insert(id.clone(), (check.file.path.clone(), key.clone()))
    {
        let span = raw.name.as_ref().map_or(raw.url.span(), |n| n.span());
        let place = if file == check.file.path {
            first
        } else {
            format!("{first} of {}", file.display())
        };
        check.push(
            Some(span),
            key.clone(),
            format!("feed {:?} is already defined as {place}", id.as_str()),
        );
    }
    let interval = check.duration(
        raw.interval.as_ref(),
        &format!("{key}.interval"),
        default_interval,
    );
    let headers = headers(check, &key, &raw.headers);
    Some(Feed {
        id,
        url: url?,
        interval,
        headers,
    })
}

/// Feeds on one host beyond which `[http] per_host_concurrency` sets the
/// pace of a cycle, per request allowed at once.
const CROWDED_PER_SLOT: usize = 50;

/// A note for each host serving so many of the feeds that they queue behind
/// the per-host limit (Google Alerts' feeds all live on one host).
fn crowded_hosts(feeds: &[Feed], per_host: usize) -> Vec<String> {
    let mut hosts: HashMap<&str, usize> = HashMap::new();
    for feed in feeds {
        if let Some(host) = feed.url.host_str() {
            *hosts.entry(host).or_default() += 1;
        }
    }
    let mut crowded: Vec<(&str, usize)> = hosts
        .into_iter()
        .filter(|&(_, n)| n > CROWDED_PER_SLOT * per_host)
        .collect();
    crowded.sort_unstable();
    crowded
        .into_iter()
        .map(|(host, n)| {
            format!(
                "{n} feeds are on {host}, fetched {per_host} at a time: each cycle waits for \
                 {} requests in a row; raise it if {host} allows more",
                n.div_ceil(per_host)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;

    #[test]
    fn many_feeds_on_one_host_are_pointed_out() {
        let feed = |host: &str, i: usize| Feed {
            id: format!("{host}{i}").into(),
            url: Url::parse(&format!("https://{host}/feeds/{i}")).unwrap(),
            interval: DEFAULT_INTERVAL,
            headers: reqwest::header::HeaderMap::new(),
        };
        let feeds: Vec<Feed> = (0..101)
            .map(|i| feed("alerts.example", i))
            .chain((0..3).map(|i| feed("blog.example", i)))
            .collect();
        assert_eq!(
            crowded_hosts(&feeds, 2),
            [
                "101 feeds are on alerts.example, fetched 2 at a time: each cycle waits for \
              51 requests in a row; raise it if alerts.example allows more"
            ]
        );
        assert!(crowded_hosts(&feeds, 8).is_empty());
    }
}
