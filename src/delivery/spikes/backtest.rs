//! Replaying the detector over past mentions, as the daemon would have
//! run it: every minute of the replayed time, per brand, with its
//! cool-down, from a day after the brand's first mention.

use std::collections::BTreeMap;

use super::{Negatives, SpikeRules, Verdict, DAY};

/// One past mention: its brand, when it was seen, its compound.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The brand.
    pub brand: String,
    /// Unix seconds.
    pub time: i64,
    /// Sentiment compound.
    pub compound: f64,
    /// The story (subject) it belongs to, when known.
    pub story: Option<i64>,
}

/// An alert the detector would have sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Replayed {
    /// The brand.
    pub brand: String,
    /// When (Unix seconds).
    pub time: i64,
    /// What it found.
    pub verdict: Verdict,
}

/// Per brand: alerts, and the days replayed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Alerts sent.
    pub alerts: usize,
    /// Days replayed (from a day after its first mention to its last).
    pub days: f64,
}

impl Summary {
    /// Alerts per 30 days.
    pub fn per_month(&self) -> f64 {
        if self.days <= 0.0 {
            0.0
        } else {
            self.alerts as f64 * 30.0 / self.days
        }
    }
}

/// How often the replay asks the detector, as the daemon's polls would.
const STEP: i64 = 60;

/// Replays `rules` over `events` (any order): the alerts in time order per
/// brand, and a summary per brand.
pub fn replay(rules: &SpikeRules, events: &[Event]) -> (Vec<Replayed>, BTreeMap<String, Summary>) {
    type Brand = (i64, i64, Vec<(i64, Option<i64>)>);
    let mut brands: BTreeMap<&str, Brand> = BTreeMap::new();
    for e in events {
        let entry = brands
            .entry(e.brand.as_str())
            .or_insert((e.time, e.time, Vec::new()));
        entry.0 = entry.0.min(e.time);
        entry.1 = entry.1.max(e.time);
        if e.compound <= rules.negative {
            entry.2.push((e.time, e.story));
        }
    }
    let cooldown = rules.cooldown.as_secs() as i64;
    let mut out = Vec::new();
    let mut summaries = BTreeMap::new();
    for (brand, (first, last, negatives)) in brands {
        let negatives = Negatives::new(negatives, rules.window);
        let start = first + DAY;
        let mut summary = Summary {
            alerts: 0,
            days: ((last - start) as f64 / DAY as f64).max(0.0),
        };
        let mut quiet_until = i64::MIN;
        let mut now = start;
        while now < last + STEP {
            if now >= quiet_until {
                if let Some(verdict) = rules.detect(&negatives, first, now) {
                    out.push(Replayed {
                        brand: brand.to_string(),
                        time: now,
                        verdict,
                    });
                    summary.alerts += 1;
                    quiet_until = now + cooldown;
                }
            }
            now += STEP;
        }
        summaries.insert(brand.to_string(), summary);
    }
    (out, summaries)
}

