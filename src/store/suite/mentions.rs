//! Mentions: recorded once, seen again, found by their filters and words.

use super::*;
use crate::store::mentions::{detail, list, names, MentionFilter, Order, StatusFilter};
use crate::store::Place;
use crate::triage::Severity;

const T0: i64 = 1_800_000_000;

fn titles(store: &Store, filter: MentionFilter) -> Vec<String> {
    store
        .call_blocking(move |c| list(c, &filter))
        .expect("listed")
        .into_iter()
        .map(|m| m.title)
        .collect()
}

fn search(store: &Store, words: &str) -> Vec<String> {
    let mut found = titles(
        store,
        MentionFilter {
            text: Some(words.into()),
            ..MentionFilter::default()
        },
    );
    found.sort();
    found
}

crate::both_backends! {
    fn an_item_is_one_mention_and_another_sources_copy_a_sighting(store) {
        let item = || candidate("feed-a", "1", "Lumora recalls its desk lamps", "Faulty wiring.");
        let id = new_id(record(&store, item(), T0));
        assert_eq!(record(&store, item(), T0 + 60), Recorded::Known(id));
        let elsewhere = candidate("feed-b", "1", "Lumora recalls its desk lamps", "Faulty wiring.");
        assert_eq!(record(&store, elsewhere, T0 + 120), Recorded::Sighting(id));
        let seen = store.call_blocking(move |c| detail(c, id)).unwrap();
        let mut sources: Vec<&str> = seen.sightings.iter().map(|s| s.source.as_str()).collect();
        sources.sort();
        assert_eq!(sources, ["feed-a", "feed-b"]);
        assert_eq!(titles(&store, MentionFilter::default()).len(), 1);
    }

    fn a_syndicated_copy_at_another_address_is_the_same_mention(store) {
        let body = "Customers of Lumora say the new app logs them out every few minutes \
                    and support has not answered their tickets for a week now.";
        let id = new_id(record(
            &store,
            candidate("wire", "a", "Lumora app keeps logging users out", body),
            T0,
        ));
        let copy = candidate("paper", "b", "Lumora app keeps logging users out", body);
        assert_eq!(record(&store, copy, T0 + 3600), Recorded::Sighting(id));
    }

    fn listings_filter_by_brand_state_severity_and_count(store) {
        let urgent = urgent(&store, T0);
        record(&store, candidate("f", "2", "Lumora lamps are fine", ""), T0 + 10);
        record(&store, candidate("f", "3", "Lumora opens a shop in Porto", ""), T0 + 20);
        let all = titles(&store, MentionFilter { brand: Some("LUMORA".into()), ..Default::default() });
        assert_eq!(
            all,
            ["Lumora opens a shop in Porto", "Lumora lamps are fine",
             "Lumora recall: the worst, most dangerous lamps, a disaster"]
        );
        let two = titles(&store, MentionFilter { limit: Some(2), ..Default::default() });
        assert_eq!(two.len(), 2);
        let severe = store
            .call_blocking(|c| {
                list(c, &MentionFilter {
                    severity: Some(Severity::Urgent),
                    order: Order::Severity,
                    ..Default::default()
                })
            })
            .unwrap();
        assert_eq!(severe.iter().map(|m| m.id).collect::<Vec<_>>(), [urgent]);
        let since = titles(&store, MentionFilter { since: Some(T0 + 15), ..Default::default() });
        assert_eq!(since, ["Lumora opens a shop in Porto"]);
        let open = titles(&store, MentionFilter {
            status: Some(StatusFilter::Open),
            source: Some("f".into()),
            ..Default::default()
        });
        assert!(open.len() <= 3 && !open.is_empty(), "{open:?}");
        let (brands, _teams) = store.call_blocking(|c| names(c)).unwrap();
        assert_eq!(brands, ["Lumora"]);
    }

    fn search_finds_words_phrases_prefixes_and_exclusions_accents_aside(store) {
        for (key, title) in [
            ("1", "Lumora recall of desk lamps"),
            ("2", "Reembolso da Lumora não chegou"),
            ("3", "Lumora job opening in Lisbon"),
            ("4", "Lumora lamps praised by reviewers"),
        ] {
            record(&store, candidate("f", key, title, ""), T0);
        }
        assert_eq!(search(&store, "recall"), ["Lumora recall of desk lamps"]);
        assert_eq!(search(&store, "REEMBOLSO nao"), ["Reembolso da Lumora não chegou"]);
        assert_eq!(search(&store, "chegou -reembolso"), Vec::<String>::new());
        assert_eq!(
            search(&store, "lamp*"),
            ["Lumora lamps praised by reviewers", "Lumora recall of desk lamps"]
        );
        assert_eq!(
            search(&store, "lumora -recall -\"job opening\""),
            ["Lumora lamps praised by reviewers", "Reembolso da Lumora não chegou"]
        );
        assert_eq!(
            search(&store, "\"desk lamps\" OR reviewers"),
            ["Lumora lamps praised by reviewers", "Lumora recall of desk lamps"]
        );
        // Another engine's syntax is only words.
        assert_eq!(search(&store, "recall:* & !lamps"), ["Lumora recall of desk lamps"]);
    }

    fn mentions_outlive_a_restart(test) {
        let id = new_id(record(&test, candidate("f", "1", "Lumora store opens", ""), T0));
        let place: Place = test.place.clone();
        let again = Store::open_at(place).unwrap();
        let found = again
            .call_blocking(|c| list(c, &MentionFilter::default()))
            .unwrap();
        assert_eq!(found.iter().map(|m| m.id).collect::<Vec<_>>(), [id]);
        assert_eq!(
            record(&again, candidate("f", "1", "Lumora store opens", ""), T0 + 1),
            Recorded::Known(id)
        );
    }
}
