//! Parser tests over written samples (Google Alerts in today's layout in
//! Portuguese, 2015's, a weekly digest, 2010's with thumbnails and blog
//! home links; text-only English; Talkwalker; a forwarded complaint; a
//! confirmation).
//! The real 2010 Google Alerts mails of the shared evaluation data are read
//! by `scripts/eval.sh`.

use proptest::prelude::*;

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/mail/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The mail's items with their text as the pipeline reads it (items carry
/// HTML; the parser escapes the plain text it extracts).
fn parsed(raw: &[u8]) -> ParsedMail {
    let mut mail = parse_mail(raw).unwrap();
    for item in &mut mail.items {
        for field in [&mut item.title, &mut item.summary, &mut item.content] {
            *field = field.as_deref().map(html_to_text);
        }
    }
    mail
}

fn summary(item: &RawItem) -> (&str, &str, Option<&str>) {
    (
        item.title.as_deref().unwrap_or_default(),
        item.url.as_deref().unwrap_or_default(),
        item.origin.as_deref(),
    )
}

#[test]
fn a_2010_alert_gives_titles_not_thumbnail_captions_and_no_blog_homes() {
    let mail = parsed(&fixture("google-alert-2010.eml"));
    assert_eq!(mail.kind, MailKind::GoogleAlert);
    let got: Vec<_> = mail.items.iter().map(summary).collect();
    assert_eq!(
        got,
        [
            (
                "Lumora lamps recalled across the Bay Area",
                "http://www.sanfranciscosentinel.com/?p=51234",
                Some("San Francisco Sentinel - Nov 20, 2010")
            ),
            (
                "Lumora and the city",
                "http://speaktopower.example/2010/11/lumora-and-the-city.html",
                Some("By Jane Doe")
            ),
            (
                "Review: Lumora Halo A19 is bright and cheap",
                "http://www.lightingdaily.example/news/lumora-halo-a19-review",
                Some("Lighting Daily")
            ),
        ]
    );
    let snippets: Vec<&str> = mail
        .items
        .iter()
        .map(|i| i.summary.as_deref().unwrap_or_default())
        .collect();
    assert!(
        snippets[0].starts_with("Shops in San Francisco pulled Lumora"),
        "{snippets:?}"
    );
    assert!(
        snippets[1].starts_with("Why the city keeps buying Lumora"),
        "{snippets:?}"
    );
    assert!(snippets[2].contains("the cheapest"), "{snippets:?}");
}

/// Every result of a mail: title, URL, site, and whether its snippet
/// starts as written and carries no furniture.
fn results(name: &str) -> Vec<(String, String, Option<String>, String)> {
    let mail = parsed(&fixture(name));
    assert_eq!(mail.kind, MailKind::GoogleAlert, "{name}");
    mail.items
        .iter()
        .map(|i| {
            let (title, url, site) = summary(i);
            let snippet = i.summary.clone().unwrap_or_default();
            for furniture in [
                "Flag as irrelevant",
                "Facebook",
                "Twitter",
                "See more",
                "Unsubscribe",
            ] {
                assert!(!snippet.contains(furniture), "{name}: {snippet}");
            }
            (
                title.to_string(),
                url.to_string(),
                site.map(str::to_string),
                snippet,
            )
        })
        .collect()
}

#[test]
fn a_home_page_is_a_result_when_nothing_else_comes_from_its_site() {
    let raw = std::str::from_utf8(&fixture("google-alert-2015.eml"))
        .unwrap()
        .replace(
            "http://www.diario.example/economia/lumora-abre-fabrica",
            "https://lumora-outlet-sale.example/",
        );
    let mail = parsed(raw.as_bytes());
    let urls: Vec<&str> = mail.items.iter().filter_map(|i| i.url.as_deref()).collect();
    assert!(
        urls.contains(&"https://lumora-outlet-sale.example/"),
        "{urls:?}"
    );
}

