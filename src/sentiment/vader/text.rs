//! Python's string notions as `vaderSentiment` meets them (white space,
//! upper case, `strip(string.punctuation)`), and its rounding.

/// Python's `str.isspace` for one character (what `split()` uses), which
/// counts the information separators U+001C–U+001F that Rust's
/// `char::is_whitespace` does not.
pub(super) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Byte classes for ASCII, so that splitting and stripping look each byte
/// up once.
pub(super) const SPACE: u8 = 1;
/// `string.punctuation`.
pub(super) const PUNCT: u8 = 2;
pub(super) const UPPER: u8 = 4;
pub(super) const LOWER: u8 = 8;
/// A byte of a multi-byte character.
pub(super) const NON_ASCII: u8 = 16;

static CLASS: [u8; 256] = {
    let mut class = [NON_ASCII; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        class[b] = match c {
            b'\t'..=b'\r' | 0x1c..=0x1f | b' ' => SPACE,
            b'!'..=b'/' | b':'..=b'@' | b'['..=b'`' | b'{'..=b'~' => PUNCT,
            b'A'..=b'Z' => UPPER,
            b'a'..=b'z' => LOWER,
            _ => 0,
        };
        b += 1;
    }
    class
};

/// Calls `word(start, end, classes)` for each word of Python's
/// `text.split()`, as a byte range and the union of its bytes' classes.
pub(super) fn py_split(text: &str, mut word: impl FnMut(usize, usize, u8)) {
    let bytes = text.as_bytes();
    // Whether a character starts at `i` (always a character boundary),
    // whether it is white space, and its length.
    let at = |i: usize| -> (u8, bool, usize) {
        let class = CLASS[usize::from(bytes[i])];
        if class & NON_ASCII == 0 {
            return (class, class & SPACE != 0, 1);
        }
        let c = text[i..].chars().next().unwrap_or('\0');
        (class, is_py_space(c), c.len_utf8())
    };
    let mut i = 0;
    while i < bytes.len() {
        let (_, space, width) = at(i);
        if space {
            i += width;
            continue;
        }
        let start = i;
        let mut classes = 0;
        while i < bytes.len() {
            let (class, space, width) = at(i);
            if space {
                break;
            }
            classes |= class;
            i += width;
        }
        word(start, i, classes);
    }
}

/// `token.strip(string.punctuation)` as a byte range of `text`, unless
/// that leaves two characters or fewer (an emoticon such as `:)`), in
/// which case the token stays whole.
pub(super) fn strip_punc_if_word(text: &str, start: usize, end: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let punct = |i: usize| CLASS[usize::from(bytes[i])] & PUNCT != 0;
    let (mut s, mut e) = (start, end);
    while s < e && punct(s) {
        s += 1;
    }
    while e > s && punct(e - 1) {
        e -= 1;
    }
    let len = e - s;
    // A character is at most 4 bytes: only short non-ASCII strings need
    // counting.
    if len <= 2 || (len <= 8 && !text[s..e].is_ascii() && text[s..e].chars().count() <= 2) {
        (start, end)
    } else {
        (s, e)
    }
}

