//! `vigia run`: the daemon.

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::config::Config;
use crate::daemon::Runtime;

pub async fn run(config: Config) -> anyhow::Result<()> {
    let runtime = Runtime::start(&config).await.context("starting")?;
    let shutdown = CancellationToken::new();
    let signals = shutdown.clone();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    tokio::spawn(async move {
        let signal = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = tokio::signal::ctrl_c() => "SIGINT",
        };
        // Stop first, then say so: nothing may stand between a signal and
        // the shutdown.
        signals.cancel();
        info!(signal, "Signal received.");
    });
    runtime.run(shutdown).await;
    Ok(())
}