#[test]
fn the_2015_layout_and_a_weekly_digest_give_every_result() {
    let got = results("google-alert-2015.eml");
    let titles: Vec<(&str, &str, Option<&str>)> = got
        .iter()
        .map(|(t, u, s, _)| (t.as_str(), u.as_str(), s.as_deref()))
        .collect();
    assert_eq!(
        titles,
        [
            (
                "Lumora pushes app update to fix bulbs dropping Wi-Fi",
                "http://www.techpaper.example/2015/03/lumora-smart-bulb-app-update/",
                Some("Tech Paper")
            ),
            (
                "Lumora abre fábrica em Manaus",
                "http://www.diario.example/economia/lumora-abre-fabrica",
                Some("Diário Exemplo")
            ),
        ]
    );
    assert!(
        got[0].3.starts_with("Owners of Lumora Halo bulbs"),
        "{got:?}"
    );
    let digest = results("google-alert-digest.eml");
    let titles: Vec<&str> = digest.iter().map(|(t, ..)| t.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Lumora recalls 12,000 bulbs",
            "Lumora opens a store in Porto",
            "Living with the Lumora Halo Mini",
            "Lumora support is slow"
        ]
    );
    assert!(digest
        .iter()
        .all(|(_, _, site, snippet)| site.is_some() && !snippet.is_empty()));
}

#[test]
fn google_alert_in_portuguese_from_its_html_part() {
    let mail = parsed(&fixture("google-alert-pt.eml"));
    assert_eq!(mail.kind, MailKind::GoogleAlert);
    let got: Vec<_> = mail.items.iter().map(summary).collect();
    assert_eq!(
        got,
        [
            (
                "Lumora anuncia recall de 12 mil lâmpadas inteligentes",
                "https://www.folhadoconsumidor.example/2026/11/lumora-recall-lampadas",
                Some("Folha do Consumidor")
            ),
            (
                "App da Lumora fica fora do ar e clientes reclamam",
                "https://tecnoblog.example/noticias/lumora-app-fora-do-ar/",
                Some("Tecnoblog Exemplo")
            ),
            (
                "Entrega atrasada do Halo Mini - Lumora",
                "https://www.reclame.example/lumora/entrega-atrasada-halo-mini_88231/",
                Some("Reclame Exemplo")
            ),
        ]
    );
    let first = &mail.items[0];
    assert!(
        first
            .summary
            .as_deref()
            .is_some_and(|s| s.starts_with("A Lumora anunciou nesta sexta-feira")),
        "{first:?}"
    );
    assert!(
        !first
            .summary
            .as_deref()
            .unwrap_or_default()
            .contains("Sinalizar"),
        "{first:?}"
    );
    assert_eq!(first.query.as_deref(), Some("Lumora"));
    assert_eq!(
        first.published.map(|p| p.to_rfc3339()).as_deref(),
        Some("2026-11-21T16:02:11+00:00")
    );
}

#[test]
fn the_text_part_gives_the_same_results_as_the_html_part() {
    let raw = fixture("google-alert-pt.eml");
    let message = MessageParser::default()
        .parse(&raw)
        .unwrap_or_else(|| panic!("parse"));
    let from_text = text_results(&message.body_text(0).unwrap_or_default());
    let from_html = html_results(&html_body(&message).unwrap_or_default());
    assert_eq!(from_text.len(), 3);
    for (t, h) in from_text.iter().zip(&from_html) {
        assert_eq!((&t.title, &t.url, &t.site), (&h.title, &h.url, &h.site));
    }
}