/// Reads an events file: CSV with the header `time,brand,compound`,
/// `time` in RFC 3339, one row per mention, any order; an optional
/// `story` column names the story (subject, thread) each belongs to.
/// Errors name the line.
pub fn read_events(reader: impl std::io::Read) -> Result<Vec<Event>, String> {
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = csv.headers().map_err(|e| format!("header: {e}"))?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("the header has no '{name}' column (want time,brand,compound)"))
    };
    let (time, brand, compound) = (column("time")?, column("brand")?, column("compound")?);
    let story = headers.iter().position(|h| h == "story");
    let mut out = Vec::new();
    for (i, record) in csv.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("line {line}: {e}"))?;
        let field = |k: usize| record.get(k).unwrap_or("");
        let at = chrono::DateTime::parse_from_rfc3339(field(time))
            .map_err(|e| format!("line {line}: time {:?}: {e} (want RFC 3339)", field(time)))?;
        let value: f64 = field(compound).parse().map_err(|_| {
            format!(
                "line {line}: compound {:?} is not a number",
                field(compound)
            )
        })?;
        if field(brand).is_empty() {
            return Err(format!("line {line}: no brand"));
        }
        out.push(Event {
            brand: field(brand).to_string(),
            time: at.timestamp(),
            compound: value,
            story: story
                .map(field)
                .filter(|s| !s.is_empty())
                .map(|s| xxhash_rust::xxh3::xxh3_64(s.as_bytes()) as i64),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(brand: &str, time: i64, compound: f64) -> Event {
        Event {
            brand: brand.to_string(),
            time,
            compound,
            story: None,
        }
    }

    #[test]
    fn a_replay_finds_the_burst_once_and_only_in_its_brand() {
        let rules = SpikeRules::default();
        let mut events = Vec::new();
        // Two brands over ten days: a negative every 3 hours each, and a
        // positive every hour.
        for h in 0..240 {
            events.push(event("calm", h * 3600, 0.6));
            if h % 3 == 0 {
                events.push(event("calm", h * 3600 + 60, -0.7));
                events.push(event("loud", h * 3600 + 120, -0.7));
            }
        }
        // Twelve negatives within half an hour on day 8 for one of them.
        for i in 0..12 {
            events.push(event("loud", 8 * DAY + 15 * 3600 + i * 150, -0.8));
        }
        let (alerts, summary) = replay(&rules, &events);
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(alerts[0].brand, "loud");
        let t = alerts[0].time - (8 * DAY + 15 * 3600);
        assert!((0..3600).contains(&t), "{t}");
        assert_eq!(summary["calm"].alerts, 0);
        assert!(
            (summary["loud"].days - 8.9).abs() < 0.1,
            "{:?}",
            summary["loud"]
        );
    }

    #[test]
    fn many_separate_stories_are_a_spike_where_one_story_told_many_times_is_not() {
        let rules = SpikeRules::default();
        let mut events = Vec::new();
        // Ten days of threads: every two hours, one story of six negatives
        // within twenty minutes.
        for h in (0..240).step_by(2) {
            for k in 0..6 {
                events.push(Event {
                    story: Some(h),
                    ..event("thready", h * 3600 + k * 200, -0.7)
                });
            }
        }
        let (alerts, _) = replay(&rules, &events);
        assert!(alerts.is_empty(), "its threads are its usual: {alerts:?}");
        // Then seven separate complaints within half an hour, on day 9.
        let at = 9 * DAY + 11 * 3600;
        for k in 0..7 {
            events.push(Event {
                story: Some(10_000 + k),
                ..event("thready", at + k * 240, -0.8)
            });
        }
        let (alerts, _) = replay(&rules, &events);
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert!(alerts[0].verdict.stories, "{alerts:?}");
        assert!((0..3600).contains(&(alerts[0].time - at)), "{alerts:?}");
    }

    #[test]
    fn events_files_are_read_in_any_column_order_and_errors_name_the_line() {
        let text = "brand,compound,time\nacme,-0.6,2026-11-02T10:00:00Z\n\"Acme, Inc\",0.1,2026-11-02T09:00:00-03:00\n";
        let events = read_events(text.as_bytes()).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].brand, "Acme, Inc");
        assert_eq!(events[1].time - events[0].time, 2 * 3600);
        assert_eq!(events[0].story, None);
        let text = "time,brand,compound,story\n2026-11-02T10:00:00Z,acme,-0.6,t1\n2026-11-02T10:05:00Z,acme,-0.6,t1\n2026-11-02T10:06:00Z,acme,-0.6,\n";
        let events = read_events(text.as_bytes()).unwrap();
        assert!(events[0].story.is_some() && events[0].story == events[1].story);
        assert_eq!(events[2].story, None, "an empty story is none");
        let bad = "time,brand,compound\n2026-11-02T10:00:00Z,acme,x\n";
        let error = read_events(bad.as_bytes()).unwrap_err();
        assert!(
            error.contains("line 2") && error.contains("compound"),
            "{error}"
        );
        let error = read_events("when,brand,compound\n".as_bytes()).unwrap_err();
        assert!(error.contains("'time'"), "{error}");
    }
}
