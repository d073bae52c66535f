//! Replaying the detector over past mentions, as the daemon would have
//! run it: every minute of the replayed time, per brand, with its
//! cool-down, from a day after the brand's first mention.

use std::collections::BTreeMap;

use super::{Series, SpikeRules, Verdict, DAY};

/// One past mention: its brand, when it was seen, its compound.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The brand.
    pub brand: String,
    /// Unix seconds.
    pub time: i64,
    /// Sentiment compound.
    pub compound: f64,
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
    let mut brands: BTreeMap<&str, (i64, i64, Vec<i64>)> = BTreeMap::new();
    for e in events {
        let entry = brands
            .entry(e.brand.as_str())
            .or_insert((e.time, e.time, Vec::new()));
        entry.0 = entry.0.min(e.time);
        entry.1 = entry.1.max(e.time);
        if e.compound <= rules.negative {
            entry.2.push(e.time);
        }
    }
    let cooldown = rules.cooldown.as_secs() as i64;
    let mut out = Vec::new();
    let mut summaries = BTreeMap::new();
    for (brand, (first, last, mut times)) in brands {
        times.sort_unstable();
        let series = Series {
            times: &times,
            since: first,
        };
        let start = first + DAY;
        let mut summary = Summary {
            alerts: 0,
            days: ((last - start) as f64 / DAY as f64).max(0.0),
        };
        let mut quiet_until = i64::MIN;
        let mut now = start;
        while now < last + STEP {
            if now >= quiet_until {
                if let Some(verdict) = rules.spike(&series, now) {
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
/// `time` in RFC 3339, one row per mention, any order. Errors name the
/// line.
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
    fn events_files_are_read_in_any_column_order_and_errors_name_the_line() {
        let text = "brand,compound,time\nacme,-0.6,2026-11-02T10:00:00Z\n\"Acme, Inc\",0.1,2026-11-02T09:00:00-03:00\n";
        let events = read_events(text.as_bytes()).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].brand, "Acme, Inc");
        assert_eq!(events[1].time - events[0].time, 2 * 3600);
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
