//! `vigia score`: the sentiment of a text, or of each line of standard input.

use std::io::{BufRead, BufWriter, Write};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use serde::Serialize;

use crate::sentiment::{Explanation, Language, Scorers, Sentiment, Thresholds};

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
    /// Also show which words contributed what, and which rule changed them.
    #[arg(long)]
    explain: bool,
}

/// A score with its explanation, as one JSON object.
#[derive(Serialize)]
struct Explained<'a> {
    #[serde(flatten)]
    sentiment: &'a Sentiment,
    explain: &'a Explanation,
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
        if args.explain {
            let (scored, explanation) = scorers.explain(text, &allowed, &thresholds);
            match args.format {
                Format::Json => {
                    let explained = Explained {
                        sentiment: &scored,
                        explain: &explanation,
                    };
                    writeln!(out, "{}", serde_json::to_string(&explained)?)?;
                }
                Format::Text => {
                    writeln!(out, "{}", render(&scored, args.format)?)?;
                    write!(out, "{}", render_explanation(&explanation))?;
                }
            }
        } else {
            let scored = scorers.score(text, &allowed, &thresholds);
            writeln!(out, "{}", render(&scored, args.format)?)?;
        }
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

/// The words that count, one line per rule applied, then the sum:
///
/// ```text
///   good   +1.9000  lexicon
///          +2.1930  boosted by "very"
///          -1.6228  negated by "not"
///   sum -1.6228, punctuation -0.2920: -1.9148 / √(-1.9148² + 15) = -0.4432
/// ```
fn render_explanation(e: &Explanation) -> String {
    use std::fmt::Write as _;
    let width = e
        .words
        .iter()
        .map(|w| crate::cli::output::clean(&w.word, 40).chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for word in &e.words {
        let mut first = true;
        for step in &word.steps {
            let shown = if first {
                crate::cli::output::clean(&word.word, 40)
            } else {
                String::new()
            };
            first = false;
            let by = step
                .by
                .as_deref()
                .map(|b| format!(" {:?}", crate::cli::output::clean(b, 40)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {shown:<width$}  {:+.4}  {}{by}",
                step.valence,
                step.rule.describe()
            );
        }
    }
    if e.words.is_empty() {
        out.push_str("  no word in the lexicon: neutral\n");
        return out;
    }
    // Adding 0.0 turns a negative zero into zero.
    let words: f64 = e.words.iter().map(|w| w.valence).sum::<f64>() + 0.0;
    let _ = writeln!(
        out,
        "  sum of words {words:+.4}, punctuation {:+.4}: {:+.4} / √({:+.4}² + 15) = {:+.4}",
        e.punctuation + 0.0,
        e.sum,
        e.sum,
        e.polarity.compound
    );
    out
}
