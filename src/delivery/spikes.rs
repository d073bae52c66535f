//! Negative spikes: more negative mentions of a brand than its own past
//! makes believable, in the last window (a burst) or over the last few
//! windows (a slow build-up).
//!
//! The count of negative mentions (compound ≤ `negative`) in the last
//! `window` is compared with the brand's baseline: the same window of the
//! clock, and its `neighbours` either side, on each of the previous
//! `baseline_days` days (21 windows by default). The same hours of earlier
//! days, rather than all of last week, because mention traffic follows the
//! day: a busy afternoon should not look like a spike next to a quiet
//! night.
//!
//! Real negatives are not independent: one event brings several together
//! (a complaint thread and its replies, a story and the posts quoting it,
//! customers hit by the same outage), so window counts vary more than a
//! Poisson count would. Each brand's burstiness is measured: the
//! dispersion φ (variance over mean) of its window counts over the
//! baseline days, each window against the mean of its clock window
//! (Pearson's statistic per degree of freedom). Counts are then modelled as
//! clusters arriving at random with geometric sizes of mean (φ + 1) / 2
//! (the Pólya–Aeppli distribution; φ = 1 is Poisson), and the p-value is
//! its tail P(X ≥ count) at the baseline's mean, the current window pooled
//! in so that a brand with no negatives in its baseline is not infinitely
//! surprised. A brand whose complaints come in threes needs a far larger
//! count to alarm than one whose complaints come one by one. Poisson tests
//! (this one's former self) fired 12 to 18 false alerts a month on
//! clustered traffic.
//!
//! A spike is a count of at least `min_count` with a p-value below
//! `p_value`; or, for a slow build-up, the last `sustained` windows
//! together holding at least `sustained_ratio` times their usual count
//! (the same span of each baseline day, and the spans `neighbours`
//! windows either side) with a p-value below
//! `sustained_p`. The same tests run on stories ([`Negatives`]): many
//! separate complaints at once are a spike even at a brand whose usual
//! clusters make their count unremarkable. A baseline span, or a window
//! the dispersion is measured on, that was itself a spike against the
//! others is left out: a crisis last week does not raise this week's bar.
//! Under a day of history there is no baseline. After an
//! alert the brand is quiet for `cooldown`, so one spike is one alert. The
//! defaults were chosen on simulated months (see the tests) and are
//! checked on others.

use std::time::Duration;

pub mod backtest;
mod stats;

pub use stats::clustered_tail;

const DAY: i64 = 86_400;

/// Hours a spike alert draws, most recent last, whatever the window.
pub const RECENT: usize = 48;

const HOUR: i64 = 3_600;

/// Tail probability below which a baseline span is a past spike rather
/// than the usual, at the brand's dispersion.
const PAST_SPIKE: f64 = 1e-3;

/// The same for a window while the dispersion is measured, where the
/// tail is Poisson's: far stricter, so that a brand's own clusters stay
/// in and only a crisis is left out.
const PAST_SPIKE_POISSON: f64 = 1e-5;

/// Leaves out of `counts` each that is a spike against the mean of the
/// others (tail below `below` at `dispersion`): last week's crisis is not
/// the usual, and should not raise this week's bar.
fn drop_past_spikes(counts: &mut Vec<u32>, dispersion: f64, below: f64) {
    if counts.len() < 2 {
        return;
    }
    let all: u32 = counts.iter().sum();
    let others = (counts.len() - 1) as f64;
    counts.retain(|&c| {
        let mean = f64::from(all - c) / others;
        f64::from(c) <= mean || clustered_tail(mean, dispersion, c) >= below
    });
}

/// One recent hour of a brand's negatives against its usual count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recent {
    /// Its end (Unix seconds).
    pub end: i64,
    /// Negatives in it.
    pub count: u32,
    /// The mean of its baseline windows (0 without any).
    pub usual: f64,
}

/// The detector's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeRules {
    /// Compound at or below this counts as negative.
    pub negative: f64,
    /// The sliding window.
    pub window: Duration,
    /// Earlier days whose same window sets the baseline.
    pub baseline_days: u32,
    /// Windows either side of it on those days that count too (a smoother
    /// baseline that still follows the time of day).
    pub neighbours: u32,
    /// Fewest negative mentions in the window that can be a spike.
    pub min_count: u32,
    /// Largest tail probability that is a spike.
    pub p_value: f64,
    /// Windows in a row that make a slow build-up.
    pub sustained: u32,
    /// How many times its usual count a build-up holds.
    pub sustained_ratio: f64,
    /// Largest tail probability of a build-up.
    pub sustained_p: f64,
    /// Quiet time after an alert.
    pub cooldown: Duration,
}

impl Default for SpikeRules {
    /// Chosen on simulated months (see the tests).
    fn default() -> Self {
        SpikeRules {
            negative: -0.5,
            window: Duration::from_secs(3600),
            baseline_days: 7,
            neighbours: 1,
            min_count: 5,
            p_value: 1e-4,
            sustained: 3,
            sustained_ratio: 3.0,
            sustained_p: 1e-4,
            cooldown: Duration::from_secs(6 * 3600),
        }
    }
}

