//! What the Portuguese scorer adds around VADER's rules: the text is made
//! ready for them (contrast words read as "mas", fixed expressions read as
//! one word), and the lexicon's words get their regular inflections.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use super::vader::Explanation;
use super::{Polarity, Vader};
use crate::text::fold::fold;

/// Contrast conjunctions that weigh what follows as "mas" does.
const CONTRAST: &[&[&str]] = &[
    &["porem"],
    &["contudo"],
    &["entretanto"],
    &["todavia"],
    &["no", "entanto"],
    &["so", "que"],
];

/// The longest expression looked for, in words.
const MAX_PHRASE: usize = 5;

/// VADER over the repaired LeIA lexicon, with Portuguese text prepared
/// first: [`Portuguese::prepare`].
#[derive(Debug, Clone)]
pub struct Portuguese {
    vader: Vader,
    /// Multi-word lexicon entries, by first folded word.
    phrases: FxHashMap<String, Vec<Vec<String>>>,
}

impl Portuguese {
    /// A scorer over `vader`, whose lexicon holds `phrases` (folded
    /// expressions of several words) as single keys joined by `_`.
    pub fn new(vader: Vader, phrases: &[String]) -> Portuguese {
        let mut scorer = Portuguese {
            vader,
            phrases: FxHashMap::default(),
        };
        scorer.add_phrases(phrases.iter().map(String::as_str));
        scorer
    }

    fn add_phrases<'a>(&mut self, phrases: impl Iterator<Item = &'a str>) {
        for phrase in phrases {
            let words: Vec<String> = phrase.split_whitespace().map(fold).collect();
            if (2..=MAX_PHRASE).contains(&words.len()) {
                let list = self.phrases.entry(words[0].clone()).or_default();
                list.push(words);
                // Longest first: "deixou muito a desejar" before "a desejar".
                list.sort_by_key(|w| std::cmp::Reverse(w.len()));
            }
        }
    }

    /// The VADER scorer underneath, over the Portuguese lexicon.
    pub fn vader(&self) -> &Vader {
        &self.vader
    }

    /// This scorer with some lexicon entries set; an entry of several
    /// words becomes an expression.
    pub fn with_overrides(self, entries: &[(String, f64)]) -> Portuguese {
        let joined: Vec<(String, f64)> = entries
            .iter()
            .map(|(w, v)| (phrase_key(&fold(w)), *v))
            .collect();
        let mut changed = Portuguese {
            vader: self.vader.with_overrides(&joined),
            phrases: self.phrases,
        };
        changed.add_phrases(
            entries
                .iter()
                .map(|(w, _)| w.as_str())
                .filter(|w| w.contains(' ')),
        );
        changed
    }

    /// Scores `text` as VADER does, after [`Portuguese::prepare`].
    pub fn polarity_scores(&self, text: &str) -> Polarity {
        self.vader.polarity_scores(&self.prepare(text))
    }

    /// Scores `text` and says why, after [`Portuguese::prepare`]: joined
    /// expressions appear as one word.
    pub fn explain(&self, text: &str) -> Explanation {
        self.vader.explain(&self.prepare(text))
    }

    /// The text VADER's rules see: "porém", "contudo", "entretanto",
    /// "todavia", "no entanto" and "só que" become "mas" (VADER's "but"
    /// rule), and a lexicon expression of several words ("vale a pena",
    /// "perda de tempo") becomes one word, so that it is scored, negated
    /// and boosted as one. An expression never spans punctuation. When
    /// anything changes, words are separated by single spaces;
    /// punctuation stays.
    pub fn prepare<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let cores: Vec<(&str, Cow<'_, str>, &str)> =
            tokens.iter().map(|t| split_punct(t)).collect();
        let mut out: Vec<String> = Vec::with_capacity(tokens.len());
        let mut changed = false;
        let mut i = 0;
        while i < tokens.len() {
            let (pre, _, _) = cores[i];
            if let Some(n) = CONTRAST.iter().find_map(|c| self.matches(&cores, i, c)) {
                out.push(format!("{pre}mas{}", cores[i + n - 1].2));
                changed = true;
                i += n;
                continue;
            }
            let phrase = self
                .phrases
                .get(cores[i].1.as_ref())
                .into_iter()
                .flatten()
                .find_map(|p| self.matches(&cores, i, p).map(|n| (n, p)));
            if let Some((n, words)) = phrase {
                let mut joined = words.join("_");
                if tokens[i..i + n].iter().all(|t| is_upper(t)) {
                    joined = joined.to_uppercase();
                }
                out.push(format!("{pre}{joined}{}", cores[i + n - 1].2));
                changed = true;
                i += n;
                continue;
            }
            out.push(tokens[i].to_string());
            i += 1;
        }
        if changed {
            Cow::Owned(out.join(" "))
        } else {
            Cow::Borrowed(text)
        }
    }

    /// How many tokens from `i` spell `words`, with no punctuation inside.
    fn matches<S: AsRef<str>>(
        &self,
        cores: &[(&str, Cow<'_, str>, &str)],
        i: usize,
        words: &[S],
    ) -> Option<usize> {
        let n = words.len();
        if i + n > cores.len() {
            return None;
        }
        let inside_clean = (i..i + n).all(|k| {
            (k == i || cores[k].0.is_empty()) && (k == i + n - 1 || cores[k].2.is_empty())
        });
        let same = words
            .iter()
            .zip(&cores[i..i + n])
            .all(|(w, c)| w.as_ref() == c.1);
        (inside_clean && same).then_some(n)
    }
}

/// The lexicon key of an expression: its folded words joined by `_`.
pub fn phrase_key(folded: &str) -> String {
    folded.split_whitespace().collect::<Vec<_>>().join("_")
}

/// A token's leading punctuation, folded core and trailing punctuation.
fn split_punct(token: &str) -> (&str, Cow<'_, str>, &str) {
    let core = token.trim_matches(|c: char| c.is_ascii_punctuation());
    if core.is_empty() {
        return (token, Cow::Borrowed(""), "");
    }
    let start = token.len()
        - token
            .trim_start_matches(|c: char| c.is_ascii_punctuation())
            .len();
    let end = start + core.len();
    let folded = if core
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(core)
    } else {
        Cow::Owned(fold(core))
    };
    (&token[..start], folded, &token[end..])
}

