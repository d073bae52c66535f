//! Fingerprints, bands and the near-duplicate rules, on texts.

use super::*;

fn fp(text: &str) -> Fingerprint {
    Fingerprint::of(&Folded::new(text))
}

/// The nearest of `recent` to a candidate with this title and text.
fn copy_of(title: &str, text: &str, recent: impl IntoIterator<Item = Recent>) -> Option<i64> {
    nearest(&fp(text), CopyKeys::of(title, text), title, text, recent)
}

const STORY: &str = "Acme Corp recalled forty thousand toasters on Tuesday after \
    customers in three states reported that the heating element could stay on \
    after the timer ended, the company said in a statement posted to its website. \
    Owners are asked to stop using the devices and contact support for a refund.";

#[test]
fn syndicated_copies_are_within_the_threshold() {
    let base = fp(STORY);
    let variants = [
        STORY.to_uppercase(),
        format!("{STORY} Read more."),
        format!("Reuters - {STORY}"),
        STORY.replace("Tuesday", "Wednesday"),
        STORY.replace("the company said", "the firm said"),
        STORY.replace(",", "").replace('.', " "),
    ];
    for v in &variants {
        let d = base.distance(fp(v).hash);
        assert!(d <= MAX_DISTANCE, "distance {d} for {v:?}");
    }
}

#[test]
fn distinct_real_items_are_far_apart() {
    // Titles and summaries of real feed items (feed-rs and feedparser
    // fixtures), long enough to fingerprint.
    let corpus = include_str!("../../../tests/fixtures/corpus/items.txt");
    let prints: Vec<Fingerprint> = corpus
        .lines()
        .map(fp)
        .filter(Fingerprint::is_usable)
        .collect();
    assert!(prints.len() >= 50, "corpus too small: {}", prints.len());
    // The corpus holds one syndicated pair, the same story with its
    // summary cut short: it must match, and nothing else may.
    let truncated: Vec<&str> = corpus
        .lines()
        .filter(|l| l.starts_with("Digitalministerium"))
        .collect();
    assert_eq!(truncated.len(), 2);
    assert!(fp(truncated[0]).distance(fp(truncated[1]).hash) <= MAX_DISTANCE);
    let distinct: Vec<Fingerprint> = corpus
        .lines()
        .filter(|l| !l.starts_with("Digitalministerium"))
        .map(fp)
        .filter(Fingerprint::is_usable)
        .collect();
    let mut closest = 64;
    for (i, a) in distinct.iter().enumerate() {
        for b in &distinct[i + 1..] {
            closest = closest.min(a.distance(b.hash));
        }
    }
    assert!(
        closest >= 2 * MAX_DISTANCE,
        "closest distinct pair at {closest} bits"
    );
}

#[test]
fn every_near_duplicate_shares_a_probed_band() {
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..20_000 {
        let a = rng.u64(..);
        let mut b = a;
        for _ in 0..rng.u32(0..=FOUND_WITHIN) {
            b ^= 1 << rng.u32(0..64);
        }
        let filed = buckets(b);
        assert!(
            buckets(a).iter().any(|k| filed.contains(k)),
            "{a:064b} / {b:064b}"
        );
    }
    // The bands cover all 64 bits, once each.
    assert_eq!(BAND_BITS.iter().sum::<u32>(), 64);
    assert_eq!(bands(u64::MAX), [u16::MAX; BANDS]);
    // Each band's keys are its own.
    assert_eq!(buckets(0), [0, 1 << 16, 2 << 16, 3 << 16]);
}

