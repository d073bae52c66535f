use super::*;
use crate::delivery::TransportSettings;
use crate::store::outbox::NewMail;

/// Queues `n` test mails.
async fn queue(store: &Store, n: usize) {
    store
        .call(move |c| {
            for i in 0..n {
                let mail = NewMail {
                    key: &format!("test-{i}"),
                    kind: "test",
                    from: "vigia@example.com",
                    to: &["team@example.com".to_string()],
                    subject: "test",
                    message: b"Subject: test\r\n\r\nhello\r\n",
                };
                outbox::enqueue(c, &mail, store::now())?;
            }
            Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_stopped_sender_sends_no_further_mail_and_keeps_it_queued() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    let folder = dir.path().join("outbox");
    let settings = MailSettings {
        from: "vigia@example.com".into(),
        fallback_to: vec!["team@example.com".into()],
        transport: TransportSettings::Files(folder.clone()),
        retry: Duration::from_secs(30),
        reply_to: None,
    };
    let transport = Transport::new(&settings).unwrap();
    let backoff = Backoff {
        min: Duration::from_secs(30),
        max: Duration::from_secs(3600),
    };
    let sender = Sender::new(
        store.clone(),
        transport,
        settings,
        Arc::new(Policy::default()),
        backoff,
    );
    queue(&store, 3).await;
    let due = || async {
        store
            .call(|c| outbox::list(c, false, 100))
            .await
            .unwrap()
            .iter()
            .filter(|m| m.state == "pending")
            .count()
    };

    let stopped = CancellationToken::new();
    stopped.cancel();
    let pass = sender.pass_until(&stopped).await;
    assert_eq!(pass.unwrap().sent, 0);
    assert_eq!(due().await, 3, "still queued");

    // A mail in hand far past the attempt limit (30 s here) makes the
    // sender stuck; one just begun does not.
    let now = store::now();
    sender.hold(Some(InHand {
        id: 1,
        subject: "test".into(),
        since: now - 5,
    }));
    assert_eq!(sender.stuck(now), None);
    sender.hold(Some(InHand {
        id: 1,
        subject: "test".into(),
        since: now - 61,
    }));
    let stuck = sender.stuck(now).unwrap_or_default();
    assert!(
        stuck.starts_with("mail 1 (\"test\") has been in the SMTP conversation for 61s"),
        "{stuck}"
    );

    let pass = sender.pass_until(&CancellationToken::new()).await;
    assert_eq!(pass.unwrap().sent, 3);
    assert_eq!(sender.in_hand(), None, "nothing in hand after a pass");
    assert_eq!(due().await, 0);
    let files = std::fs::read_dir(&folder).map_or(0, |d| d.count());
    assert_eq!(files, 3);
}
