//! A feed server on 127.0.0.1 and the plumbing to point Vigia at it.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, Response, StatusCode};
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;
use vigia::config::Config;
use vigia::daemon::Runtime;
use vigia::poll::PollReport;
use vigia::store::mentions::{self, MentionFilter, MentionRow};
use vigia::store::sources::{self, SourceState};

// The store's own tests start their PostgreSQL servers with this file too.
#[path = "../../src/store/testing/postgres.rs"]
pub mod postgres;
pub mod process;
pub mod replay;
mod webdriver;
pub use process::*;
pub use webdriver::Browser;

/// Root of the repository.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture file's bytes.
pub fn fixture(rel: &str) -> Vec<u8> {
    let path = repo().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A response a path gives.
#[derive(Clone)]
pub enum Reply {
    /// A feed body with an ETag derived from it; honours If-None-Match.
    Feed(Vec<u8>),
    /// The same, gzip-compressed on the wire.
    Gzip(Vec<u8>),
    /// A feed body after a delay.
    Slow(Duration, Vec<u8>),
    /// A bare status, with optional Retry-After seconds.
    Status(u16, Option<u64>),
    /// A redirect with this status to this path.
    Redirect(u16, String),
    /// This many bytes of XML-ish filler.
    Huge(usize),
    /// The same, streamed in chunks with no Content-Length.
    Chunked(usize),
    /// A body of this content type (an HTML page, a robots.txt), with an
    /// ETag; honours If-None-Match.
    Page(Vec<u8>, &'static str),
    /// A feed that publishes a new brand item every so often (since the
    /// server started), keeping the latest ten.
    Growing(Duration),
}

struct ServerState {
    started: Instant,
    replies: HashMap<String, Reply>,
    hits: HashMap<String, Vec<u16>>,
    conditional: HashMap<String, usize>,
    authorization: HashMap<String, Vec<Option<String>>>,
    in_flight: usize,
    max_in_flight: usize,
    times: Vec<(String, Instant)>,
}

/// Serves `app` on a free port of 127.0.0.1 until the token is cancelled;
/// returns `http://127.0.0.1:PORT` and the token.
pub async fn serve_app(app: Router) -> (String, CancellationToken) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    let token = stop.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(token.cancelled_owned())
            .await;
    });
    (base, stop)
}

/// An HTTP server on 127.0.0.1 serving whatever [`FeedServer::set`] says.
pub struct FeedServer {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    state: Arc<Mutex<ServerState>>,
    stop: CancellationToken,
}

impl FeedServer {
    /// Starts the server on a free port.
    pub async fn start() -> FeedServer {
        let state = Arc::new(Mutex::new(ServerState {
            started: Instant::now(),
            replies: HashMap::new(),
            hits: HashMap::new(),
            conditional: HashMap::new(),
            authorization: HashMap::new(),
            in_flight: 0,
            max_in_flight: 0,
            times: Vec::new(),
        }));
        let app = Router::new()
            .route("/{*path}", get(serve))
            .with_state(state.clone());
        let (base, stop) = serve_app(app).await;
        FeedServer { base, state, stop }
    }

    /// Makes `path` (starting with `/`) answer with `reply`.
    pub fn set(&self, path: &str, reply: Reply) {
        self.lock().replies.insert(path.to_string(), reply);
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Statuses served for `path`, in order.
    pub fn hits(&self, path: &str) -> Vec<u16> {
        self.lock().hits.get(path).cloned().unwrap_or_default()
    }

    /// Requests to `path` that carried If-None-Match or If-Modified-Since.
    pub fn conditional(&self, path: &str) -> usize {
        self.lock()
            .conditional
            .get(path)
            .copied()
            .unwrap_or_default()
    }

    /// The Authorization header of each request to `path`.
    pub fn authorization(&self, path: &str) -> Vec<Option<String>> {
        self.lock()
            .authorization
            .get(path)
            .cloned()
            .unwrap_or_default()
    }

    /// Most requests this server ever had in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.lock().max_in_flight
    }

    /// Every request, in order, as (path, when it arrived).
    pub fn requests(&self) -> Vec<(String, Instant)> {
        self.lock().times.clone()
    }

