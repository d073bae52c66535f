//! VADER's word lists and constants, exactly as `vaderSentiment` 3.3.2
//! defines them (MIT licence, C.J. Hutto).

/// Booster increment.
pub const B_INCR: f64 = 0.293;
/// Dampener decrement.
pub const B_DECR: f64 = -0.293;
/// ALL-CAPS emphasis.
pub const C_INCR: f64 = 0.733;
/// Negation scalar.
pub const N_SCALAR: f64 = -0.74;

/// Negation words.
pub const NEGATE: &[&str] = &[
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

/// Boosters (positive) and dampeners (negative).
pub const BOOSTERS: &[(&str, f64)] = &[
    ("absolutely", B_INCR),
    ("amazingly", B_INCR),
    ("awfully", B_INCR),
    ("completely", B_INCR),
    ("considerable", B_INCR),
    ("considerably", B_INCR),
    ("decidedly", B_INCR),
    ("deeply", B_INCR),
    ("effing", B_INCR),
    ("enormous", B_INCR),
    ("enormously", B_INCR),
    ("entirely", B_INCR),
    ("especially", B_INCR),
    ("exceptional", B_INCR),
    ("exceptionally", B_INCR),
    ("extreme", B_INCR),
    ("extremely", B_INCR),
    ("fabulously", B_INCR),
    ("flipping", B_INCR),
    ("flippin", B_INCR),
    ("frackin", B_INCR),
    ("fracking", B_INCR),
    ("fricking", B_INCR),
    ("frickin", B_INCR),
    ("frigging", B_INCR),
    ("friggin", B_INCR),
    ("fully", B_INCR),
    ("fuckin", B_INCR),
    ("fucking", B_INCR),
    ("fuggin", B_INCR),
    ("fugging", B_INCR),
    ("greatly", B_INCR),
    ("hella", B_INCR),
    ("highly", B_INCR),
    ("hugely", B_INCR),
    ("incredible", B_INCR),
    ("incredibly", B_INCR),
    ("intensely", B_INCR),
    ("major", B_INCR),
    ("majorly", B_INCR),
    ("more", B_INCR),
    ("most", B_INCR),
    ("particularly", B_INCR),
    ("purely", B_INCR),
    ("quite", B_INCR),
    ("really", B_INCR),
    ("remarkably", B_INCR),
    ("so", B_INCR),
    ("substantially", B_INCR),
    ("thoroughly", B_INCR),
    ("total", B_INCR),
    ("totally", B_INCR),
    ("tremendous", B_INCR),
    ("tremendously", B_INCR),
    ("uber", B_INCR),
    ("unbelievably", B_INCR),
    ("unusually", B_INCR),
    ("utter", B_INCR),
    ("utterly", B_INCR),
    ("very", B_INCR),
    ("almost", B_DECR),
    ("barely", B_DECR),
    ("hardly", B_DECR),
    ("just enough", B_DECR),
    ("kind of", B_DECR),
    ("kinda", B_DECR),
    ("kindof", B_DECR),
    ("kind-of", B_DECR),
    ("less", B_DECR),
    ("little", B_DECR),
    ("marginal", B_DECR),
    ("marginally", B_DECR),
    ("occasional", B_DECR),
    ("occasionally", B_DECR),
    ("partly", B_DECR),
    ("scarce", B_DECR),
    ("scarcely", B_DECR),
    ("slight", B_DECR),
    ("slightly", B_DECR),
    ("somewhat", B_DECR),
    ("sort of", B_DECR),
    ("sorta", B_DECR),
    ("sortof", B_DECR),
    ("sort-of", B_DECR),
];

/// Multi-word special cases that set a valence outright.
pub const SPECIAL_CASES: &[(&str, f64)] = &[
    ("the shit", 3.0),
    ("the bomb", 3.0),
    ("bad ass", 1.5),
    ("badass", 1.5),
    ("bus stop", 0.0),
    ("yeah right", -2.0),
    ("kiss of death", -1.5),
    ("to die for", 3.0),
    ("beating heart", 3.5),
];

use rustc_hash::{FxHashMap, FxHashSet};

/// The words and word lists VADER's rules are made of, for one language.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Words that negate what follows within three words.
    pub negations: FxHashSet<String>,
    /// A fragment that makes any word a negation (English `n't`).
    pub negation_infix: Option<String>,
    /// Boosters and dampeners, one word or several.
    pub boosters: FxHashMap<String, f64>,
    /// Special cases as word sequences, with the valence they set.
    pub special: Vec<(Vec<String>, f64)>,
    /// Boosters of more than one word, as word sequences.
    pub multiword_boosters: Vec<(Vec<String>, f64)>,
    /// First words of the special cases and multi-word boosters.
    pub idiom_starts: FxHashSet<String>,
    /// "no": negates the next lexicon words, and is neutral before one.
    pub no: String,
    /// "or", "nor": let "no" reach three words back.
    pub or_nor: Vec<String>,
    /// "kind" "of": a dampener, neutral itself.
    pub kind_of: (String, String),
    /// "never", which "so"/"this" turn into an intensifier.
    pub never: String,
    /// "so", "this".
    pub so_this: Vec<String>,
    /// "without" "doubt": not a negation.
    pub without_doubt: (String, String),
    /// "least": negates, unless after "at" or "very".
    pub least: String,
    /// "at", "very".
    pub at_very: Vec<String>,
    /// "but": halves what comes before, adds half to what comes after.
    pub but: String,
    /// Look words up without accents (Portuguese); English keeps VADER's
    /// plain lower case.
    pub fold: bool,
    /// A booster right after a word counts too ("gostei muito"), where
    /// the language puts it there; VADER's English looks only before.
    pub booster_after: bool,
    /// Rules over whole clauses (Portuguese); None for VADER's English,
    /// which then never looks at clauses.
    pub clause: Option<ClauseWords>,
}