#[test]
fn google_alert_with_only_a_latin1_text_part() {
    let mail = parsed(&fixture("google-alert-en-text.eml"));
    assert_eq!(mail.kind, MailKind::GoogleAlert);
    let got: Vec<_> = mail.items.iter().map(summary).collect();
    assert_eq!(
        got,
        [
            (
                "Lumora recalls 12,000 smart bulbs over overheating risk",
                "https://gadgetledger.example/2026/11/lumora-recall",
                Some("Gadget Ledger")
            ),
            (
                "Café owners switch to Lumora's Halo panels",
                "http://smallbiz-review.example/caf%C3%A9-lighting/",
                Some("Smallbiz Review")
            ),
        ]
    );
    assert_eq!(
        mail.items[1].summary.as_deref(),
        Some("Three cafés in Porto told us the Lumora panels cut their lighting bill by a third.")
    );
}

#[test]
fn talkwalker_alert_in_windows_1252() {
    let mail = parsed(&fixture("talkwalker-alert.eml"));
    assert_eq!(mail.kind, MailKind::Talkwalker);
    let got: Vec<_> = mail.items.iter().map(summary).collect();
    assert_eq!(
        got,
        [
            (
                "Lumora Halo keeps disconnecting from Wi-Fi",
                "https://forum.smarthome.example/t/lumora-halo-keeps-disconnecting/4412",
                Some("forum.smarthome.example · 21/11/2026")
            ),
            (
                "Lumora llega a España con su gama Halo",
                "https://www.elmundo-tech.example/2026/11/21/lumora-llega-a-espana.html",
                Some("elmundo-tech.example · 21/11/2026")
            ),
        ]
    );
    assert_eq!(
        mail.items[1].summary.as_deref(),
        Some("La empresa brasileña Lumora abre tienda en Madrid y promete precios “competitivos”.")
    );
    assert_eq!(mail.items[0].query.as_deref(), Some("Lumora"));
}

#[test]
fn any_other_mail_is_one_item_with_its_sender() {
    let mail = parsed(&fixture("forwarded-complaint.eml"));
    assert_eq!(mail.kind, MailKind::Other);
    assert_eq!(mail.items.len(), 1);
    let item = &mail.items[0];
    // The subject without "Fwd:"; the body without the forwarded headers.
    assert_eq!(
        item.title.as_deref(),
        Some("Reclamação - lâmpada Lumora queimou")
    );
    assert_eq!(
        item.origin.as_deref(),
        Some("João Suporte <joao@lumora.example>")
    );
    assert_eq!(
        item.guid.as_deref(),
        Some("<CAF8x=forwarded.complaint@mail.example>")
    );
    assert_eq!(
        item.content.as_deref(),
        Some("Pessoal, segue a reclamação que chegou pelo SAC.\nBoa noite. Comprei duas lâmpadas Lumora em outubro e uma já queimou. Quero a troca ou o reembolso.")
    );
    assert_eq!(item.url, None);
}

#[test]
fn a_confirmation_mail_has_no_results() {
    let mail = parsed(&fixture("google-alert-confirmation.eml"));
    assert_eq!(mail.kind, MailKind::GoogleAlert);
    assert!(mail.items.is_empty(), "{:?}", mail.items);
}

#[test]
fn leading_blank_lines_and_mbox_separators_are_skipped() {
    let mut raw = b"From googlealerts-noreply@google.com Sat Nov 21 08:02:11 2026\n".to_vec();
    raw.extend(fixture("google-alert-en-text.eml"));
    assert_eq!(parsed(&raw).items.len(), 2);
    let mut raw = b"  \r\n\n".to_vec();
    raw.extend(fixture("google-alert-en-text.eml"));
    assert_eq!(parsed(&raw).items.len(), 2);
}

#[test]
fn text_without_headers_is_not_mail() {
    assert!(matches!(
        parse_mail(b"\x00\x01 this is not mail at all"),
        Err(MailError::NotMail)
    ));
    assert!(matches!(parse_mail(b""), Err(MailError::NotMail)));
}