/// Which rule found a spike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Many in the last window.
    Burst,
    /// Several windows in a row well above the usual.
    Sustained,
}

/// A spike the detector found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// Negative mentions in the span (the window, or the `sustained`
    /// windows of a build-up).
    pub count: u32,
    /// Expected in that span, from the baseline.
    pub expected: f64,
    /// The tail probability of `count` under the baseline.
    pub p: f64,
    /// The brand's dispersion (1: negatives arrive one by one).
    pub dispersion: f64,
    /// How long the span judged is.
    pub span: Duration,
    /// The rule that found it.
    pub kind: Kind,
    /// Whether it counted stories (a story's first negative in a window)
    /// rather than mentions.
    pub stories: bool,
}

/// One brand's negative mentions: their times (Unix seconds, sorted) and
/// the time of the brand's first mention (before it there is no history,
/// not a quiet one).
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    /// Times of the negative mentions, sorted.
    pub times: &'a [i64],
    /// The brand's first mention.
    pub since: i64,
}

impl Series<'_> {
    /// Negatives in (`from`, `to`].
    fn count(&self, from: i64, to: i64) -> u32 {
        let upto = |t: i64| self.times.partition_point(|&x| x <= t);
        upto(to).saturating_sub(upto(from)) as u32
    }
}

/// A brand's negative mentions as the detector reads them: their times,
/// and the times of those that begin a story, sorted.
///
/// A story (a subject) that brings several negatives together (a thread
/// and its replies, several customers hit by one outage) is one onset per
/// window: its first negative after a window without one. Counting onsets
/// as well as mentions tells many separate complaints at once (a spike)
/// from one story told many times (which the mention count judges, at the
/// brand's burstiness).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Negatives {
    /// Every negative mention.
    pub times: Vec<i64>,
    /// The negatives that begin a story.
    pub onsets: Vec<i64>,
}

impl Negatives {
    /// From (time, story) pairs in any order; a mention in no story is a
    /// story of its own.
    pub fn new(mut events: Vec<(i64, Option<i64>)>, window: Duration) -> Negatives {
        events.sort_unstable();
        let w = window.as_secs() as i64;
        let mut last: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
        let mut onsets = Vec::new();
        for &(time, story) in &events {
            let onset =
                story.is_none_or(|s| last.insert(s, time).is_none_or(|before| time - before > w));
            if onset {
                onsets.push(time);
            }
        }
        Negatives {
            times: events.into_iter().map(|(t, _)| t).collect(),
            onsets,
        }
    }
}

impl SpikeRules {
    /// Judges a brand's negatives at `now`, `since` its first mention:
    /// its mentions, then, when stories group them, its story onsets the
    /// same way.
    pub fn detect(&self, negatives: &Negatives, since: i64, now: i64) -> Option<Verdict> {
        let mentions = Series {
            times: &negatives.times,
            since,
        };
        if negatives.onsets.len() == negatives.times.len() {
            // Every negative its own story: one series, one answer.
            return self.spike(&mentions, now, 1.0);
        }
        let stories = Series {
            times: &negatives.onsets,
            since,
        };
        // How many negatives a story brings, over the baseline days: a
        // floor under the mentions' dispersion (geometric clusters of mean
        // m have a dispersion of 2m - 1), steadier than the window counts
        // of a quiet brand.
        let from = (now - i64::from(self.baseline_days) * DAY).max(since);
        let per_story = f64::from(mentions.count(from, now - self.window_secs()))
            / f64::from(stories.count(from, now - self.window_secs()).max(1));
        if let Some(verdict) = self.spike(&mentions, now, 2.0 * per_story - 1.0) {
            return Some(verdict);
        }
        self.spike(&stories, now, 1.0)
            .map(|v| Verdict { stories: true, ..v })
    }

    fn window_secs(&self) -> i64 {
        (self.window.as_secs() as i64).max(60)
    }

    /// How far before `now` [`SpikeRules::detect`] and [`SpikeRules::recent`] read.
    pub fn lookback(&self) -> i64 {
        let w = self.window_secs();
        i64::from(self.baseline_days) * DAY
            + (i64::from(self.neighbours) + i64::from(self.sustained) + 1) * w
            + RECENT as i64 * HOUR
    }

    /// The baseline of the `len` seconds ending at `end`: negatives in
    /// the same span of earlier days, and in the spans `neighbours`
    /// windows either side, one count per span. A span that was itself a
    /// spike against the others is left out ([`drop_past_spikes`]). The
    /// total kept and how many spans it holds.
    fn baseline(&self, series: &Series<'_>, end: i64, len: i64, dispersion: f64) -> (u32, u32) {
        let w = self.window_secs();
        let n = i64::from(self.neighbours);
        let mut counts = Vec::new();
        for d in 1..=i64::from(self.baseline_days) {
            for k in -n..=n {
                let e = end - d * DAY + k * w;
                if e - len >= series.since {
                    counts.push(series.count(e - len, e));
                }
            }
        }
        drop_past_spikes(&mut counts, dispersion, PAST_SPIKE);
        (counts.iter().sum(), counts.len() as u32)
    }