/// The words of the clause rules. A clause ends at , . ; : ! ? ( ) and
/// before "but", a boundary word or a concessive marker.
#[derive(Debug, Clone, Default)]
pub struct ClauseWords {
    /// Negations that reach every lexicon word after them in their clause
    /// ("não achei o livro bom"), once however many there are (negative
    /// concord: "não é nada bom"). The other negations keep VADER's three
    /// words.
    pub negations: Vec<String>,
    /// Words that make a negation right before them "not only" ("não só").
    pub not_only: Vec<String>,
    /// Conjunctions that start a new clause ("e", "porque").
    pub boundaries: Vec<String>,
    /// Concessive markers: their clause is halved ("embora", "apesar").
    pub concessive: Vec<String>,
    /// Concessive markers of two words ("mesmo que", "pelo menos").
    pub concessive_pairs: Vec<(String, String)>,
    /// Counterfactual markers: the lexicon words after them in their
    /// clause are negated ("poderia ser melhor"), and they are neutral.
    pub hypothetical: Vec<String>,
    /// Halve the words of a sentence that ends with "?": a question
    /// asserts nothing.
    pub questions: bool,
}

impl Rules {
    /// VADER 3.3.2's English rules.
    pub fn english() -> Rules {
        let words = |list: &[&str]| list.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        let sequences = |list: &[(&str, f64)]| {
            list.iter()
                .map(|(k, v)| (k.split(' ').map(str::to_string).collect::<Vec<_>>(), *v))
                .collect::<Vec<_>>()
        };
        let multiword: Vec<(&str, f64)> = BOOSTERS
            .iter()
            .copied()
            .filter(|(k, _)| k.contains(' '))
            .collect();
        let special = sequences(SPECIAL_CASES);
        let multiword_boosters = sequences(&multiword);
        let idiom_starts = special
            .iter()
            .chain(&multiword_boosters)
            .filter_map(|(seq, _)| seq.first().cloned())
            .collect();
        Rules {
            negations: NEGATE.iter().map(|w| w.to_string()).collect(),
            negation_infix: Some("n't".to_string()),
            boosters: BOOSTERS.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            special,
            multiword_boosters,
            idiom_starts,
            no: "no".into(),
            or_nor: words(&["or", "nor"]),
            kind_of: ("kind".into(), "of".into()),
            never: "never".into(),
            so_this: words(&["so", "this"]),
            without_doubt: ("without".into(), "doubt".into()),
            least: "least".into(),
            at_very: words(&["at", "very"]),
            but: "but".into(),
            fold: false,
            booster_after: false,
            clause: None,
        }
    }
}

/// Portuguese negations, folded: LeIA's single-word ones (its `nao …`
/// phrases can never match one token) and the usual others, then "sem"
/// ("without", a negation in VADER's English list too: "sem graça").
const NEGATE_PT: &[&str] = &[
    "nao",
    "nunca",
    "jamais",
    "nem",
    "nenhum",
    "nenhuma",
    "ninguem",
    "nada",
    "tampouco",
    "sequer",
    "dificilmente",
    "raramente",
    "nope",
    "sem",
];

