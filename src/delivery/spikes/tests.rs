//! The detector on synthetic months: injected bursts and slow build-ups
//! found, ordinary traffic silent whether negatives come one by one or in
//! clusters, the cool-down respected. Tuned on seeds 1000 and up, checked
//! here on seeds 2000 and up.

use super::*;

const MINUTE: i64 = 60;
const HOUR: i64 = 3600;

/// What a simulated month holds.
#[derive(Debug, Clone, Copy)]
struct Month {
    /// Negatives per hour at the daily peak.
    peak: f64,
    /// Mean size of a cluster of negatives (geometric sizes; 1: Poisson).
    cluster: f64,
    /// The brand in the news for a week: its level 1.5 times higher from
    /// day 15 to day 22, ramping over a day each way, and drifting ±10%
    /// from day to day throughout.
    drift: bool,
    /// Bursts of extra negatives within 45 minutes, and how many each.
    bursts: (usize, u32),
    /// Slow build-ups: three hours at three times the usual level.
    buildups: usize,
}

/// A simulated month: the negatives (time, story: a cluster is one
/// story, an injected negative a story of its own), and when each injected
/// burst and build-up starts.
struct Traffic {
    times: Vec<(i64, Option<i64>)>,
    bursts: Vec<i64>,
    buildups: Vec<i64>,
}

/// The usual level at second `t` as a share of the peak: quiet nights,
/// busy afternoons (peak at 15:00), quieter weekends.
fn shape(t: i64) -> f64 {
    let hour = (t % DAY) as f64 / 3600.0;
    let daily = 0.15 + 0.85 * (0.5 - 0.5 * ((hour - 3.0) / 24.0 * std::f64::consts::TAU).cos());
    let weekend = if (t / DAY) % 7 >= 5 { 0.7 } else { 1.0 };
    daily * weekend
}

fn simulate(seed: u64, m: Month) -> Traffic {
    let mut rng = fastrand::Rng::with_seed(seed);
    let end = 30 * DAY;
    let mut level = 1.0f64;
    let mut levels = Vec::new();
    for day in 0..30 {
        if m.drift {
            level = (level * (1.0 + 0.1 * (rng.f64() * 2.0 - 1.0))).clamp(0.7, 1.4);
        }
        let news = if m.drift {
            let d = f64::from(day);
            ((d - 14.0).clamp(0.0, 1.0) * (22.0 - d).clamp(0.0, 1.0)) * 0.5
        } else {
            0.0
        };
        levels.push(level * (1.0 + news));
    }
    let geometric = |rng: &mut fastrand::Rng| {
        let mut size = 1;
        while rng.f64() > 1.0 / m.cluster {
            size += 1;
        }
        size
    };
    let mut times = Vec::new();
    let mut t = 0;
    while t < end {
        // Cluster starts in this minute, each bringing its members over
        // the next half hour.
        let rate = m.peak * shape(t) * levels[(t / DAY) as usize] / m.cluster / 60.0;
        if rng.f64() < rate {
            let story = Some(t);
            for k in 0..geometric(&mut rng) {
                let delay = if k == 0 { 0 } else { rng.i64(0..30 * MINUTE) };
                times.push((t + rng.i64(0..MINUTE) + delay, story));
            }
        }
        t += MINUTE;
    }
    // Injections after the first eight days (the baseline), a day apart.
    let mut starts: Vec<i64> = Vec::new();
    let mut pick = |rng: &mut fastrand::Rng| loop {
        let s = 8 * DAY + rng.i64(0..21 * DAY);
        if starts.iter().all(|o| (o - s).abs() > DAY) {
            starts.push(s);
            return s;
        }
    };
    let mut bursts = Vec::new();
    for _ in 0..m.bursts.0 {
        let s = pick(&mut rng);
        bursts.push(s);
        for _ in 0..m.bursts.1 {
            times.push((s + rng.i64(0..45 * MINUTE), None));
        }
    }
    let mut buildups = Vec::new();
    for _ in 0..m.buildups {
        // In the working day, when a crisis is seen.
        let s = pick(&mut rng) / DAY * DAY + 9 * HOUR + rng.i64(0..8 * HOUR);
        buildups.push(s);
        // Twice the usual again, so three times in all.
        let mut t = s;
        while t < s + 3 * HOUR {
            let rate = 2.0 * m.peak * shape(t) * levels[(t / DAY) as usize] / 60.0;
            if rng.f64() < rate {
                times.push((t + rng.i64(0..MINUTE), None));
            }
            t += MINUTE;
        }
    }
    times.sort_unstable();
    bursts.sort_unstable();
    buildups.sort_unstable();
    Traffic {
        times,
        bursts,
        buildups,
    }
}