/// Python's `str.isupper`: at least one cased character, none lower case.
pub(super) fn is_py_upper(word: &str) -> bool {
    if word.is_ascii() {
        let bytes = word.as_bytes();
        return !bytes.iter().any(u8::is_ascii_lowercase)
            && bytes.iter().any(u8::is_ascii_uppercase);
    }
    let mut cased = false;
    for c in word.chars() {
        if c.is_lowercase() {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

/// The punctuation emphasis VADER adds to a non-zero sum: 0.292 for each
/// "!" (at most 4), and for "?" 0.18 each when there are 2 or 3, 0.96
/// when there are more.
pub(super) fn punctuation_emphasis(text: &str) -> f64 {
    let (bangs, questions) = count_marks(text.as_bytes());
    let ep = bangs.min(4) as f64 * 0.292;
    let qm = match questions {
        0 | 1 => 0.0,
        n @ 2..=3 => n as f64 * 0.18,
        _ => 0.96,
    };
    ep + qm
}

/// How many "!" and "?" bytes: eight bytes at a time, exactly.
fn count_marks(bytes: &[u8]) -> (usize, usize) {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const BANGS: u64 = 0x2121_2121_2121_2121;
    const QUESTIONS: u64 = 0x3f3f_3f3f_3f3f_3f3f;
    // The high bit of each byte of `x` that is zero, and no other bit.
    let zeros = |x: u64| !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7);
    let (mut bangs, mut questions) = (0, 0);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        bangs += zeros(x ^ BANGS).count_ones() as usize;
        questions += zeros(x ^ QUESTIONS).count_ones() as usize;
    }
    for &b in chunks.remainder() {
        bangs += usize::from(b == b'!');
        questions += usize::from(b == b'?');
    }
    (bangs, questions)
}

/// `x / sqrt(x² + 15)`, clamped to [-1, 1].
pub fn normalize(score: f64) -> f64 {
    (score / (score * score + 15.0).sqrt()).clamp(-1.0, 1.0)
}

/// Python's `round(x, digits)` for `digits` in 0..=4: the decimal nearest
/// to the exact binary value of `x`, ties to even, returned as the double
/// nearest to that decimal. `x = m · 2^e` exactly, so `x · 10^digits` is
/// the integer `m · 10^digits` shifted right by `-e` bits: its quotient
/// and remainder decide the rounding without any floating-point error.
pub(super) fn round(x: f64, digits: u32) -> f64 {
    debug_assert!(digits <= 4);
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    if x.abs() >= 1e9 {
        // Beyond VADER's scores; the quotient below would not fit a double.
        let places = digits as usize;
        return format!("{x:.places$}").parse().unwrap_or(x);
    }
    let bits = x.abs().to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    let (mantissa, shift) = if exponent == 0 {
        (bits & ((1 << 52) - 1), 1074)
    } else {
        ((bits & ((1 << 52) - 1)) | (1 << 52), 1075 - exponent)
    };
    if shift <= 0 {
        return x; // an integer already
    }
    let scale = 10u64.pow(digits);
    // m < 2^53 and 10^4 < 2^14: the product fits in 67 bits.
    let scaled = u128::from(mantissa) * u128::from(scale);
    let quotient = if shift >= 100 {
        0 // x < 2^-47: far below half a unit of the last place
    } else {
        let q = scaled >> shift;
        let remainder = scaled - (q << shift);
        let half = 1u128 << (shift - 1);
        if remainder > half || (remainder == half && q % 2 == 1) {
            q + 1
        } else {
            q
        }
    };
    // |x| < 10^9: the quotient is below 10^13, exact as a u64 and a double.
    let rounded = quotient as u64 as f64 / scale as f64;
    if x < 0.0 {
        -rounded
    } else {
        rounded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_like_python() {
        for (x, digits, want) in [
            (0.0625, 3, 0.062),
            (0.1875, 3, 0.188),
            (0.44045, 4, 0.4405),
            (-0.38185, 4, -0.3819),
            (0.5, 0, 0.0),
            (1.5, 0, 2.0),
            (2.675, 2, 2.67), // 2.67499999… in binary
            (1e-300, 3, 0.0),
            (123.0, 3, 123.0),
            (12345678901.23456, 4, 12345678901.2346),
        ] {
            assert_eq!(round(x, digits), want, "{x}");
        }
    }

    #[test]
    fn rounding_agrees_with_exact_decimal_formatting() {
        // Rust's `{:.N}` formatting rounds the exact binary value half to
        // even, as Python's round does; check many awkward values.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = (state % 2_000_000) as f64 / 1_000_000.0 - 1.0;
            let x = x / ((state >> 40) % 7 + 1) as f64;
            for digits in [3, 4] {
                let places = digits as usize;
                let want: f64 = format!("{x:.places$}").parse().unwrap_or(f64::NAN);
                assert_eq!(round(x, digits), want, "{x} to {digits}");
            }
        }
    }

    #[test]
    fn counts_marks_exactly() {
        for text in [
            "",
            "!",
            "?!?",
            "a!b?c!d?e!f?g!h?i!!??",
            "¡Hola! ¿Qué? \u{a1}\u{bf}!!",
        ] {
            let bangs = text.matches('!').count();
            let questions = text.matches('?').count();
            assert_eq!(count_marks(text.as_bytes()), (bangs, questions), "{text:?}");
        }
    }

    #[test]
    fn splits_and_strips_like_python() {
        let text = " Great\u{1f}movie!!  :)\u{a0}ok ";
        let mut words = Vec::new();
        py_split(text, |s, e, _| {
            let (s, e) = strip_punc_if_word(text, s, e);
            words.push(&text[s..e]);
        });
        assert_eq!(words, ["Great", "movie", ":)", "ok"]);
        assert!(is_py_upper("GOOD!") && !is_py_upper("Good") && !is_py_upper("123"));
    }
}
