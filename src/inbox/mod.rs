//! The web inbox: where a team acts on what Vigia routed to it.
//!
//! Served by the daemon on `[web] listen` (loopback by default, behind the
//! user's reverse proxy for TLS), server-rendered with maud (escaping by
//! default), usable without JavaScript. A team member signs in with a
//! one-time link mailed through the outbox ([`auth`]), sees the open
//! mentions routed to their teams, most severe first, filters and
//! searches them, and acknowledges, resolves, ignores or reopens them,
//! alone or in bulk, with a note; every step is recorded with who did it,
//! as `vigia mentions` records its own. Another team's mention answers 404.
//!
//! Every answer carries a Content-Security-Policy that allows no script
//! at all and styles only from the inbox itself; every state change is a
//! POST carrying the session's CSRF token.

mod act;
pub mod auth;
mod login;
mod mentions;
mod overview;
mod pages;
mod password;

pub use mentions::Filters;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use lettre::message::Mailbox;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use self::pages::Page;
use crate::config::{Config, WebSettings};
use crate::people::{People, Viewer};
use crate::store::{self as db, users, web, Store, StoreError};

/// Mentions an inbox page lists at most.
const PAGE_SIZE: usize = 100;

/// What the inbox serves from: the store, who may sign in, and how.
#[derive(Debug)]
pub struct Inbox {
    store: Store,
    settings: WebSettings,
    /// Who may sign in: changed by a reload.
    people: std::sync::RwLock<People>,
    /// The sender of sign-in mails (`[mail] from`).
    from: Mailbox,
    tz: chrono_tz::Tz,
    /// The path it is served under, from `base_url` (`""` at the root).
    prefix: String,
    /// Checks the one-click links of mail.
    links: crate::links::MailLinks,
    /// The subject window (seconds) and the count from which a subject
    /// is "act".
    subjects: (i64, u32),
    /// Password hashes computed at once (each takes ~19 MiB and tens of
    /// milliseconds of a core): guesses spread over many addresses queue
    /// here instead of taking the machine.
    hashing: tokio::sync::Semaphore,
}

/// Why the inbox cannot start.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// `[mail] from` is not an address to send sign-in links from.
    #[error("[mail] from {0:?} is not an address to mail sign-in links from")]
    From(String),
    /// The key of one-click links cannot be read or made.
    #[error("cannot check the links in mail: {0}")]
    LinkKey(#[from] crate::links::KeyError),
    /// The port is taken or not ours.
    #[error("listening on {addr} (web.listen): {error}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
}

impl Inbox {
    /// The inbox of `config`, on `store`; None when `[web]` is off.
    pub fn new(config: &Config, store: Store) -> Result<Option<Inbox>, InboxError> {
        let Some(settings) = config.web.clone() else {
            return Ok(None);
        };
        let from = config
            .mail
            .from
            .parse()
            .map_err(|_| InboxError::From(config.mail.from.clone()))?;
        let prefix = settings.base_url.path().trim_end_matches('/').to_string();
        let links = settings.mail_links(config.signer()?);
        let policy = &config.policy.settings;
        Ok(Some(Inbox {
            links,
            hashing: tokio::sync::Semaphore::new(2),
            subjects: (policy.subject_window.as_secs() as i64, policy.act_at),
            people: std::sync::RwLock::new(People::new(
                &config.policy.settings.teams,
                &settings.admins,
            )),
            store,
            settings,
            from,
            tz: config.digest.tz,
            prefix,
        }))
    }

    /// Where it listens.
    pub fn listen(&self) -> SocketAddr {
        self.settings.listen
    }

    /// Takes the teams and admins of a reloaded `config`; where it listens
    /// and its address are fixed at start (said in the log when changed).
    pub fn reload(&self, config: &Config) {
        let admins = config.web.as_ref().map_or(&[][..], |w| &w.admins[..]);
        let people = People::new(&config.policy.settings.teams, admins);
        if let Ok(mut current) = self.people.write() {
            *current = people;
        }
        let fixed = config
            .web
            .as_ref()
            .map(|w| (w.listen, &w.base_url, w.session));
        if fixed
            != Some((
                self.settings.listen,
                &self.settings.base_url,
                self.settings.session,
            ))
        {
            warn!(
                "[web] listen, base_url or session changed: they take effect when Vigia restarts."
            );
        }
    }