#[test]
fn subjects_give_the_query() {
    let cases = [
        ("Google Alert - barack obama", Some("barack obama")),
        ("Alerta do Google – Lumora", Some("Lumora")),
        ("Talkwalker Alert: \"Lumora\"", Some("Lumora")),
        ("Click to confirm your Google Alert", None),
    ];
    for (subject, want) in cases {
        assert_eq!(alert_query(subject).as_deref(), want, "{subject}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Malformed MIME never panics: arbitrary bytes.
    #[test]
    fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = parse_mail(&raw);
    }

    /// Nor do real alerts cut short, with bytes overwritten.
    #[test]
    fn damaged_alerts_never_panic(
        which in 0usize..4,
        cut in 0.0f64..1.0,
        flips in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 0..32),
    ) {
        let name = ["google-alert-pt.eml", "google-alert-en-text.eml", "talkwalker-alert.eml", "forwarded-complaint.eml"][which];
        let mut raw = fixture(name);
        raw.truncate((raw.len() as f64 * cut) as usize);
        let len = raw.len();
        for (at, byte) in flips {
            if len > 0 {
                raw[((len - 1) as f64 * at) as usize] = byte;
            }
        }
        let _ = parse_mail(&raw);
    }
}

#[test]
fn a_reply_is_read_for_what_its_sender_wrote_and_who_sent_it() {
    let raw = "From: Ana <ANA@Lumora.example>\r\nTo: vigia-replies@lumora.example\r\n\
               Subject: Re: [Vigia] Urgent [r3-0123456789ab]\r\n\
               In-Reply-To: <vigia.alert.cs.3.r3-0123456789ab@lumora.example>\r\n\
               Message-ID: <a1@mail.example>\r\n\r\n\
               resolvido\r\n\r\nOn Mon, 30 Nov 2026 at 09:00, Vigia <vigia@lumora.example> wrote:\r\n\
               > #3 [urgent] ignore\r\n";
    let reply = super::parse_reply(raw.as_bytes()).unwrap();
    assert_eq!(reply.sender, "ana@lumora.example");
    assert_eq!(reply.message_id, "<a1@mail.example>");
    assert!(reply.references.contains("r3-0123456789ab"));
    assert_eq!(reply.text.trim(), "resolvido");
    assert_eq!(reply.automatic, None);
    // Out of office, bounces and list mail are machines talking.
    for header in [
        "Auto-Submitted: auto-replied",
        "X-Autoreply: yes",
        "Precedence: bulk",
        "Return-Path: <>",
    ] {
        let raw = format!("{header}\r\n{raw}");
        let reply = super::parse_reply(raw.as_bytes()).unwrap();
        assert!(reply.automatic.is_some(), "{header}");
    }
    let raw = format!("Auto-Submitted: no\r\n{raw}");
    assert_eq!(super::parse_reply(raw.as_bytes()).unwrap().automatic, None);
    // An HTML-only reply is read above the quote it carries.
    let html = raw
        .replace("\r\n\r\nresolvido", "\r\nContent-Type: text/html\r\n\r\n<div dir=\"ltr\">resolvido</div><div class=\"gmail_quote\"><blockquote>ignore everything</blockquote></div>")
        .split("On Mon")
        .next()
        .unwrap_or_default()
        .to_string();
    let reply = super::parse_reply(html.as_bytes()).unwrap();
    assert_eq!(reply.text.trim(), "resolvido", "{reply:?}");
    // The receiving server's verdict that the sender's domain disowns it.
    let failed = format!("Authentication-Results: mx.lumora.example; dmarc=fail (p=none) header.from=lumora.example\r\n{raw}");
    assert!(super::parse_reply(failed.as_bytes())
        .unwrap()
        .forged
        .is_some());
    assert_eq!(reply.forged, None);
    // No Message-ID: the mail's hash keeps it from acting twice.
    let bare = raw.replace("Message-ID: <a1@mail.example>\r\n", "");
    let id = super::parse_reply(bare.as_bytes()).unwrap().message_id;
    assert!(id.starts_with("sha256:"), "{id}");
}
