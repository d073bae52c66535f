//! Validation of `[[page]]`: web pages read with CSS selectors.

use crate::source::dates::DateFormat;
use std::time::Duration;

use super::base_dir;
use super::check::{headers, resolve_url, Checker};
use super::check::{source_name, Seen};
use super::raw::{RawPage, Text};
use crate::source::web::{ListRules, PageSpec, Reading, Selection, DEFAULT_MAX_PAGES};

pub(super) fn pages(
    check: &mut Checker<'_>,
    raw: &[RawPage],
    default_interval: Duration,
    seen: &mut Seen,
) -> Vec<PageSpec> {
    let dir = base_dir(&check.file.path);
    let mut out = Vec::new();
    for (i, p) in raw.iter().enumerate() {
        let key = format!("page[{i}]");
        let id = source_name(check, &key, &p.name, seen);
        let url = match resolve_url(p.url.get_ref(), &dir) {
            Ok(url) => Some(url),
            Err(why) => {
                let msg = format!("{:?} {why}", p.url.get_ref());
                check.push(Some(p.url.span()), format!("{key}.url"), msg);
                None
            }
        };
        let interval = check.duration(
            p.interval.as_ref(),
            &format!("{key}.interval"),
            default_interval,
        );
        let headers = headers(check, &key, &p.headers);
        let exclude = p
            .exclude
            .iter()
            .enumerate()
            .filter_map(|(j, e)| selection(check, Some(e), &format!("{key}.exclude[{j}]")))
            .collect();
        let reading = match &p.item {
            Some(_) => list(check, &key, p),
            None => whole(check, &key, p),
        };
        if let (Some(url), Some(reading)) = (url, reading) {
            out.push(PageSpec {
                id,
                url,
                interval,
                headers,
                reading,
                exclude,
            });
        }
    }
    out
}

fn list(check: &mut Checker<'_>, key: &str, p: &RawPage) -> Option<Reading> {
    if let Some(select) = &p.select {
        check.push(
            Some(select.span()),
            format!("{key}.select"),
            "is for watching a whole page; a list page picks its items with `item`",
        );
    }
    let mut field = |value: &Option<Text>, name: &str| {
        selection(check, value.as_ref(), &format!("{key}.{name}"))
    };
    let item = field(&p.item, "item");
    let title = field(&p.title, "title");
    let link = field(&p.link, "link");
    let text = field(&p.text, "text");
    let date = field(&p.date, "date");
    let next = field(&p.next, "next");
    let format = p.date_format.as_ref().and_then(|f| {
        let format = f.get_ref().trim();
        if format.contains('%') {
            Some(format.to_string())
        } else {
            let msg = format!("{format:?} has no %-field (expected e.g. \"%d/%m/%Y %H:%M\")");
            check.push(Some(f.span()), format!("{key}.date_format"), msg);
            None
        }
    });
    if p.date.is_none() {
        for (value, name) in [(&p.date_format, "date_format"), (&p.timezone, "timezone")] {
            if let Some(v) = value {
                check.push(
                    Some(v.span()),
                    format!("{key}.{name}"),
                    "is set but `date` is not",
                );
            }
        }
    }
    let timezone = check.timezone(
        p.timezone.as_ref(),
        &format!("{key}.timezone"),
        chrono_tz::Tz::UTC,
    );
    let max_pages = match (&p.max_pages, &next) {
        (Some(n), None) => {
            check.push(
                Some(n.span()),
                format!("{key}.max_pages"),
                "is set but `next` is not",
            );
            1
        }
        (n, Some(_)) => check.count(n.as_ref(), &format!("{key}.max_pages"), DEFAULT_MAX_PAGES),
        (None, None) => 1,
    };
    Some(Reading::List(Box::new(ListRules {
        item: item?,
        title,
        link,
        text,
        date,
        dates: DateFormat { format, timezone },
        next,
        max_pages,
    })))
}

fn whole(check: &mut Checker<'_>, key: &str, p: &RawPage) -> Option<Reading> {
    let list_only = [
        (&p.title, "title"),
        (&p.link, "link"),
        (&p.text, "text"),
        (&p.date, "date"),
        (&p.date_format, "date_format"),
        (&p.timezone, "timezone"),
        (&p.next, "next"),
    ];
    for (value, name) in list_only {
        if let Some(v) = value {
            let msg = "only applies to a list page: add `item` (the selector of each item)";
            check.push(Some(v.span()), format!("{key}.{name}"), msg);
        }
    }
    if let Some(n) = &p.max_pages {
        let msg = "only applies to a list page: add `item` and `next`";
        check.push(Some(n.span()), format!("{key}.max_pages"), msg);
    }
    let select = selection(check, p.select.as_ref(), &format!("{key}.select"));
    match (&p.select, select) {
        (Some(_), None) => None,
        (_, select) => Some(Reading::Whole { select }),
    }
}

fn selection(check: &mut Checker<'_>, value: Option<&Text>, key: &str) -> Option<Selection> {
    let value = value?;
    Selection::parse(value.get_ref())
        .map_err(|e| check.push(Some(value.span()), key, e.to_string()))
        .ok()
}