#[test]
fn the_dedupe_decision_needs_no_database() {
    let story = fp(STORY);
    let other = fp(
        "A completely different text about a garden party with music, \
        lemonade, a bouncy castle and forty children running around the lawn all day.",
    );
    let at = |id, fingerprint, same_source| AtUrl {
        id,
        fingerprint,
        same_source,
    };
    // Another source at the same URL: the same mention.
    assert_eq!(same_url(&story, false, &[at(1, other, false)]), Some(1));
    // The same source showing a clearly different text there: not it.
    assert_eq!(same_url(&story, false, &[at(1, other, true)]), None);
    assert_eq!(same_url(&story, false, &[at(1, story, true)]), Some(1));
    // An excerpt of a watched page is its own mention.
    assert_eq!(same_url(&story, true, &[at(1, story, true)]), None);

    let recent = |id, f: Fingerprint, title: &str| Recent {
        id,
        hash: f.hash,
        title: title.into(),
        text: STORY.into(),
        keys: CopyKeys::of(title, STORY),
    };
    let copy = fp(&format!("Reuters - {STORY}"));
    let title = "Acme recalls 40,000 toasters";
    assert_eq!(
        nearest(
            &copy,
            CopyKeys::of(title, STORY),
            title,
            STORY,
            [
                recent(1, other, "Garden party"),
                recent(2, story, "Update: Acme recalls 40,000 toasters")
            ]
        ),
        Some(2)
    );
    // Close by content, but the titles tell two stories apart.
    assert_eq!(
        nearest(
            &copy,
            CopyKeys::of(title, STORY),
            title,
            STORY,
            [recent(2, story, "Quarterly earnings beat forecasts")]
        ),
        None
    );
    // Too short to fingerprint: only the URL can match.
    assert_eq!(
        nearest(
            &fp("Acme news"),
            CopyKeys::of(title, STORY),
            title,
            STORY,
            [recent(2, story, title)]
        ),
        None
    );
}

#[test]
fn figures_tell_stories_of_one_template_apart() {
    let story = |n: &str, footer: &str| {
        format!(
            "Lumora recalls {n} smart bulbs after customers in several cities reported \
             that the bulbs overheat when dimmed for long periods of time. The company \
             said that owners should stop using the affected lamps at once, keep the \
             receipt, and ask the store where they bought them for a full refund or a \
             replacement lamp of the newer series, which is not affected. {footer}"
        )
    };
    let first = story("12,000", "");
    let recent = |text: &str| Recent {
        id: 1,
        hash: fp(text).hash,
        title: "Lumora recalls bulbs".into(),
        text: text.into(),
        keys: CopyKeys::of("Lumora recalls bulbs", text),
    };
    // A copy with a dated footer is the same story.
    let copy = story("12.000", "Wire, 30 Nov 2026.");
    assert_eq!(
        copy_of("Lumora recalls bulbs", &copy, [recent(&first)]),
        Some(1)
    );
    // The same words with another figure are another recall.
    let other = story("40,000", "");
    assert!(fp(&other).distance(fp(&first).hash) <= MAX_DISTANCE);
    assert_eq!(
        copy_of("Lumora recalls bulbs", &other, [recent(&first)]),
        None
    );
}

#[test]
fn a_figure_in_the_same_place_tells_stories_apart_anywhere() {
    let review = |price: &str, footer: &str| {
        format!(
            "If you already own a Halo A19, the Mini pairs in seconds. The city council \
             approved a study on sleep and screen time in a surprise move. The Halo Mini \
             is Lumora's smallest lamp yet and costs {price} dollars. {footer}"
        )
    };
    let title = "Review: Lumora's Halo Mini is bright, cheap and a little fussy";
    let first = review("32", "");
    let recent = Recent {
        id: 1,
        hash: fp(&first).hash,
        title: title.into(),
        text: first.clone(),
        keys: CopyKeys::of(title, &first),
    };
    // Another price in the last sentence: another review.
    let other = review("83", "");
    assert_eq!(copy_of(title, &other, [recent.clone()]), None);
    // A copy whose footer has figures of its own is the same review.
    let copy = review("32", "Posted 30 Nov 2026, 10:30 by the Wire.");
    assert_eq!(copy_of(title, &copy, [recent]), Some(1));
    assert!(figures_agree(
        &figures_in_place("sold 12,000 bulbs"),
        &figures_in_place("sold 12.000 bulbs in May")
    ));
}

#[test]
fn copies_under_one_title_are_found_whatever_their_footers() {
    let title = "Customers complain about slow Lumora support";
    assert_eq!(title_key(&format!("Update: {title}")), title_key(title));
    assert_eq!(
        title_key("Update: Review: Lumora Halo Mini is bright"),
        title_key("Review: Lumora Halo Mini is bright")
    );
    assert_eq!(
        title_key("Lumora news"),
        None,
        "too short to tell stories apart"
    );
    let text = |middle: &str, footer: &str| {
        format!(
            "Dozens of customers told us they waited more than four days for an answer \
             from Lumora. {middle} Source: {footer}."
        )
    };
    let first = text(
        "The city council approved higher fees on Tuesday.",
        "Metro-Wire",
    );
    let stored = |text: &str| Recent {
        id: 1,
        // Far by SimHash: only the title can bring them together.
        hash: !fp(text).hash,
        title: title.into(),
        text: text.into(),
        keys: CopyKeys::of(title, text),
    };
    let copy = text(
        "The city council approved higher fees on Tuesday.",
        "Daily-Ledger",
    );
    assert_eq!(
        copy_of(&format!("Update: {title}"), &copy, [stored(&first)]),
        Some(1)
    );
    // Another story under the same headline: its own sentence.
    let other = text(
        "A regional bank rejected a pilot programme for buses.",
        "Metro-Wire",
    );
    assert_eq!(copy_of(title, &other, [stored(&first)]), None);
}