/// Upper case with at least one cased letter (Python's `str.isupper`).
fn is_upper(word: &str) -> bool {
    word.chars().any(char::is_uppercase) && !word.chars().any(char::is_lowercase)
}

/// Conjugated forms of a Portuguese verb given in the infinitive, for
/// the regular -ar, -er and -ir conjugations: present, preterite and
/// imperfect indicative (first and third persons), gerund and participle.
/// Short present forms (under six letters) are left out: they are often
/// nouns too (`mato`, `morro`, `juro`, `cobre`).
pub fn verb_forms(word: &str) -> Vec<String> {
    if word.contains([' ', '_']) || word.chars().count() < 5 {
        return Vec::new();
    }
    if let Some(infinitive) = infinitive(word) {
        // Past forms only: present ones are too often nouns ("motivo",
        // "aumento") to be guessed from a form that is not the infinitive.
        let mut forms = past_forms(&infinitive);
        forms.retain(|f| f != word);
        return forms;
    }
    let (stem, present, past): (&str, &[&str], &[&str]) =
        if let Some(stem) = word.strip_suffix("ar") {
            (
                stem,
                &["o", "a", "am", "amos"],
                &["ei", "ou", "aram", "ava", "avam", "ando", "ado"],
            )
        } else if let Some(stem) = word.strip_suffix("er") {
            (
                stem,
                &["o", "e", "em", "emos"],
                &["i", "eu", "eram", "ia", "iam", "endo", "ido"],
            )
        } else if let Some(stem) = word.strip_suffix("ir") {
            (
                stem,
                &["o", "e", "em", "imos"],
                &["i", "iu", "iram", "ia", "iam", "indo", "ido"],
            )
        } else {
            return Vec::new();
        };
    let mut forms: Vec<String> = present
        .iter()
        .map(|end| format!("{stem}{end}"))
        .filter(|f| f.chars().count() >= 6)
        .collect();
    forms.extend(past.iter().map(|end| format!("{stem}{end}")));
    forms
}

/// The preterite, imperfect, gerund and participle of an infinitive.
fn past_forms(infinitive: &str) -> Vec<String> {
    let (stem, ends): (&str, &[&str]) = if let Some(stem) = infinitive.strip_suffix("ar") {
        (stem, &["ei", "ou", "aram", "ava", "avam", "ando", "ado"])
    } else if let Some(stem) = infinitive.strip_suffix("er") {
        (stem, &["i", "eu", "eram", "ia", "iam", "endo", "ido"])
    } else if let Some(stem) = infinitive.strip_suffix("ir") {
        (stem, &["i", "iu", "iram", "ia", "iam", "indo", "ido"])
    } else {
        return Vec::new();
    };
    ends.iter().map(|end| format!("{stem}{end}")).collect()
}