    /// Whether `email` may sign in: on a team of the config, an admin, or
    /// added with `vigia users add`.
    async fn knows(&self, email: &str) -> Result<bool, StoreError> {
        if self.people.read().is_ok_and(|p| p.knows(email)) {
            return Ok(true);
        }
        let email = email.to_string();
        let added = self.store.read(move |c| users::get(c, &email)).await?;
        Ok(added.is_some())
    }

    /// The members of each team, by team: the config's, and `added` (by
    /// `vigia users add`).
    fn members(&self, added: &[users::User]) -> std::collections::HashMap<String, Vec<String>> {
        let members = self.people.read().map(|p| p.members()).unwrap_or_default();
        with_added(members, added)
    }

    /// The viewer `email` would be, when still on a team (or an admin,
    /// or added by `vigia users add`).
    async fn viewer_of(&self, email: &str) -> Result<Option<Viewer>, StoreError> {
        let key = email.to_string();
        let added = self.store.read(move |c| users::get(c, &key)).await?;
        let people = self
            .people
            .read()
            .map_err(|_| StoreError::Task("people lock".into()))?;
        Ok(people.viewer_with(email, String::new(), added.as_ref()))
    }

    fn page(&self) -> Page<'_> {
        Page {
            prefix: &self.prefix,
            tz: self.tz,
        }
    }

    /// A path of the inbox, under its prefix.
    fn path(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    /// The signed-in viewer of a request, when its session is open and
    /// its address still belongs to a team.
    async fn viewer(&self, headers: &HeaderMap) -> Result<Option<Viewer>, StoreError> {
        let Some(secret) = auth::session_cookie(headers) else {
            return Ok(None);
        };
        let hash = auth::hashed(&secret);
        let found = self
            .store
            .read(move |c| {
                let Some(session) = web::session(c, &hash, db::now())? else {
                    return Ok(None);
                };
                let added = users::get(c, &session.email)?;
                Ok(Some((session, added)))
            })
            .await?;
        let people = self
            .people
            .read()
            .map_err(|_| StoreError::Task("people lock".into()))?;
        Ok(found.and_then(|(s, added)| people.viewer_with(&s.email, s.csrf, added.as_ref())))
    }
}

/// `members` (by team) with the people `vigia users add` put on teams.
fn with_added(
    mut members: std::collections::HashMap<String, Vec<String>>,
    added: &[users::User],
) -> std::collections::HashMap<String, Vec<String>> {
    for user in added {
        for team in &user.teams {
            let list = members.entry(team.clone()).or_default();
            if !list.contains(&user.email) {
                list.push(user.email.clone());
            }
        }
    }
    members
}

/// Binds the listener; done at start-up so a taken port fails loudly.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, InboxError> {
    TcpListener::bind(addr)
        .await
        .map_err(|error| InboxError::Listen { addr, error })
}

/// Serves the inbox until `shutdown`.
pub async fn serve(listener: TcpListener, inbox: Arc<Inbox>, shutdown: CancellationToken) {
    if let Ok(addr) = listener.local_addr() {
        info!(%addr, base_url = %inbox.settings.base_url, "Serving the web inbox.");
    }
    let app = Router::new()
        .route("/", get(mentions::list))
        .route("/login", get(login::form).post(login::request))
        .route("/login/{token}", get(login::confirm).post(login::redeem))
        .route("/logout", post(login::logout))
        .route("/account", get(password::account).post(password::change))
        .route("/mentions/{id}", get(mentions::mention).post(mentions::act))
        .route("/bulk", post(mentions::bulk))
        .route("/proposals", get(mentions::proposed))
        .route("/overview", get(overview::overview))
        .route("/subjects", get(overview::subjects))
        .route("/sources", get(overview::health))
        .route("/act/{token}", get(act::confirm).post(act::take))
        .route("/static/vigia.css", get(stylesheet))
        .layer(axum::middleware::map_response(protect))
        .with_state(inbox);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.clone().cancelled_owned())
        .await;
    if let Err(error) = served {
        warn!(%error, "The web inbox stopped.");
    }
}