    /// Requests served in all.
    pub fn total_hits(&self) -> usize {
        self.lock().hits.values().map(Vec::len).sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ServerState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn serve(
    State(state): State<Arc<Mutex<ServerState>>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response<Body> {
    // Keyed by path and query: list pages are paged by query.
    let path = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string());
    let (reply, started) = {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        s.in_flight += 1;
        s.max_in_flight = s.max_in_flight.max(s.in_flight);
        s.times.push((path.clone(), Instant::now()));
        (s.replies.get(&path).cloned(), s.started)
    };
    let conditional = headers.contains_key(header::IF_NONE_MATCH)
        || headers.contains_key(header::IF_MODIFIED_SINCE);
    let response = match reply {
        None => status(404, None),
        Some(Reply::Feed(body)) => feed(body, &headers, false),
        Some(Reply::Page(body, content_type)) => {
            let mut response = feed(body, &headers, false);
            if let Ok(value) = header::HeaderValue::from_str(content_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            response
        }
        Some(Reply::Gzip(body)) => feed(body, &headers, true),
        Some(Reply::Growing(every)) => {
            let published = (started.elapsed().as_millis() / every.as_millis().max(1)) as usize;
            feed(growing(&path, published), &headers, false)
        }
        Some(Reply::Slow(delay, body)) => {
            tokio::time::sleep(delay).await;
            feed(body, &headers, false)
        }
        Some(Reply::Status(code, retry)) => status(code, retry),
        Some(Reply::Redirect(code, to)) => Response::builder()
            .status(code)
            .header(header::LOCATION, to)
            .body(Body::empty())
            .unwrap_or_default(),
        Some(Reply::Huge(n)) => {
            let mut body = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>".to_vec();
            body.resize(n, b'x');
            Response::new(Body::from(body))
        }
        Some(Reply::Chunked(n)) => {
            let chunks =
                (0..n.div_ceil(16 * 1024)).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 16 * 1024]));
            Response::new(Body::from_stream(futures_util::stream::iter(chunks)))
        }
    };
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    s.in_flight -= 1;
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    s.authorization.entry(path.clone()).or_default().push(auth);
    s.hits
        .entry(path.clone())
        .or_default()
        .push(response.status().as_u16());
    if conditional {
        *s.conditional.entry(path).or_default() += 1;
    }
    response
}

/// The feed at `path` once `published` items came out: the latest ten,
/// each a different brand story in made-up words of its own.
fn growing(path: &str, published: usize) -> Vec<u8> {
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ren", "tu", "sa", "vel", "no", "pri", "da", "gor", "fe", "lin", "bo",
        "zu", "ter", "ma", "qui", "sol", "har", "ne", "cas", "vi", "om", "ple", "dru",
    ];
    let mut items = String::new();
    for k in published.saturating_sub(9)..=published {
        let words: Vec<String> = (0..14u64)
            .map(|w| {
                let seed = xxhash_rust::xxh3::xxh3_64(format!("{path}#{k}#{w}").as_bytes());
                (0..3)
                    .map(|s| SYLLABLES[(seed >> (s * 8)) as usize % SYLLABLES.len()])
                    .collect()
            })
            .collect();
        items.push_str(&format!(
            "<item><title>Lumora {} {k}</title><link>https://news.example{path}/{k}</link>\
             <guid>{path}/{k}</guid><description>{}</description></item>",
            words[..5].join(" "),
            words.join(" ")
        ));
    }
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{path}</title>{items}</channel></rss>")
        .into_bytes()
}

fn feed(body: Vec<u8>, headers: &HeaderMap, gzip: bool) -> Response<Body> {
    let etag = format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&body));
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Response::builder()
            .status(304)
            .header(header::ETAG, etag)
            .body(Body::empty())
            .unwrap_or_default();
    }
    let builder = Response::builder()
        .header(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")
        .header(header::ETAG, etag)
        .header(header::LAST_MODIFIED, "Fri, 20 Nov 2026 10:00:00 GMT");
    if gzip {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&body).unwrap();
        let compressed = encoder.finish().unwrap();
        return builder
            .header(header::CONTENT_ENCODING, "gzip")
            .body(Body::from(compressed))
            .unwrap_or_default();
    }
    builder.body(Body::from(body)).unwrap_or_default()
}

fn status(code: u16, retry_after: Option<u64>) -> Response<Body> {
    let mut builder =
        Response::builder().status(StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT));
    if let Some(secs) = retry_after {
        builder = builder.header(header::RETRY_AFTER, secs.to_string());
    }
    builder.body(Body::from("error page")).unwrap_or_default()
}

