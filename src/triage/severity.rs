//! How serious a mention is: info, notable, urgent or critical.
//!
//! Points add up from what the mention says and where: 1 for a negative
//! score, 2 for a very negative one, 2 for an alarm term (lawsuit, recall,
//! golpe, procon, ...), 1 when its subject has come back often enough to
//! act on; the sum is multiplied by the source's weight (a national
//! newspaper 2, a noisy forum 0.5). The levels start at configurable
//! point totals (by default notable 1, urgent 3, critical 4): a very
//! negative mention about a recall is critical, a negative one urgent, a
//! mildly negative tweet notable, a neutral mention info.

use serde::{Deserialize, Serialize};

/// A mention's severity, in increasing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Nothing to do.
    Info,
    /// Worth reading in the digest.
    Notable,
    /// Goes out at once.
    Urgent,
    /// Goes out at once; someone should act today.
    Critical,
}

impl Severity {
    /// Every level, lowest first.
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Notable,
        Severity::Urgent,
        Severity::Critical,
    ];

    /// The stored and displayed name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Notable => "notable",
            Severity::Urgent => "urgent",
            Severity::Critical => "critical",
        }
    }

    /// The level with this name.
    pub fn parse(name: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Urgent and critical mentions are sent at once, not in the digest.
    pub fn is_immediate(self) -> bool {
        self >= Severity::Urgent
    }
}

/// Where the points and the levels start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeverityRules {
    /// Compound at or below this is 1 point.
    pub negative: f64,
    /// Compound at or below this is 2 points.
    pub very_negative: f64,
    /// Points from which a mention is notable.
    pub notable: f64,
    /// Points from which it is urgent.
    pub urgent: f64,
    /// Points from which it is critical.
    pub critical: f64,
}

impl Default for SeverityRules {
    fn default() -> Self {
        SeverityRules {
            negative: -0.4,
            very_negative: -0.75,
            notable: 1.0,
            urgent: 3.0,
            critical: 4.0,
        }
    }
}

/// What severity is judged from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Signals {
    /// Compound sentiment score.
    pub compound: f64,
    /// Whether an alarm term occurs.
    pub alarm: bool,
    /// The source's weight (1 by default).
    pub weight: f64,
    /// Whether its subject has recurred enough to act on.
    pub recurring: bool,
}

/// Why a mention got its severity: each signal's points, kept with the
/// mention and said in the reader's language.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reasons {
    /// All points, after the source's weight.
    pub points: f64,
    /// The compound, and the points it gave.
    pub sentiment: (f64, f64),
    /// The alarm terms found, and the points they gave.
    pub alarms: (Vec<String>, f64),
    /// Mentions of its subject in the window, and the points that gave.
    pub subject: (u32, f64),
    /// The source's weight.
    pub weight: f64,
}

impl Reasons {
    /// The reasons stored with a mention (None when missing or unreadable:
    /// a mention triaged before they were kept).
    pub fn parse(json: Option<&str>) -> Option<Reasons> {
        serde_json::from_str(json?).ok()
    }
}

impl SeverityRules {
    /// The points each signal gives: (sentiment, alarm, recurring).
    fn points(&self, s: &Signals) -> (f64, f64, f64) {
        let sentiment = if s.compound <= self.very_negative {
            2.0
        } else if s.compound <= self.negative {
            1.0
        } else {
            0.0
        };
        let alarm = if s.alarm { 2.0 } else { 0.0 };
        let recurring = if s.recurring { 1.0 } else { 0.0 };
        (sentiment, alarm, recurring)
    }

    /// Why `s` (with these alarm terms and subject count) scores as it does.
    pub fn reasons(&self, s: &Signals, alarms: &[String], subject_count: u32) -> Reasons {
        let (sentiment, alarm, recurring) = self.points(s);
        Reasons {
            points: self.judge(s).0,
            sentiment: (s.compound, sentiment),
            alarms: (alarms.to_vec(), alarm),
            subject: (subject_count, recurring),
            weight: s.weight,
        }
    }

    /// The points and the level for these signals.
    pub fn judge(&self, s: &Signals) -> (f64, Severity) {
        let (sentiment, alarm, recurring) = self.points(s);
        let points = (sentiment + alarm + recurring) * s.weight;
        let level = if points >= self.critical {
            Severity::Critical
        } else if points >= self.urgent {
            Severity::Urgent
        } else if points >= self.notable {
            Severity::Notable
        } else {
            Severity::Info
        };
        (points, level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(compound: f64, alarm: bool, weight: f64, recurring: bool) -> Severity {
        let signals = Signals {
            compound,
            alarm,
            weight,
            recurring,
        };
        SeverityRules::default().judge(&signals).1
    }

    #[test]
    fn each_input_moves_the_level() {
        use Severity::*;
        // Sentiment alone.
        assert_eq!(level(0.6, false, 1.0, false), Info);
        assert_eq!(level(-0.3, false, 1.0, false), Info, "mildly negative");
        assert_eq!(level(-0.5, false, 1.0, false), Notable);
        assert_eq!(level(-0.9, false, 1.0, false), Notable, "2 points");
        // Alarm terms.
        assert_eq!(level(0.2, true, 1.0, false), Notable, "alarm alone");
        assert_eq!(level(-0.5, true, 1.0, false), Urgent, "alarm and negative");
        assert_eq!(level(-0.9, true, 1.0, false), Critical);
        // The source's weight.
        assert_eq!(level(-0.9, false, 2.0, false), Critical, "a major paper");
        assert_eq!(level(-0.9, true, 0.5, false), Notable, "a noisy forum");
        assert_eq!(level(-0.9, true, 0.0, false), Info, "a muted source");
        // Recurrence.
        assert_eq!(level(-0.9, false, 1.0, true), Urgent, "a subject to act on");
        assert_eq!(level(0.0, false, 1.0, true), Notable);
        assert!(Critical.is_immediate() && Urgent.is_immediate() && !Notable.is_immediate());
        assert_eq!(Severity::parse("urgent"), Some(Urgent));
    }
}