/// The other gender and number forms of a Portuguese adjective or
/// participle ending in -o, -a, -os or -as, and the plural of a noun or
/// adjective ending otherwise (`excelente` → `excelentes`, `agradavel` →
/// `agradaveis`, `pior` → `piores`, `ruim` → `ruins`, `emocao` →
/// `emocoes`). Words under five letters are left alone, but for -r, -z
/// and -m plurals: they are mostly nouns (`caro` would make `cara`,
/// "face"; `mal` would make `mais`).
pub fn gender_number_forms(word: &str) -> Vec<String> {
    let letters = word.chars().count();
    if word.contains(' ') || word.contains('_') || letters < 4 {
        return Vec::new();
    }
    if let Some(plural) = plural(word) {
        return if letters >= 5 || word.ends_with(['r', 'z', 'm']) {
            plural
        } else {
            Vec::new()
        };
    }
    if letters < 5 {
        return Vec::new();
    }
    let stem = ["os", "as", "o", "a"]
        .iter()
        .find_map(|end| word.strip_suffix(end).map(|stem| stem.to_string()));
    match stem {
        Some(stem) => ["o", "a", "os", "as"]
            .iter()
            .map(|end| format!("{stem}{end}"))
            .filter(|f| f != word)
            .collect(),
        None => Vec::new(),
    }
}

/// The plural of a word not ending in -o or -a (folded, so `-ão` is
/// `-ao`), or None for those. An unstressed and a stressed -il cannot be
/// told apart without accents: both plurals are given (`util` → `uteis`,
/// `gentil` → `gentis`).
fn plural(word: &str) -> Option<Vec<String>> {
    let forms = |stem: &str, ends: &[&str]| ends.iter().map(|e| format!("{stem}{e}")).collect();
    if let Some(stem) = word.strip_suffix("cao") {
        return Some(forms(stem, &["coes"]));
    }
    if let Some(stem) = word.strip_suffix("sao") {
        return Some(forms(stem, &["soes"]));
    }
    if word.ends_with(['o', 'a', 's']) {
        return None;
    }
    Some(if let Some(stem) = word.strip_suffix("vel") {
        forms(stem, &["veis"])
    } else if let Some(stem) = word.strip_suffix("il") {
        forms(stem, &["is", "eis"])
    } else if let Some(stem) = word.strip_suffix('l') {
        forms(stem, &["is"])
    } else if let Some(stem) = word.strip_suffix('m') {
        forms(stem, &["ns"])
    } else if word.ends_with(['r', 'z']) {
        forms(word, &["es"])
    } else if word.ends_with('e') {
        forms(word, &["s"])
    } else {
        Vec::new()
    })
}

/// The absolute superlative of an adjective (`chato` → `chatissimo`,
/// `interessante` → `interessantissimo`, `agradavel` → `agradabilissimo`,
/// `feliz` → `felicissimo`), masculine singular; its other forms come from
/// [`gender_number_forms`]. Words under five letters, and words that
/// already are superlatives, are left alone.
pub fn superlative_forms(word: &str) -> Vec<String> {
    if word.contains([' ', '_']) || word.chars().count() < 5 || word.contains("issim") {
        return Vec::new();
    }
    let stem = if let Some(stem) = word.strip_suffix("vel") {
        format!("{stem}bil")
    } else if let Some(stem) = word.strip_suffix('z') {
        format!("{stem}c")
    } else if let Some(stem) = word.strip_suffix("co") {
        format!("{stem}qu")
    } else if let Some(stem) = word.strip_suffix("go") {
        format!("{stem}gu")
    } else if let Some(stem) = word.strip_suffix(['o', 'e']) {
        stem.to_string()
    } else {
        return Vec::new();
    };
    vec![format!("{stem}issimo")]
}

/// The infinitive of an unambiguous regular verb form: a gerund
/// (`decepcionando` → `decepcionar`), a third-person preterite
/// (`decepcionou` → `decepcionar`) or an -ado participle.
fn infinitive(word: &str) -> Option<String> {
    let ends = [
        ("ando", "ar"),
        ("endo", "er"),
        ("indo", "ir"),
        ("ou", "ar"),
        ("ado", "ar"),
    ];
    ends.iter().find_map(|(end, inf)| {
        let stem = word.strip_suffix(end)?;
        (stem.chars().count() >= 3).then(|| format!("{stem}{inf}"))
    })
}