/// Boosters LeIA lacks.
const BOOSTERS_PT: &[(&str, f64)] = &[
    ("muito", B_INCR),
    ("muita", B_INCR),
    ("muitos", B_INCR),
    ("muitas", B_INCR),
    ("super", B_INCR),
    ("bastante", B_INCR),
    ("demais", B_INCR),
    ("mega", B_INCR),
    ("tao", B_INCR),
    ("bem", B_INCR),
    ("totalmente", B_INCR),
    ("simplesmente", B_INCR),
    // Degree adjectives before a noun, as English "utter", "total".
    ("verdadeiro", B_INCR),
    ("verdadeira", B_INCR),
    ("verdadeiros", B_INCR),
    ("verdadeiras", B_INCR),
    ("puro", B_INCR),
    ("pura", B_INCR),
    ("puros", B_INCR),
    ("puras", B_INCR),
    ("meio", B_DECR),
    ("pouco", B_DECR),
];

impl Rules {
    /// Portuguese rules: VADER's, with Portuguese rule words, LeIA's
    /// boosters (`booster.txt`, `word INCR|DECR`) and the ones it lacks.
    /// Every word is folded (lower case, no accents), as lookups are.
    pub fn portuguese(leia_boosters: &str) -> Rules {
        let fold = crate::text::fold::fold;
        let mut boosters: FxHashMap<String, f64> = FxHashMap::default();
        for line in leia_boosters.lines() {
            let Some((word, kind)) = line.trim().rsplit_once(' ') else {
                continue;
            };
            let value = if kind == "DECR" { B_DECR } else { B_INCR };
            boosters.insert(fold(word.trim()), value);
        }
        boosters.extend(BOOSTERS_PT.iter().map(|(w, v)| (w.to_string(), *v)));
        let multiword_boosters: Vec<(Vec<String>, f64)> = boosters
            .iter()
            .filter(|(k, _)| k.contains(' '))
            .map(|(k, v)| (k.split(' ').map(str::to_string).collect(), *v))
            .collect();
        let idiom_starts = multiword_boosters
            .iter()
            .filter_map(|(seq, _)| seq.first().cloned())
            .collect();
        let words = |list: &[&str]| list.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        Rules {
            negations: NEGATE_PT.iter().map(|w| w.to_string()).collect(),
            negation_infix: None,
            boosters,
            special: Vec::new(),
            multiword_boosters,
            idiom_starts,
            // "não" is a negation like the others; VADER's separate "no"
            // rule would negate twice. An empty word never occurs.
            no: String::new(),
            or_nor: words(&["ou", "nem"]),
            kind_of: ("meio".into(), "que".into()),
            never: "nunca".into(),
            so_this: words(&["tao", "isso"]),
            without_doubt: ("sem".into(), "duvida".into()),
            least: "menos".into(),
            at_very: words(&["pelo", "muito"]),
            but: "mas".into(),
            fold: true,
            booster_after: true,
            clause: Some(clause_words_pt()),
        }
    }
}

/// Portuguese negations whose scope is their clause: all but "sem" (the
/// last), whose scope is the phrase it heads ("sem graça").
const CLAUSE_NEGATE_PT: &[&str] = match NEGATE_PT.split_last() {
    Some((_, clause)) => clause,
    None => &[],
};

/// The Portuguese clause rules' words, folded.
fn clause_words_pt() -> ClauseWords {
    let words = |list: &[&str]| list.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    let pairs = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    };
    ClauseWords {
        negations: words(CLAUSE_NEGATE_PT),
        // "não só", "não apenas", "não somente": "not only".
        not_only: words(&["so", "apenas", "somente"]),
        // Coordinating and subordinating conjunctions that open a clause.
        boundaries: words(&["e", "porque", "pois", "quando", "enquanto", "se"]),
        concessive: words(&["embora", "apesar", "conquanto"]),
        concessive_pairs: pairs(&[("mesmo", "que"), ("ainda", "que"), ("pelo", "menos")]),
        // Conditional and imperfect forms of "poder", "dever", "esperar",
        // "ser", "ter": what could, should or was expected to be.
        hypothetical: words(&[
            "poderia",
            "poderiam",
            "podia",
            "podiam",
            "deveria",
            "deveriam",
            "devia",
            "deviam",
            "esperava",
            "esperavam",
            "seria",
            "seriam",
            "fosse",
            "fossem",
            "tivesse",
            "tivessem",
        ]),
        questions: true,
    }
}
