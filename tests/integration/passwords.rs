//! Passwords for the web inbox, for those who set one: set on the account
//! page once signed in by a mailed link, then a sign-in without waiting
//! for mail; wrong passwords are counted and hold the address back; an
//! admin's `vigia users reset` forgets the password and ends the sessions.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, Client, StatusCode};

use crate::helpers::*;
use crate::inbox::{csrf, inbox_port, mailed_token, TEAMS};

const PASSWORD: &str = "correct horse battery";

/// The subjects of the mails in the outbox folder.
fn outbox_subjects(dir: &std::path::Path) -> Vec<String> {
    let files = std::fs::read_dir(dir.join("outbox")).into_iter().flatten();
    files
        .filter_map(|f| {
            let bytes = std::fs::read(f.ok()?.path()).ok()?;
            let message = mail_parser::MessageParser::default().parse(&bytes)?;
            message.subject().map(str::to_string)
        })
        .collect()
}

/// What the store keeps of ana's password.
fn stored_hash(setup: &Setup) -> Option<String> {
    let store = vigia::store::Store::open(&setup.db()).unwrap();
    store
        .call_blocking(|c| vigia::store::web::password_hash(c, "ana@lumora.example"))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_sets_a_password_and_signs_in_with_it() {
    let setup = setup_with(&[], TEAMS);
    let log = setup.dir.path().join("vigia.log");
    let daemon = daemon_logging_to(&setup.config, &log);
    let base = format!("http://127.0.0.1:{}", inbox_port(&log));
    let http = Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let form = |path: &str, cookie: Option<&str>, body: String| {
        let mut request = http
            .post(format!("{base}{path}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send()
    };
    let login = |password: &str| {
        form(
            "/login",
            None,
            format!(
                "email=ana%40lumora.example&password={}",
                password.replace(' ', "+")
            ),
        )
    };
    let session = |answer: &reqwest::Response| {
        answer
            .headers()
            .get(SET_COOKIE)
            .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
    };

    // No password yet: a password sign-in is refused like a wrong one.
    let refused = login(PASSWORD).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(session(&refused).is_none());

    // Signed in by the mailed link, ana sets one on her account page.
    form("/login", None, "email=ana%40lumora.example".into())
        .await
        .unwrap();
    let token = mailed_token(setup.dir.path(), "ana@lumora.example");
    let signed = http
        .post(format!("{base}/login/{token}"))
        .send()
        .await
        .unwrap();
    let cookie = session(&signed).unwrap();
    let page = http
        .get(format!("{base}/account"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Set password"), "{page}");
    let token = csrf(&page);
    let set = |password: &str, repeat: &str, csrf: &str| {
        form(
            "/account",
            Some(&cookie),
            format!(
                "csrf={csrf}&op=set&password={}&repeat={}",
                password.replace(' ', "+"),
                repeat.replace(' ', "+")
            ),
        )
    };
    // Without the form's token, too short, or two different: nothing.
    assert_eq!(
        set(PASSWORD, PASSWORD, "forged").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        set("short", "short", &token).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        set(PASSWORD, "correct horse staple", &token)
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        login(PASSWORD).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let done = set(PASSWORD, PASSWORD, &token).await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.unwrap().contains("Your password is set"));
    // Ana is told by mail, so a change she did not make is seen.
    wait_for("the notice", std::time::Duration::from_secs(30), || {
        outbox_subjects(setup.dir.path())
            .contains(&"[Vigia] Your inbox password changed".to_string())
    });
    // Once set, it is changed or removed only with it.
    let remove = |current: &str| {
        form(
            "/account",
            Some(&cookie),
            format!(
                "csrf={token}&op=remove&current={}",
                current.replace(' ', "+")
            ),
        )
    };
    assert_eq!(
        remove("not my password").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let hash = stored_hash(&setup).unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("horse"), "{hash}");

    // Now it signs in at once, and a wrong one does not.
    let wrong = login("correct horse staple").await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(session(&wrong).is_none());
    let good = login(PASSWORD).await.unwrap();
    assert_eq!(good.status(), StatusCode::SEE_OTHER);
    assert_eq!(good.headers()[LOCATION], "/");
    let second = session(&good).unwrap();
    let inbox = http
        .get(format!("{base}/"))
        .header(COOKIE, &second)
        .send()
        .await
        .unwrap();
    assert_eq!(inbox.status(), StatusCode::OK);
    // Another site's form cannot sign anyone in.
    let elsewhere = http
        .post(format!("{base}/login"))
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "email=ana%40lumora.example&password={}",
            PASSWORD.replace(' ', "+")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);

    // Five wrong passwords hold the address back, the right one too.
    for _ in 0..5 {
        login("guess guess guess").await.unwrap();
    }
    let held = login(PASSWORD).await.unwrap();
    assert_eq!(held.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(session(&held).is_none());

    // An admin's reset forgets the password and ends both sessions.
    let out = stdout(&setup.vigia(&["users", "reset", "ana@lumora.example"]));
    assert!(
        out.contains("password forgotten, 2 sessions ended"),
        "{out}"
    );
    for cookie in [&cookie, &second] {
        let answer = http
            .get(format!("{base}/"))
            .header(COOKIE, cookie.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(stored_hash(&setup), None);

    // Guesses sent all at once are counted before they are checked: five
    // are weighed, the rest held back.
    let guesses = (0..20).map(|i| {
        form(
            "/login",
            None,
            format!("email=tom%40lumora.example&password=guess+number+{i}"),
        )
    });
    let answers = futures_util::future::join_all(guesses).await;
    let weighed = answers
        .iter()
        .filter(|a| a.as_ref().unwrap().status() == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(weighed, 5);
    drop(daemon);
}
