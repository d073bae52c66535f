//! `vigia score`: the sentiment of a text, or of each line of standard input.

use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use serde::Serialize;

use crate::config::Config;
use crate::sentiment::{
    without_names, Explanation, Language, Layers, Scorers, Sentiment, Thresholds,
};

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
    /// Score with the bare lexicons: no config's slang, brand names or
    /// thresholds.
    #[arg(long)]
    no_config: bool,
    /// `brand`: as mentions are scored, with the brand-risk words
    /// ("recall", "outage", "fora do ar"); `vader`: the reference lexicons
    /// alone (exactly vaderSentiment 3.3.2 for English).
    #[arg(long, value_enum, default_value_t = LexiconArg::Brand)]
    lexicon: LexiconArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LexiconArg {
    Brand,
    Vader,
}

/// The config to score with: the one named (which must load), else the one
/// at the default path when there is one; none with `--no-config`. Says on
/// standard error which it is.
pub fn config(args: &ScoreArgs, path: &Path, named: bool) -> anyhow::Result<Option<Config>> {
    if args.no_config {
        eprintln!("Scoring with the bare lexicons (--no-config).");
        return Ok(None);
    }
    if !named && !path.exists() {
        eprintln!(
            "Scoring with the bare lexicons: there is no config at {}.",
            path.display()
        );
        return Ok(None);
    }
    let config = super::load(path)?;
    let brands: Vec<&str> = config.brands.iter().map(|b| b.name.as_str()).collect();
    eprintln!(
        "Scoring with {}: {} lexicon override(s); the names of {} score nothing.",
        path.display(),
        config.lexicon_overrides.len(),
        if brands.is_empty() {
            "no brand".to_string()
        } else {
            brands.join(", ")
        }
    );
    Ok(Some(config))
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

pub fn run(args: &ScoreArgs, config: Option<&Config>) -> anyhow::Result<()> {
    let chosen: Option<Vec<Language>> = match args.language.as_deref() {
        None => None,
        Some(code) => match Language::from_code(code) {
            Some(language) => Some(vec![language]),
            None => bail!("--language {code:?}: no scorer for it (expected en or pt)"),
        },
    };
    let thresholds = config.map_or_else(Thresholds::default, |c| c.thresholds);
    let layers = match args.lexicon {
        LexiconArg::Brand => Layers::BrandRisk,
        LexiconArg::Vader => Layers::Reference,
    };
    let scorers = Scorers::with_layers(config.map_or(&[][..], |c| &c.lexicon_overrides), layers);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut emit = |text: &str| -> anyhow::Result<()> {
        // As a mention is scored: the brand's names left out, in the
        // languages the brand it names is written in.
        let (text, pinned) = match config {
            Some(config) => {
                let names = config.matcher.name_spans(text, None);
                let brand = config.matcher.find(text).into_iter().next();
                let pinned = brand
                    .and_then(|m| config.brands.iter().find(|b| b.name == m.brand))
                    .map(|b| b.languages.clone())
                    .unwrap_or_default();
                (without_names(text, &names), pinned)
            }
            None => (text.to_string(), Vec::new()),
        };
        let allowed = chosen.clone().unwrap_or(pinned);
        let text = text.as_str();
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
