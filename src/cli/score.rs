//! `vigia score`: the sentiment of a text, or of each line of standard input.

use std::io::{BufRead, BufWriter, Write};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use crate::sentiment::{Language, Scorers, Sentiment, Thresholds};

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The text to score. Without it, standard input is scored one text a line.
    text: Option<String>,
    /// Output format: one line per text, in input order.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Score as this language (en, pt) instead of detecting it.
    #[arg(long)]
    language: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: &ScoreArgs) -> anyhow::Result<()> {
    let allowed: Vec<Language> = match args.language.as_deref() {
        None => Vec::new(),
        Some(code) => match Language::from_code(code) {
            Some(language) => vec![language],
            None => bail!("--language {code:?}: no scorer for it (expected en or pt)"),
        },
    };
    let thresholds = Thresholds::default();
    let scorers = Scorers::new(&[]);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut emit = |text: &str| -> anyhow::Result<()> {
        let scored = scorers.score(text, &allowed, &thresholds);
        writeln!(out, "{}", render(&scored, args.format)?)?;
        Ok(())
    };
    match &args.text {
        Some(text) => emit(text)?,
        None => {
            for line in std::io::stdin().lock().lines() {
                emit(&line.context("reading standard input")?)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn render(s: &Sentiment, format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Json => serde_json::to_string(s)?,
        Format::Text => format!(
            "{:<8} {:+.4}  pos {:.3} neu {:.3} neg {:.3}  [{}, {}]",
            format!("{:?}", s.label).to_lowercase(),
            s.polarity.compound,
            s.polarity.pos,
            s.polarity.neu,
            s.polarity.neg,
            s.language.code(),
            s.lexicon
        ),
    })
}