/// A temp dir with a config file in it.
pub struct Setup {
    /// The directory (removed on drop).
    pub dir: tempfile::TempDir,
    /// The config file.
    pub config: PathBuf,
}

/// The Lumora brand and the given feeds, with short timeouts and a small
/// body cap so the failure tests are quick.
pub fn setup(feeds: &[(&str, String)]) -> Setup {
    setup_with(feeds, "")
}

/// As [`setup`], with extra TOML appended.
pub fn setup_with(feeds: &[(&str, String)], extra: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vigia.toml");
    std::fs::write(&config, config_text(feeds, extra)).unwrap();
    Setup { dir, config }
}

/// The config [`setup_with`] writes.
pub fn config_text(feeds: &[(&str, String)], extra: &str) -> String {
    let mut toml = String::from(
        r#"
[storage]
path = "vigia.db"

[http]
request_timeout = "2s"
read_timeout = "2s"
max_body_size = "256KiB"

[poll]
interval = "15m"
min_backoff = "1m"
max_backoff = "6h"

[[brand]]
name = "Lumora"
queries = ['Lumora -"job opening"', '"Halo A19" OR "Halo Mini"']
"#,
    );
    toml.push_str(extra);
    for (name, url) in feeds {
        toml.push_str(&format!("\n[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\n"));
    }
    toml
}

impl Setup {
    /// The validated config.
    pub fn load(&self) -> Config {
        Config::load(&self.config).unwrap()
    }

    /// The database file.
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("vigia.db")
    }

    /// One poll cycle in-process; `only_due` skips sources backing off.
    pub async fn poll(&self, only_due: bool) -> Vec<PollReport> {
        let runtime = Runtime::start(&self.load()).await.unwrap();
        runtime
            .poll_cycle(only_due, &CancellationToken::new())
            .await
            .unwrap()
    }

    /// Every stored mention, newest first.
    pub fn mentions(&self) -> Vec<MentionRow> {
        let store = vigia::store::Store::open(&self.db()).unwrap();
        store
            .call_blocking(|c| mentions::list(c, &MentionFilter::default()))
            .unwrap()
    }

    /// A source's stored state.
    pub fn state(&self, id: &str) -> SourceState {
        let store = vigia::store::Store::open(&self.db()).unwrap();
        let id = id.to_string();
        store
            .call_blocking(move |c| sources::load(c, &id))
            .unwrap()
            .unwrap_or_else(|| panic!("no state"))
    }

    /// Runs the `vigia` binary with this config.
    pub fn vigia(&self, args: &[&str]) -> std::process::Output {
        vigia_cmd(&self.config)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("running vigia: {e}"))
    }
}

/// A command's standard output, after checking that it succeeded.
pub fn stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A `vigia --config CONFIG` command.
pub fn vigia_cmd(config: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_vigia"));
    cmd.arg("--config").arg(config);
    cmd
}

/// Report for `id` in `reports`.
pub fn report<'a>(reports: &'a [PollReport], id: &str) -> &'a PollReport {
    reports
        .iter()
        .find(|r| r.source_id == id)
        .unwrap_or_else(|| panic!("no report for {id}: {reports:?}"))
}

/// The error `id` reported, or an empty string.
pub fn error_of(reports: &[PollReport], id: &str) -> String {
    report(reports, id).error.clone().unwrap_or_default()
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    vigia::store::now()
}

/// A server with the three Lumora sample feeds (the Atom one gzipped).
pub async fn lumora_server() -> FeedServer {
    let server = FeedServer::start().await;
    server.set(
        "/tech.xml",
        Reply::Feed(fixture("config/feeds/tech-news.rss2.xml")),
    );
    server.set(
        "/forum.atom",
        Reply::Gzip(fixture("config/feeds/reclamacoes.atom.xml")),
    );
    server.set(
        "/wire.rdf",
        Reply::Feed(fixture("config/feeds/press.rss1.xml")),
    );
    server
}

/// Their URLs, as (name, url) for [`setup`].
pub fn lumora_feeds(server: &FeedServer) -> Vec<(&'static str, String)> {
    vec![
        ("tech", server.url("/tech.xml")),
        ("forum", server.url("/forum.atom")),
        ("wire", server.url("/wire.rdf")),
    ]
}
