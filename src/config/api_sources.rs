//! Validation of `[[json]]` (any JSON API, by field paths) and
//! `[[search]]` (a search by provider name).

use std::collections::HashMap;
use std::time::Duration;

use url::Url;

use super::base_dir;
use super::check::{headers, secret, source_name, Checker, Seen};
use super::raw::{RawJson, RawSearch, Text};
use super::Brand;
use crate::name::SourceId;
use crate::query::Query;
use crate::source::dates::DateFormat;
use crate::source::json::{
    Field, Fields, JsonSpec, Paging, Path, Token, TokenPlace, DEFAULT_MAX_PAGES,
};
use crate::source::search::{any_of, Provider, Search, SearchOptions, SearchSpec};
use crate::source::ReachKind;

/// The `[[json]]` tables that are valid; each one's weight in `weights`.
pub(super) fn jsons(
    check: &mut Checker<'_>,
    raw: &[RawJson],
    (default_interval, seen): (Duration, &mut Seen),
    weights: &mut HashMap<SourceId, f64>,
) -> Vec<JsonSpec> {
    let dir = base_dir(&check.file.path);
    let mut out = Vec::new();
    for (i, j) in raw.iter().enumerate() {
        let key = format!("json[{i}]");
        let id = source_name(check, &key, &j.name, seen);
        weights.insert(
            id.clone(),
            check.weight(j.weight.as_ref(), &format!("{key}.weight")),
        );
        let url = http_url(check, &j.url, &format!("{key}.url"));
        let interval = check.duration(
            j.interval.as_ref(),
            &format!("{key}.interval"),
            default_interval,
        );
        let headers = headers(check, &key, &j.headers);
        let token =
            secret(check, (&key, "token"), (&j.token_env, &j.token_file), &dir).map(|source| {
                let place = match (&j.token_header, &j.token_param) {
                    (Some(h), None) => TokenPlace::Header(h.get_ref().clone()),
                    (None, Some(p)) => TokenPlace::Query(p.get_ref().clone()),
                    (Some(_), Some(p)) => {
                        check.push(
                            Some(p.span()),
                            format!("{key}.token_param"),
                            "set token_header or token_param, not both",
                        );
                        TokenPlace::Query(p.get_ref().clone())
                    }
                    (None, None) => TokenPlace::Bearer,
                };
                Token { source, place }
            });
        let mut f = |value: &Option<Text>, name: &str| {
            let value = value.as_ref()?;
            Field::parse(value.get_ref())
                .map_err(|e| check.push(Some(value.span()), format!("{key}.{name}"), e.to_string()))
                .ok()
        };
        let mut fields = Fields {
            id: f(&j.id, "id"),
            title: f(&j.title, "title"),
            link: f(&j.link, "link"),
            text: f(&j.text, "text"),
            date: f(&j.date, "date"),
            author: f(&j.author, "author"),
            origin: f(&j.origin, "origin"),
            reach: None,
        };
        let reach = f(&j.reach, "reach");
        let kind = match &j.reach_kind {
            None => ReachKind::Score,
            Some(k) => ReachKind::parse(k.get_ref()).unwrap_or_else(|| {
                let msg = format!("{:?} is not followers, score or views", k.get_ref());
                check.push(Some(k.span()), format!("{key}.reach_kind"), msg);
                ReachKind::Score
            }),
        };
        fields.reach = reach.map(|r| (r, kind));
        if fields.title.is_none() && fields.text.is_none() {
            check.push(
                Some(j.items.span()),
                key.clone(),
                "needs `title` or `text`: the words the brand is looked for in",
            );
        }
        let items = path(check, &j.items, &format!("{key}.items"));
        let paging = paging(check, &key, j);
        let max_pages = match paging {
            Paging::None => 1,
            _ => check.count(
                j.max_pages.as_ref(),
                &format!("{key}.max_pages"),
                DEFAULT_MAX_PAGES,
            ),
        };
        let format = j
            .date_format
            .as_ref()
            .map(|f| f.get_ref().trim().to_string());
        let timezone = check.timezone(
            j.timezone.as_ref(),
            &format!("{key}.timezone"),
            chrono_tz::Tz::UTC,
        );
        if let (Some(url), Some(items)) = (url, items) {
            out.push(JsonSpec {
                id,
                kind: "json",
                urls: vec![url],
                interval,
                headers,
                token,
                items,
                fields,
                dates: DateFormat { format, timezone },
                paging,
                max_pages,
            });
        }
    }
    out
}

