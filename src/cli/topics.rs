//! `vigia topics`: recurring subjects, with counts and example quotes.

use anyhow::Context;
use clap::Args;

use super::output::{clean, table, time, TableOrJson};
use crate::config::Config;
use crate::store::topics::{self, Topic};
use crate::store::{self as db};

#[derive(Debug, Args)]
pub struct TopicsArgs {
    /// Only this brand.
    #[arg(long)]
    brand: Option<String>,
    /// How far back to count (default: `[triage] subject_window`, 7d).
    #[arg(long)]
    window: Option<String>,
    /// Example quotes per subject.
    #[arg(long, default_value_t = 2)]
    examples: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableOrJson::Table)]
    format: TableOrJson,
}

pub async fn run(config: Config, args: TopicsArgs) -> anyhow::Result<()> {
    let window = match &args.window {
        Some(w) => humantime::parse_duration(w)
            .with_context(|| format!("--window {w:?}: expected a duration such as \"7d\""))?,
        None => config.policy.settings.subject_window,
    };
    let store = super::open_store(&config)?;
    let since = db::now() - window.as_secs() as i64;
    let act_at = config.policy.settings.act_at;
    let (brand, _) = super::names::checked(&config, &store, args.brand.as_deref(), None).await?;
    let examples = args.examples;
    let found = store
        .call(move |c| {
            let scope = topics::TopicScope {
                brand: brand.as_deref(),
                teams: None,
            };
            topics::topics(c, &scope, since, act_at, examples)
        })
        .await?;
    match args.format {
        TableOrJson::Json => println!("{}", serde_json::to_string_pretty(&found)?),
        TableOrJson::Table => print_table(&found),
    }
    Ok(())
}

fn print_table(found: &[Topic]) {
    if found.is_empty() {
        println!("No subjects in the window.");
        return;
    }
    let cells: Vec<Vec<String>> = found
        .iter()
        .map(|t| {
            let quotes: Vec<String> = t
                .examples
                .iter()
                .map(|(id, quote, _)| format!("#{id} {}", clean(quote, 70)))
                .collect();
            vec![
                t.id.to_string(),
                clean(&t.brand, 20),
                t.count.to_string(),
                t.state.to_string(),
                clean(&t.label, 40),
                time(Some(t.last_seen_at)),
                quotes.join(" | "),
            ]
        })
        .collect();
    table(
        &[
            "ID", "BRAND", "MENTIONS", "STATE", "SUBJECT", "LAST", "EXAMPLES",
        ],
        &cells,
    );
}