/// How often the inbox forgets expired sign-ins, sessions and link uses.
pub const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Forgets, every [`PRUNE_EVERY`] until `shutdown`, what can no longer be
/// used; a used link's nonce is kept twice the links' lifetime.
pub async fn prune(inbox: Arc<Inbox>, shutdown: CancellationToken) {
    loop {
        let keep = 2 * inbox.settings.link_lifetime.as_secs() as i64;
        let pruned = inbox
            .store
            .write(move |tx| {
                let now = db::now();
                web::prune(tx, now, now - keep)
            })
            .await;
        match pruned {
            Ok(0) => {}
            Ok(rows) => info!(rows, "Forgot expired sign-ins, sessions and link uses."),
            Err(error) => warn!(%error, "Cannot forget expired sign-ins; trying again later."),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(PRUNE_EVERY) => {}
        }
    }
}

/// What every answer carries: no script may run, styles and forms only
/// from here, no framing, no referrer leaking a link's token.
async fn protect(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    }
    response
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("vigia.css"),
    )
        .into_response()
}

/// A store failure, said plainly (the details go to the log).
fn failed(inbox: &Inbox, error: &StoreError) -> Response {
    warn!(%error, "The web inbox could not read or write the database.");
    let page = pages::message(
        &inbox.page(),
        None,
        "Something went wrong",
        "The database could not be reached; try again in a moment.",
    );
    (StatusCode::SERVICE_UNAVAILABLE, page).into_response()
}

/// Whether a POST came from another site's page (`Sec-Fetch-Site`, which
/// browsers send): a sign-in or a mailed step is taken only from this
/// inbox's own button, never by a form elsewhere.
fn cross_site(headers: &HeaderMap) -> bool {
    // A sibling subdomain is another site too (same-site, not
    // same-origin); no header at all is an older browser or a script.
    headers
        .get("sec-fetch-site")
        .is_some_and(|v| matches!(v.as_bytes(), b"cross-site" | b"same-site"))
}

/// The answer to a POST from another site's page.
fn refused_cross_site(inbox: &Inbox) -> Response {
    let page = pages::message(
        &inbox.page(),
        None,
        "Not done",
        "This was sent from another site's page: nothing changed. Use the button on this inbox's own page.",
    );
    (StatusCode::FORBIDDEN, page).into_response()
}

/// The fields of a form or query string.
fn fields(text: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.trim())
}

/// The viewer of a request, or the answer to give instead: the sign-in
/// page when nobody is signed in.
async fn signed_in(inbox: &Inbox, headers: &HeaderMap) -> Result<Viewer, Response> {
    match inbox.viewer(headers).await {
        Ok(Some(viewer)) => Ok(viewer),
        Ok(None) => Err(Redirect::to(&inbox.path("/login")).into_response()),
        Err(error) => Err(failed(inbox, &error)),
    }
}

/// The viewer of a form's POST and its fields, when its CSRF token is the
/// session's.
async fn posted(
    inbox: &Inbox,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Viewer, Vec<(String, String)>), Response> {
    let viewer = signed_in(inbox, headers).await?;
    let form = fields(&String::from_utf8_lossy(body));
    match field(&form, "csrf") {
        Some(token) if crate::links::same_token(token, &viewer.csrf) => Ok((viewer, form)),
        _ => {
            let page = pages::message(
                &inbox.page(),
                Some(&viewer),
                "Not done",
                "This form was not sent from this inbox (or its page is too old): nothing changed. Reload the page and try again.",
            );
            Err((StatusCode::FORBIDDEN, page).into_response())
        }
    }
}