fn paging(check: &mut Checker<'_>, key: &str, j: &RawJson) -> Paging {
    let given: Vec<&Text> = [&j.next, &j.page_param, &j.offset_param]
        .into_iter()
        .flatten()
        .collect();
    if given.len() > 1 {
        check.push(
            Some(given[1].span()),
            key.to_string(),
            "set one of next, page_param and offset_param",
        );
    }
    if let Some(next) = &j.next {
        // `last.PATH`: a value of the page's last item.
        let (text, last) = match next.get_ref().trim().strip_prefix("last.") {
            Some(rest) => (rest.to_string(), true),
            None => (next.get_ref().clone(), false),
        };
        let Some(path) = path(check, &Text::new(next.span(), text), &format!("{key}.next")) else {
            return Paging::None;
        };
        let param = j.next_param.as_ref().map(|p| p.get_ref().clone());
        return match (last, param) {
            (true, Some(param)) => Paging::Last { path, param },
            (true, None) => {
                check.push(
                    Some(next.span()),
                    format!("{key}.next"),
                    "`last.` needs next_param, the parameter that takes the value",
                );
                Paging::None
            }
            (false, param) => Paging::Cursor { path, param },
        };
    }
    if let Some(p) = &j.next_param {
        check.push(
            Some(p.span()),
            format!("{key}.next_param"),
            "is set but `next` is not",
        );
    }
    if let Some(param) = &j.page_param {
        let start = j
            .page_start
            .as_ref()
            .map_or(1, |s| (*s.get_ref()).max(0) as u64);
        return Paging::Number {
            param: param.get_ref().clone(),
            start,
        };
    }
    if let Some(param) = &j.offset_param {
        return Paging::Offset {
            param: param.get_ref().clone(),
        };
    }
    if let Some(m) = &j.max_pages {
        check.push(
            Some(m.span()),
            format!("{key}.max_pages"),
            "is set but no next page is (next, page_param or offset_param)",
        );
    }
    Paging::None
}

fn path(check: &mut Checker<'_>, value: &Text, key: &str) -> Option<Path> {
    Path::parse(value.get_ref())
        .map_err(|e| check.push(Some(value.span()), key, e.to_string()))
        .ok()
}

fn http_url(check: &mut Checker<'_>, value: &Text, key: &str) -> Option<Url> {
    match Url::parse(value.get_ref().trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url),
        Ok(_) => {
            check.push(
                Some(value.span()),
                key,
                format!("{:?} is not an http(s) URL", value.get_ref()),
            );
            None
        }
        Err(e) => {
            check.push(
                Some(value.span()),
                key,
                format!("{:?} is not a URL: {e}", value.get_ref()),
            );
            None
        }
    }
}

/// The `[[search]]` tables that are valid, made; each one's weight in
/// `weights`.
pub(super) fn searches(
    check: &mut Checker<'_>,
    raw: &[RawSearch],
    (brands, seen): (&[Brand], &mut Seen),
    weights: &mut HashMap<SourceId, f64>,
) -> Vec<Search> {
    let dir = base_dir(&check.file.path);
    let mut out = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let key = format!("search[{i}]");
        let Some(provider) = Provider::parse(s.provider.get_ref().trim()) else {
            let names: Vec<&str> = Provider::ALL.iter().map(|p| p.name()).collect();
            let msg = format!(
                "{:?} is not a provider ({})",
                s.provider.get_ref(),
                names.join(", ")
            );
            check.push(Some(s.provider.span()), format!("{key}.provider"), msg);
            continue;
        };
        // Every brand's queries, as one query, unless the search has its own.
        let text = match &s.query {
            Some(q) => q.get_ref().clone(),
            None => any_of(brands.iter().flat_map(|b| &b.queries)),
        };
        let query = match Query::parse(&text) {
            Ok(q) => q,
            Err(e) => {
                let span = s.query.as_ref().map(Text::span);
                check.push(span, format!("{key}.query"), format!("{text:?}: {e}"));
                continue;
            }
        };
        let id = match &s.name {
            Some(name) => source_name(check, &key, name, seen),
            None => {
                let named = Text::new(s.provider.span(), format!("{} {text}", provider.name()));
                source_name(check, &key, &named, seen)
            }
        };
        weights.insert(
            id.clone(),
            check.weight(s.weight.as_ref(), &format!("{key}.weight")),
        );
        let interval = check.duration(
            s.interval.as_ref(),
            &format!("{key}.interval"),
            provider.default_interval(),
        );
        let endpoint = s.endpoint.as_ref().and_then(|e| {
            let mut text = e.get_ref().trim().to_string();
            if !text.ends_with('/') {
                text.push('/');
            }
            http_url(
                check,
                &Text::new(e.span(), text),
                &format!("{key}.endpoint"),
            )
        });
        let plain = |v: &Option<Text>| v.as_ref().map(|t| t.get_ref().trim().to_string());
        let spec = SearchSpec {
            id,
            provider,
            query,
            options: SearchOptions {
                language: plain(&s.language),
                country: plain(&s.country),
                subreddit: plain(&s.subreddit),
                hashtag: plain(&s.hashtag),
                channel: plain(&s.channel),
                playlist: plain(&s.playlist),
                endpoint,
                token: secret(check, (&key, "token"), (&s.token_env, &s.token_file), &dir),
            },
            interval,
            max_pages: check.count(
                s.max_pages.as_ref(),
                &format!("{key}.max_pages"),
                DEFAULT_MAX_PAGES,
            ),
        };
        match spec.plan() {
            Ok(search) => out.push(search),
            Err(e) => {
                let span = s.query.as_ref().map_or(s.provider.span(), Text::span);
                check.push(Some(span), key, e.to_string());
            }
        }
    }
    out
}
