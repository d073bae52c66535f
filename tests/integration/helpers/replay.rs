//! A local server replaying a provider's answers: by path and, for later
//! pages, by one query parameter (`after=…`, `page=…`, `cursor=…`),
//! recording each request's query and `Authorization`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, Response};
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;

use super::{error_of, fixture, now, serve_app, setup_with, Setup};

/// An answer the replay server gives.
#[derive(Clone)]
pub struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
}

impl Answer {
    /// A fixture as JSON.
    pub fn json(name: &str) -> Answer {
        Answer::body("application/json; charset=utf-8", name)
    }

    /// A fixture as a feed.
    pub fn xml(name: &str) -> Answer {
        Answer::body("application/rss+xml; charset=utf-8", name)
    }

    /// This JSON.
    pub fn inline(json: &str) -> Answer {
        Answer {
            status: 200,
            content_type: "application/json",
            body: json.as_bytes().to_vec(),
            headers: Vec::new(),
        }
    }

    fn body(content_type: &'static str, name: &str) -> Answer {
        Answer {
            status: 200,
            content_type,
            body: fixture(&format!("tests/fixtures/search/{name}")),
            headers: Vec::new(),
        }
    }

    /// The HTML page a provider shows when it is overloaded, as a 200.
    pub fn busy_page() -> Answer {
        Answer {
            status: 200,
            content_type: "text/html; charset=utf-8",
            body: b"<!doctype html><html><head><title>Our servers are busy</title></head><body><h1>Whoa there!</h1></body></html>".to_vec(),
            headers: Vec::new(),
        }
    }

    /// 429 Too Many Requests with `Retry-After`.
    pub fn too_many(retry_after: u64) -> Answer {
        Answer {
            status: 429,
            content_type: "application/json",
            body: br#"{"message": "Too Many Requests", "error": 429}"#.to_vec(),
            headers: vec![("retry-after", retry_after.to_string())],
        }
    }

    /// The same answer with a header.
    pub fn with(mut self, name: &'static str, value: &str) -> Answer {
        self.headers.push((name, value.to_string()));
        self
    }

    /// The same answer with another status.
    pub fn status(mut self, status: u16) -> Answer {
        self.status = status;
        self
    }
}

/// One request the replay server had.
#[derive(Debug, Clone)]
pub struct Asked {
    /// Path.
    pub path: String,
    /// Query parameters.
    pub query: HashMap<String, String>,
    /// `Authorization`.
    pub authorization: Option<String>,
}

type Rule = (String, Option<(String, String)>, Answer);

#[derive(Default)]
struct Replayed {
    rules: Vec<Rule>,
    asked: Vec<Asked>,
}

/// A local server answering by path and, for later pages, by one query
/// parameter (`after=…`, `page=…`, `cursor=…`).
pub struct Replay {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    state: Arc<Mutex<Replayed>>,
    stop: CancellationToken,
}

impl Replay {
    pub async fn start() -> Replay {
        let state = Arc::new(Mutex::new(Replayed::default()));
        let app = Router::new()
            .route("/{*path}", get(answer))
            .with_state(state.clone());
        let (base, stop) = serve_app(app).await;
        Replay { base, state, stop }
    }

    /// `path` answers `answer` (when its query has `when`).
    pub fn answer(&self, path: &str, when: Option<(&str, &str)>, answer: Answer) {
        let when = when.map(|(k, v)| (k.to_string(), v.to_string()));
        let mut s = self.lock();
        s.rules.retain(|(p, w, _)| !(p == path && *w == when));
        s.rules.push((path.to_string(), when, answer));
    }

    /// Every request so far.
    pub fn asked(&self) -> Vec<Asked> {
        self.lock().asked.clone()
    }

    /// Requests whose query had `param` = `value`.
    pub fn asked_for(&self, param: &str, value: &str) -> usize {
        self.asked()
            .iter()
            .filter(|a| a.query.get(param).map(String::as_str) == Some(value))
            .count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Replayed> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn answer(
    State(state): State<Arc<Mutex<Replayed>>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response<Body> {
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    s.asked.push(Asked {
        path: uri.path().to_string(),
        query: query.clone(),
        authorization: headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    });
    let on_path = |(p, _, _): &&Rule| p == uri.path();
    let found = s
        .rules
        .iter()
        .filter(on_path)
        .find(|(_, when, _)| when.as_ref().is_some_and(|(k, v)| query.get(k) == Some(v)))
        .or_else(|| {
            s.rules
                .iter()
                .filter(on_path)
                .find(|(_, when, _)| when.is_none())
        });
    let Some((_, _, a)) = found else {
        return Response::builder()
            .status(404)
            .body(Body::from("no such page"))
            .unwrap();
    };
    let mut response = Response::builder()
        .status(a.status)
        .header(header::CONTENT_TYPE, a.content_type);
    for (name, value) in &a.headers {
        response = response.header(*name, value);
    }
    response.body(Body::from(a.body.clone())).unwrap()
}

pub fn search(table: &str) -> Setup {
    setup_with(&[], &format!("\n[[search]]\nname = \"s\"\n{table}\n"))
}

/// An error page and a rate-limit answer at `path`: each fails the poll
/// with what the provider said, keeps every mention, and the rate limit
/// is waited out.
pub async fn survives_errors(setup: &Setup, replay: &Replay, (path, id): (&str, &str)) {
    let before = setup.mentions().len();
    replay.answer(path, None, Answer::busy_page());
    let reports = setup.poll(false).await;
    let error = error_of(&reports, id);
    assert!(
        error.contains("Our servers are busy") || error.contains("HTML page"),
        "the error says what came instead: {error}"
    );
    assert_eq!(setup.mentions().len(), before, "nothing lost");
    replay.answer(path, None, Answer::too_many(900));
    let reports = setup.poll(false).await;
    assert!(error_of(&reports, id).contains("429"), "{reports:?}");
    let state = setup.state(id);
    assert!(
        state.next_check_at >= now() + 890,
        "Retry-After is waited out: next check in {} s",
        state.next_check_at - now()
    );
    assert_eq!(setup.mentions().len(), before, "nothing lost");
}

pub fn by_title<'a>(
    mentions: &'a [vigia::store::mentions::MentionRow],
    title: &str,
) -> &'a vigia::store::mentions::MentionRow {
    mentions
        .iter()
        .find(|m| m.title == title)
        .unwrap_or_else(|| {
            let titles: Vec<&str> = mentions.iter().map(|m| m.title.as_str()).collect();
            panic!("no mention titled {title:?} in {titles:?}")
        })
}
