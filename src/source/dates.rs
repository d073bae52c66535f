//! Dates as sources write them: ISO 8601, RFC 2822, a `strftime` format
//! (Portuguese month names too), Unix times, and "3 hours ago".

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// How a source writes its dates.
#[derive(Debug, Clone, PartialEq)]
pub struct DateFormat {
    /// A `strftime` format (`%d/%m/%Y %H:%M`); `None` reads ISO 8601 and
    /// RFC 2822. Portuguese month names work with `%B` and `%b`.
    pub format: Option<String>,
    /// Zone of dates that carry none.
    pub timezone: Tz,
}

impl Default for DateFormat {
    fn default() -> Self {
        DateFormat {
            format: None,
            timezone: Tz::UTC,
        }
    }
}

/// Portuguese month names, which chrono's `%B` and `%b` do not read, as
/// the English ones it does.
const MONTHS: [(&str, &str); 24] = [
    ("janeiro", "January"),
    ("fevereiro", "February"),
    ("março", "March"),
    ("marco", "March"),
    ("abril", "April"),
    ("maio", "May"),
    ("junho", "June"),
    ("julho", "July"),
    ("agosto", "August"),
    ("setembro", "September"),
    ("outubro", "October"),
    ("novembro", "November"),
    ("dezembro", "December"),
    ("fev", "Feb"),
    ("abr", "Apr"),
    ("mai", "May"),
    ("ago", "Aug"),
    ("set", "Sep"),
    ("out", "Oct"),
    ("dez", "Dec"),
    ("jan", "Jan"),
    ("mar", "Mar"),
    ("jun", "Jun"),
    ("jul", "Jul"),
];

fn english_months(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    // Whether the last word was a month, whose abbreviation dot goes.
    let mut month = false;
    let flush = |word: &mut String, out: &mut String| {
        let lower = word.to_lowercase();
        let found = MONTHS.iter().find(|(pt, _)| *pt == lower);
        out.push_str(found.map_or(word.as_str(), |(_, en)| en));
        word.clear();
        found.is_some()
    };
    for c in text.chars() {
        if c.is_alphabetic() {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            month = flush(&mut word, &mut out);
        }
        if !(c == '.' && month) {
            out.push(c);
        }
        month = false;
    }
    flush(&mut word, &mut out);
    out
}

/// A date as a page writes it: with `format`, by it; otherwise ISO 8601
/// (with or without a zone) or RFC 2822. Times without a zone are in
/// `dates.timezone`; dates without a time are at midnight there.
pub fn parse_date(text: &str, dates: &DateFormat) -> Option<DateTime<Utc>> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let local = |naive: NaiveDateTime| {
        dates
            .timezone
            .from_local_datetime(&naive)
            .earliest()
            .map(|d| d.with_timezone(&Utc))
    };
    let Some(format) = &dates.format else {
        if let Ok(d) = DateTime::parse_from_rfc3339(&text) {
            return Some(d.with_timezone(&Utc));
        }
        if let Ok(d) = DateTime::parse_from_rfc2822(&text) {
            return Some(d.with_timezone(&Utc));
        }
        for f in [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(&text, f) {
                return local(naive);
            }
        }
        return NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()
            .and_then(|d| local(d.and_hms_opt(0, 0, 0)?));
    };
    let text = if ["%b", "%B", "%h"].iter().any(|m| format.contains(m)) {
        english_months(&text)
    } else {
        text
    };
    if let Ok(d) = DateTime::parse_from_str(&text, format) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(&text, format) {
        return local(naive);
    }
    NaiveDate::parse_from_str(&text, format)
        .ok()
        .and_then(|d| local(d.and_hms_opt(0, 0, 0)?))
}

/// A relative date, as search pages and APIs write them: "3 hours ago",
/// "há 2 dias", "yesterday", "ontem", "just now", "agora".
pub fn relative(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let lower = text.trim().to_lowercase();
    match lower.as_str() {
        "now" | "just now" | "agora" | "agora mesmo" => return Some(now),
        "yesterday" | "ontem" => return Some(now - Duration::days(1)),
        _ => {}
    }
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty() && !matches!(*w, "ago" | "há" | "ha" | "atrás" | "atras"))
        .collect();
    let (count, unit) = match words.as_slice() {
        [count, unit] => (*count, *unit),
        // "2h", "5 min" written together.
        [joined] => {
            let split = joined.find(|c: char| !c.is_ascii_digit())?;
            joined.split_at(split)
        }
        _ => return None,
    };
    let count: i64 = match count {
        "a" | "an" | "um" | "uma" => 1,
        n => n.parse().ok()?,
    };
    let unit = unit.trim_end_matches('.');
    let seconds = match unit {
        "s" | "sec" | "secs" | "second" | "seconds" | "segundo" | "segundos" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" | "minuto" | "minutos" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" | "hora" | "horas" => 3600,
        "d" | "day" | "days" | "dia" | "dias" => 86_400,
        "w" | "week" | "weeks" | "semana" | "semanas" => 7 * 86_400,
        _ => return None,
    };
    Some(now - Duration::seconds(count.checked_mul(seconds)?))
}

/// A date in a JSON document: a string as [`parse_date`] or [`relative`]
/// read it, or a Unix time in seconds (or milliseconds, when it is too
/// large to be seconds).
pub fn from_json(
    value: &serde_json::Value,
    dates: &DateFormat,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match value {
        serde_json::Value::Number(n) => unix(n.as_f64()?),
        serde_json::Value::String(s) => parse_date(s, dates)
            .or_else(|| relative(s, now))
            .or_else(|| unix(s.trim().parse().ok()?)),
        _ => None,
    }
}

fn unix(seconds: f64) -> Option<DateTime<Utc>> {
    // 10^11 seconds is the year 5138: a larger number is milliseconds.
    let seconds = if seconds.abs() >= 1e11 {
        seconds / 1000.0
    } else {
        seconds
    };
    DateTime::from_timestamp(seconds as i64, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_dates_count_back_from_now() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let back = |s: i64| Some(now - Duration::seconds(s));
        assert_eq!(relative("3 hours ago", now), back(3 * 3600));
        assert_eq!(relative("há 2 dias", now), back(2 * 86_400));
        assert_eq!(relative("5m", now), back(300));
        assert_eq!(relative("an hour ago", now), back(3600));
        assert_eq!(relative("ontem", now), back(86_400));
        assert_eq!(relative("a while ago", now), None);
        assert_eq!(relative("3 fortnights ago", now), None);
    }

    #[test]
    fn json_dates_are_strings_or_unix_times() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let d = DateFormat::default();
        let at = DateTime::from_timestamp(1_764_547_200, 0);
        let read = |v: serde_json::Value| from_json(&v, &d, now);
        assert_eq!(read(serde_json::json!(1_764_547_200)), at);
        assert_eq!(read(serde_json::json!(1_764_547_200.0)), at);
        assert_eq!(read(serde_json::json!(1_764_547_200_000_i64)), at);
        assert_eq!(read(serde_json::json!("2025-12-01T00:00:00.000Z")), at);
        assert_eq!(read(serde_json::json!("1764547200")), at);
        assert_eq!(read(serde_json::json!(null)), None);
    }
}
