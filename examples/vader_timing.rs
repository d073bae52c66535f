//! Scores a file (one text per line) with Vigia's English VADER and prints
//! the seconds spent scoring, writing each compound to OUTPUT: the same
//! measure `scripts/bench-sentiment.sh` takes of the Python reference and
//! of vader-parity.
//!
//! `cargo run --release --example vader_timing -- INPUT OUTPUT`

use std::io::Write;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(output)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: vader_timing INPUT OUTPUT");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(input)?;
    let texts: Vec<&str> = text.split('\n').collect();
    let texts = &texts[..texts.len().saturating_sub(1)];
    let vader = vigia::sentiment::english();
    let start = std::time::Instant::now();
    let compounds: Vec<f64> = texts
        .iter()
        .map(|t| vader.polarity_scores(t).compound)
        .collect();
    let seconds = start.elapsed().as_secs_f64();
    let mut out = std::io::BufWriter::new(std::fs::File::create(output)?);
    for c in compounds {
        writeln!(out, "{c:.4}")?;
    }
    println!("{seconds}");
    Ok(())
}
