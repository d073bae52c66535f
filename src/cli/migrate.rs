//! `vigia migrate`: moves an installation from its SQLite file to a
//! PostgreSQL database, where several daemons can share it.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Args;

use crate::secret::PasswordSource;
use crate::store::{copy, Place, Store};

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The SQLite database to move (`sqlite:PATH`, or its path).
    #[arg(long, value_name = "sqlite:PATH")]
    from: String,
    /// The empty PostgreSQL database to move it to
    /// (`postgres://user@host/db`, no password).
    #[arg(long, value_name = "URL")]
    to: String,
    /// Environment variable holding the PostgreSQL password.
    #[arg(long, value_name = "VAR", conflicts_with = "password_file")]
    password_env: Option<String>,
    /// File holding the PostgreSQL password.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// A private CA to trust for the server's certificate (PEM).
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
}

pub fn run(args: &MigrateArgs) -> anyhow::Result<()> {
    let path = Path::new(args.from.strip_prefix("sqlite:").unwrap_or(&args.from));
    if !path.is_file() {
        bail!("--from {}: no such database file", path.display());
    }
    let with_password =
        |u: url::Url| u.password().is_some() || u.query_pairs().any(|(k, _)| k == "password");
    if url::Url::parse(&args.to).is_ok_and(with_password) {
        bail!("--to has a password; give it with --password-env or --password-file");
    }
    let password = match (&args.password_env, &args.password_file) {
        (Some(var), _) => Some(PasswordSource::Env(var.clone())),
        (None, Some(file)) => Some(PasswordSource::File(file.clone())),
        (None, None) => None,
    };
    let from = Store::open(path)?;
    let place = Place::Postgres {
        url: args.to.clone(),
        password,
        ca_file: args.ca_file.clone(),
    };
    let to = Store::open_at(place.clone())?;
    let counts = copy::copy(&from, &to)?;
    println!("Moved {} to {place}:", path.display());
    for (table, n) in counts.iter().filter(|(_, n)| *n > 0) {
        println!("  {table:<22} {n:>9}");
    }
    println!(
        "Every table holds as many rows in both. Set [storage] url = \"{place}\" in the config."
    );
    Ok(())
}