#[test]
fn titles_agree_on_rewrites_not_on_other_stories() {
    assert!(titles_agree(
        "Acme recalls 12,000 bulbs",
        "UPDATE: Acme recalls 12,000 bulbs"
    ));
    assert!(titles_agree("", "anything"));
    // Each names a place the other does not: two stories.
    assert!(!titles_agree(
        "Lumora abre centro de distribuição em Lyon",
        "Atualização: Lumora abre centro de distribuição em Braga"
    ));
    // The publisher an aggregator appends names no story.
    assert!(titles_agree(
        "Lumora recalls 12,000 bulbs over overheating - Reuters",
        "Lumora recalls 12,000 bulbs over overheating - The Verge"
    ));
    assert!(titles_agree(
        "Lumora Opens Its First European Warehouse",
        "Update: Lumora Opens First European Warehouse Near Porto"
    ));
    assert!(!titles_agree(
        "Acme recalls bulbs",
        "Acme opens factory in Manaus"
    ));
}

#[test]
fn short_texts_are_not_usable() {
    assert!(!fp("Acme outage today").is_usable());
    assert!(fp(STORY).is_usable());
}

#[test]
fn a_footer_with_its_own_time_or_a_short_text_decide_nothing() {
    let title = "Lumora recalls smart bulbs over overheating";
    let story = |footer: &str| {
        format!(
            "Lumora is recalling its Halo bulbs after customers in several cities reported \
             that the bulbs overheat when dimmed for long periods of time. The company \
             said owners should stop using them and ask the store for a refund. {footer}"
        )
    };
    let stored = |text: &str| Recent {
        id: 1,
        hash: fp(text).hash,
        title: title.into(),
        text: text.into(),
        keys: CopyKeys::of(title, text),
    };
    let first = story("Posted 10:31 by staff.");
    let copy = story("Posted 11:02 by staff.");
    assert_eq!(copy_of(title, &copy, [stored(&first)]), Some(1));
    // A stored mention with no text says too little to absorb a story
    // under its title.
    let empty = Recent {
        hash: !fp(&copy).hash,
        text: String::new(),
        keys: CopyKeys::of(title, ""),
        ..stored(&first)
    };
    assert_eq!(copy_of(title, &copy, [empty]), None);
}

#[test]
fn copies_are_found_by_their_opening_under_a_rewritten_title() {
    let text = |footer: &str| {
        format!(
            "Dozens of customers told us they waited more than four days for an answer \
             from Lumora about bulbs that lost their connection. The city council approved \
             higher fees on Tuesday. Source: {footer}."
        )
    };
    let first = text("Metro-Wire");
    let copy = text("Daily-Ledger");
    assert_eq!(lead_key(&first), lead_key(&copy));
    assert_eq!(lead_key("Too short to key"), None);
    let stored = Recent {
        id: 1,
        // Far by SimHash, and under a title rewritten beyond its key: only
        // the opening brings them together.
        hash: !fp(&copy).hash,
        title: "Customers complain about slow support at Lumora".into(),
        text: first.clone(),
        keys: CopyKeys::of("Customers complain about slow support at Lumora", &first),
    };
    let title = "Customers complain about slow Lumora support";
    assert_eq!(copy_of(title, &copy, [stored.clone()]), Some(1));
    // The same opening, then another story: the run of shared words ends.
    let other = first.replace(
        "The city council approved higher fees on Tuesday.",
        "A regional bank rejected a pilot programme for electric buses after months of debate.",
    );
    assert_eq!(copy_of(title, &other, [stored.clone()]), None);
    // The same text under another story's title (a feed's boilerplate).
    let elsewhere = "Quarterly earnings beat forecasts";
    assert_eq!(copy_of(elsewhere, &copy, [stored]), None);
}