    /// The brand's dispersion: Pearson's statistic of its window counts
    /// over the baseline days (the windows before the current `sustained`
    /// ones, each against the mean of its clock window over those days)
    /// per degree of freedom, a window of an earlier day far beyond its
    /// clock window's others (a past crisis) left out; 1 when negatives
    /// arrive one by one, and while there are too few windows to tell.
    pub fn dispersion(&self, series: &Series<'_>, now: i64) -> f64 {
        let w = self.window_secs();
        let slots = (DAY / w).max(1) as usize;
        let days = self.baseline_days as usize;
        // counts[slot] holds that clock window's counts, one per day; the
        // windows a build-up is judged on are not its own baseline.
        let skip = i64::from(self.sustained.max(1));
        let mut counts: Vec<Vec<u32>> = vec![Vec::with_capacity(days); slots];
        for j in 0..(slots * days) as i64 {
            let end = now - w * (j + skip);
            if end - w < series.since {
                break;
            }
            counts[j as usize % slots].push(series.count(end - w, end));
        }
        let (mut statistic, mut df) = (0.0, 0i64);
        for slot in &mut counts {
            // The last day's window stays: a crisis still going on is the
            // brand's present, and once alerted is not alerted again
            // when the cool-down ends.
            let mut earlier = slot.split_off(slot.len().min(1));
            drop_past_spikes(&mut earlier, 1.0, PAST_SPIKE_POISSON);
            slot.append(&mut earlier);
            if slot.len() < 2 {
                continue;
            }
            let mean = f64::from(slot.iter().sum::<u32>()) / slot.len() as f64;
            if mean > 0.0 {
                statistic += slot
                    .iter()
                    .map(|&x| (f64::from(x) - mean).powi(2) / mean)
                    .sum::<f64>();
                df += slot.len() as i64 - 1;
            }
        }
        if df < 24 {
            return 1.0;
        }
        (statistic / df as f64).max(1.0)
    }

    /// The [`RECENT`] hours before `now`, oldest first, each with its usual
    /// count (the mean of the same hour on the baseline days the brand was
    /// watched): what a spike alert draws.
    pub fn recent(&self, series: &Series<'_>, now: i64) -> Vec<Recent> {
        (0..RECENT as i64)
            .rev()
            .map(|j| {
                let end = now - j * HOUR;
                let earlier: Vec<u32> = (1..=i64::from(self.baseline_days))
                    .map(|d| end - d * DAY)
                    .filter(|e| e - HOUR >= series.since)
                    .map(|e| series.count(e - HOUR, e))
                    .collect();
                Recent {
                    end,
                    count: series.count(end - HOUR, end),
                    usual: if earlier.is_empty() {
                        0.0
                    } else {
                        f64::from(earlier.iter().sum::<u32>()) / earlier.len() as f64
                    },
                }
            })
            .collect()
    }

    /// Judges a series at `now`: the last window against its baseline,
    /// then the last `sustained` windows against theirs, at the series'
    /// dispersion (`floor` at least). The spike found, if any.
    fn spike(&self, series: &Series<'_>, now: i64, floor: f64) -> Option<Verdict> {
        let w = self.window_secs();
        let span = i64::from(self.sustained.max(1)) * w;
        // Fewer than `min_count` in the window and in the build-up span:
        // nothing to judge (most calls, at most brands).
        let count = series.count(now - w, now);
        let total = series.count(now - span, now);
        if count < self.min_count && (self.sustained < 2 || total < self.min_count) {
            return None;
        }
        let dispersion = self.dispersion(series, now).max(floor);
        // The usual count: the baseline's mean, the current count pooled
        // in, so that a brand with no negatives at all in its baseline is
        // not infinitely surprised.
        let test = |count: u32, baseline: u32, windows: u32| {
            let mean = f64::from(count + baseline) / f64::from(windows + 1);
            clustered_tail(mean, dispersion, count)
        };
        let (baseline, windows) = self.baseline(series, now, w, dispersion);
        if windows == 0 {
            return None;
        }
        let p = test(count, baseline, windows);
        if count >= self.min_count && p < self.p_value {
            return Some(Verdict {
                count,
                expected: f64::from(baseline) / f64::from(windows),
                p,
                dispersion,
                span: self.window,
                kind: Kind::Burst,
                stories: false,
            });
        }
        if self.sustained < 2 || total < self.min_count {
            return None;
        }
        // A slow build-up: the last `sustained` windows together against
        // the same span of each earlier day, and the spans `neighbours`
        // windows either side, as for a burst: 21 spans by default, so
        // that the current one, pooled in, weighs little.
        let (base_total, spans) = self.baseline(series, now, span, dispersion);
        if spans == 0 {
            return None;
        }
        let expected = f64::from(base_total) / f64::from(spans);
        let p = test(total, base_total, spans);
        let holds = f64::from(total) >= self.sustained_ratio * expected.max(1.0);
        (holds && p < self.sustained_p).then_some(Verdict {
            count: total,
            expected,
            p,
            dispersion,
            span: self.window * self.sustained,
            kind: Kind::Sustained,
            stories: false,
        })
    }
}

#[cfg(test)]
mod tests;