/// Runs the detector every `step` from day 8 to day 30, with the
/// cool-down; returns alert times.
fn alerts(rules: &SpikeRules, times: &[(i64, Option<i64>)], step: i64) -> Vec<i64> {
    let negatives = Negatives::new(times.to_vec(), rules.window);
    let cooldown = rules.cooldown.as_secs() as i64;
    let mut out: Vec<i64> = Vec::new();
    let mut now = 8 * DAY;
    while now < 30 * DAY {
        let quiet = out.last().is_some_and(|&a| now < a + cooldown);
        if !quiet && rules.detect(&negatives, 0, now).is_some() {
            out.push(now);
        }
        now += step;
    }
    out
}

/// Found, injected and false alerts over `seeds` months like `m`.
#[derive(Debug, Default, Clone, Copy)]
struct Score {
    months: usize,
    bursts: (usize, usize),
    buildups: (usize, usize),
    false_alerts: usize,
}

fn score(rules: &SpikeRules, seeds: std::ops::Range<u64>, m: Month) -> Score {
    let mut s = Score::default();
    for seed in seeds {
        let t = simulate(seed, m);
        let fired = alerts(rules, &t.times, 5 * MINUTE);
        let near =
            |start: i64, within: i64| fired.iter().any(|&a| a >= start && a <= start + within);
        s.months += 1;
        s.bursts.1 += t.bursts.len();
        s.bursts.0 += t.bursts.iter().filter(|&&b| near(b, HOUR)).count();
        s.buildups.1 += t.buildups.len();
        s.buildups.0 += t.buildups.iter().filter(|&&b| near(b, 3 * HOUR)).count();
        s.false_alerts += fired
            .iter()
            .filter(|&&a| {
                !t.bursts.iter().any(|&b| a >= b && a <= b + HOUR)
                    && !t.buildups.iter().any(|&b| a >= b && a <= b + 3 * HOUR)
            })
            .count();
    }
    s
}

#[test]
fn injected_bursts_are_found_once_each() {
    let rules = SpikeRules::default();
    let m = Month {
        peak: 2.0,
        cluster: 1.0,
        drift: false,
        bursts: (4, 15),
        buildups: 0,
    };
    let t = simulate(7, m);
    let fired = alerts(&rules, &t.times, MINUTE);
    for s in &t.bursts {
        assert!(
            fired.iter().any(|&a| a >= *s && a <= s + HOUR),
            "burst at {s} missed; alerts {fired:?}"
        );
    }
    assert_eq!(
        fired.len(),
        t.bursts.len(),
        "one alert per burst: {fired:?} for {:?}",
        t.bursts
    );
}

#[test]
fn the_cooldown_makes_a_long_spike_one_alert() {
    let rules = SpikeRules::default();
    // Six hours of heavy criticism on a quiet brand.
    let times: Vec<(i64, Option<i64>)> =
        (0..60).map(|i| (10 * DAY + i * 6 * MINUTE, None)).collect();
    let fired = alerts(&rules, &times, MINUTE);
    assert_eq!(fired.len(), 1, "{fired:?}");
    // Without the cool-down it would have fired again and again.
    let eager = SpikeRules {
        cooldown: Duration::ZERO,
        ..rules
    };
    assert!(alerts(&eager, &times, MINUTE).len() > 10);
}

#[test]
fn last_weeks_crisis_does_not_hide_this_weeks() {
    let rules = SpikeRules::default();
    // One negative an hour for nine days; 30 in one hour of day 7, and
    // 10 in the same hour of day 9.
    let now = 9 * DAY + 15 * HOUR;
    let mut times: Vec<(i64, Option<i64>)> =
        (0..9 * 24 + 15).map(|h| (h * HOUR + 600, None)).collect();
    times.extend((0..30).map(|k| (now - 2 * DAY - HOUR + 60 + k * 60, None)));
    times.extend((0..9).map(|k| (now - HOUR + 900 + k * 60, None)));
    let negatives = Negatives::new(times, rules.window);
    let verdict = rules.detect(&negatives, 0, now);
    // Counted in, the crisis would make the usual hour 2.4 and ten
    // negatives unremarkable (p ≈ 10⁻³).
    assert!(
        verdict.is_some_and(|v| v.count == 10 && v.kind == Kind::Burst && v.expected == 1.0),
        "{verdict:?}"
    );
    // A brand whose every day holds such an hour is not surprised.
    let mut daily: Vec<(i64, Option<i64>)> =
        (0..9 * 24 + 15).map(|h| (h * HOUR + 600, None)).collect();
    for d in 1..=7 {
        daily.extend((0..9).map(|k| (now - d * DAY - HOUR + 900 + k * 60, None)));
    }
    daily.extend((0..9).map(|k| (now - HOUR + 900 + k * 60, None)));
    assert_eq!(
        rules.detect(&Negatives::new(daily, rules.window), 0, now),
        None
    );
}

