//! `vigia users add|list|remove|reset`: people an admin lets into the web
//! inbox beside the config's team recipients, and their sign-ins.

use anyhow::bail;
use clap::{Args, Subcommand};

use super::followup::login_user;
use super::output::{clean, time};
use crate::config::Config;
use crate::store::users::{self, User};
use crate::store::{self as db};

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Let someone into the inbox, on these teams (or as an admin); again
    /// for someone added before, replaces their teams.
    Add(AddArgs),
    /// Everyone added, with their teams.
    List,
    /// Take someone out of the inbox and end their sessions.
    Remove {
        /// Their address.
        email: String,
    },
    /// Forget someone's inbox password and end their sessions (a lost
    /// laptop, a leaked password): they sign in again by mailed link.
    Reset {
        /// Their address.
        email: String,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Their address.
    email: String,
    /// A team they belong to (repeat for several).
    #[arg(long = "team")]
    teams: Vec<String>,
    /// They see and act on every team's mentions.
    #[arg(long)]
    admin: bool,
}

pub async fn run(config: Config, command: UsersCommand) -> anyhow::Result<()> {
    let store = super::open_store(&config)?;
    match command {
        UsersCommand::Add(args) => {
            let email = crate::people::address(&args.email);
            if !email.contains('@') || email.contains(char::is_whitespace) {
                bail!("{:?} is not an email address", args.email);
            }
            let known: Vec<&str> = config
                .policy
                .settings
                .teams
                .iter()
                .map(|t| &*t.name)
                .collect();
            if let Some(unknown) = args.teams.iter().find(|t| !known.contains(&t.as_str())) {
                bail!(
                    "no team {unknown:?} in the config (teams: {})",
                    known.join(", ")
                );
            }
            if args.teams.is_empty() && !args.admin {
                bail!("give at least one --team, or --admin");
            }
            let user = User {
                email: email.clone(),
                teams: args.teams,
                admin: args.admin,
                added_at: db::now(),
                added_by: login_user(),
            };
            store.write(move |tx| users::add(tx, &user)).await?;
            println!("{email} may sign in to the inbox.");
        }
        UsersCommand::List => {
            let list = store.call(|c| users::list(c)).await?;
            if list.is_empty() {
                println!(
                    "Nobody added (team recipients in the config sign in without being added)."
                );
            }
            for u in list {
                let teams = if u.admin {
                    "admin".to_string()
                } else {
                    u.teams.join(", ")
                };
                println!(
                    "{}  {}  added {} by {}",
                    clean(&u.email, 200),
                    clean(&teams, 200),
                    time(Some(u.added_at)),
                    clean(&u.added_by, 60)
                );
            }
        }
        UsersCommand::Remove { email } => {
            let email = crate::people::address(&email);
            let key = email.clone();
            let removed = store
                .write(move |tx| users::remove(tx, &key, db::now()))
                .await?;
            if !removed {
                bail!(
                    "{email} was not added (a team recipient is removed from the config instead)"
                );
            }
            println!("{email} may no longer sign in; their sessions are ended.");
        }
        UsersCommand::Reset { email } => {
            let email = crate::people::address(&email);
            let key = email.clone();
            let (password, sessions) = store
                .write(move |tx| users::reset(tx, &key, db::now()))
                .await?;
            let password = if password {
                "password forgotten"
            } else {
                "no password was set"
            };
            println!("{email}: {password}, {sessions} sessions ended; they sign in again by mailed link.");
        }
    }
    Ok(())
}
