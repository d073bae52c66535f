//! Connecting and logging in: implicit TLS, STARTTLS or (to localhost
//! only, checked by the config) plain, over rustls with the webpki roots
//! plus any CA file the config names.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_imap::{Client, Session};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;

use super::{ImapError, ImapSettings};
use crate::tls::TlsMode;

/// How long connecting, the TLS handshake and login may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection, plain or TLS.
#[derive(Debug)]
pub enum Conn {
    /// Plain TCP (localhost only).
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<TlsStream<TcpStream>>),
}

/// A logged-in session.
pub type ImapSession = Session<Conn>;

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Connects and logs in, within [`CONNECT_TIMEOUT`].
pub async fn open(settings: &ImapSettings, password: &str) -> Result<ImapSession, ImapError> {
    tokio::time::timeout(CONNECT_TIMEOUT, open_inner(settings, password))
        .await
        .map_err(|_| ImapError::Io(format!("connecting to {} timed out", settings.location())))?
}

async fn open_inner(settings: &ImapSettings, password: &str) -> Result<ImapSession, ImapError> {
    let address = (settings.host.as_str(), settings.port);
    let tcp = TcpStream::connect(address)
        .await
        .map_err(|e| ImapError::Io(format!("cannot connect to {}: {e}", settings.location())))?;
    let client = match settings.tls {
        TlsMode::Plain => greeted(Client::new(Conn::Plain(tcp))).await?,
        TlsMode::Implicit => {
            greeted(Client::new(Conn::Tls(Box::new(
                handshake(settings, tcp).await?,
            ))))
            .await?
        }
        TlsMode::StartTls => {
            let mut client = greeted(Client::new(Conn::Plain(tcp))).await?;
            client
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(ImapError::protocol)?;
            let Conn::Plain(tcp) = client.into_inner() else {
                return Err(ImapError::Io("STARTTLS on a TLS connection".into()));
            };
            Client::new(Conn::Tls(Box::new(handshake(settings, tcp).await?)))
        }
    };
    client
        .login(&settings.user, password)
        .await
        .map_err(|(e, _)| ImapError::Login {
            user: settings.user.clone(),
            location: settings.location(),
            reason: e.to_string(),
        })
}

async fn greeted(mut client: Client<Conn>) -> Result<Client<Conn>, ImapError> {
    match client.read_response().await {
        Some(Ok(_)) => Ok(client),
        Some(Err(e)) => Err(ImapError::Io(format!("reading the server greeting: {e}"))),
        None => Err(ImapError::Io(
            "the server closed the connection before greeting".into(),
        )),
    }
}

async fn handshake(
    settings: &ImapSettings,
    tcp: TcpStream,
) -> Result<TlsStream<TcpStream>, ImapError> {
    let config =
        crate::tls::client_config(settings.ca_file.as_deref()).map_err(ImapError::Config)?;
    let name = ServerName::try_from(settings.host.clone()).map_err(|e| {
        ImapError::Config(format!("{:?} is not a TLS server name: {e}", settings.host))
    })?;
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| ImapError::Io(format!("TLS with {} failed: {e}", settings.location())))
}