#[test]
fn a_brand_that_complains_in_clusters_measures_as_dispersed() {
    let rules = SpikeRules::default();
    let at = |cluster: f64| {
        let m = Month {
            peak: 20.0,
            cluster,
            drift: false,
            bursts: (0, 0),
            buildups: 0,
        };
        let t = simulate(3, m);
        let times: Vec<i64> = t.times.iter().map(|&(t, _)| t).collect();
        rules.dispersion(
            &Series {
                times: &times,
                since: 0,
            },
            20 * DAY,
        )
    };
    // Geometric clusters of mean m: variance over mean about 2m - 1.
    let (one, three) = (at(1.0), at(3.0));
    assert!(one < 1.3, "Poisson traffic: {one}");
    assert!((3.5..7.0).contains(&three), "clusters of 3: {three}");
}

/// The defaults on months they were not chosen on (seeds 2000 and up; they
/// were chosen on 1000 and up), at a quiet, an average and a busy brand
/// (0.5, 3 and 20 negatives in the peak hour), with negatives one by one
/// and in clusters (one story each) of mean 2, 3 and 4: ordinary months
/// (drifting ±10% a day, a week in the news at 1.5 times) for false
/// alerts; bursts of six times the peak rate within 45 minutes (separate
/// complaints), to be found within the hour; three hours at three times
/// the usual, to be found within three. Prints the table; holds what it
/// meets.
#[test]
fn the_defaults_on_simulated_months() {
    let rules = SpikeRules::default();
    println!("peak/h cluster | false alerts/month | 6x bursts found | 3x3h build-ups found");
    for peak in [0.5f64, 3.0, 20.0] {
        for cluster in [1.0, 2.0, 3.0, 4.0] {
            let month = Month {
                peak,
                cluster,
                drift: true,
                bursts: (0, 0),
                buildups: 0,
            };
            let clean = score(&rules, 2000..2010, month);
            let burst = (6.0 * peak).round() as u32;
            let month = Month {
                drift: false,
                bursts: (3, burst),
                ..month
            };
            let bursts = score(&rules, 2100..2104, month);
            let month = Month {
                bursts: (0, 0),
                buildups: 3,
                ..month
            };
            let buildups = score(&rules, 2200..2204, month);
            let per_month = clean.false_alerts as f64 / clean.months as f64;
            println!(
                "{peak:>6} {cluster:>7} | {per_month:>18.2} | {:>9}/{} of {burst:>3} | {:>17}/{}",
                bursts.bursts.0, bursts.bursts.1, buildups.buildups.0, buildups.buildups.1
            );
            assert!(
                per_month <= 1.0,
                "{peak}/h, clusters of {cluster}: {per_month} false alerts a month"
            );
            // Bursts are separate stories: found at every clustering,
            // where they outnumber what a quiet brand's clusters bring.
            if peak >= 3.0 {
                assert!(
                    bursts.bursts.0 * 100 >= bursts.bursts.1 * 95,
                    "{peak}/h, clusters of {cluster}: {bursts:?}"
                );
            }
            if peak >= 20.0 {
                assert!(
                    buildups.buildups.0 * 10 >= buildups.buildups.1 * 9,
                    "{peak}/h, clusters of {cluster}: {buildups:?}"
                );
            }
        }
    }
}

#[test]
fn the_alert_draws_48_hours_against_the_same_hours_before_whatever_the_window() {
    // One negative every hour for nine days, then six more in the last.
    let now = 9 * DAY;
    let mut times: Vec<i64> = (0..9 * 24).map(|h| h * HOUR + 600).collect();
    times.extend((0..6).map(|k| now - 1_800 + k * 60));
    times.sort_unstable();
    let series = Series {
        times: &times,
        since: 0,
    };
    for window in [HOUR, 15 * MINUTE] {
        let rules = SpikeRules {
            window: Duration::from_secs(window as u64),
            ..SpikeRules::default()
        };
        let recent = rules.recent(&series, now);
        assert_eq!(recent.len(), RECENT);
        assert_eq!(recent.last().map(|r| (r.end, r.count)), Some((now, 7)));
        assert!(
            recent.iter().all(|r| (r.usual - 1.0).abs() < 1e-9),
            "{recent:?}"
        );
        assert!(recent[..RECENT - 1].iter().all(|r| r.count == 1));
    }
}
