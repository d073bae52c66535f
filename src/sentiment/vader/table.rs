//! The word table: every word the rules know, looked up once per word of
//! every text scored, which makes it the scorer's hottest path.
//!
//! A general hash map hashes every byte and compares keys with `memcmp`;
//! nearly all words are at most 16 bytes long, so this table hashes and
//! compares them as two 8-byte loads instead. Open addressing, linear
//! probing, at most a quarter full: a word not in the table (most words)
//! is usually rejected at the first empty slot.

/// What the rules need to know about one lower-cased word.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Info {
    pub lex: Option<f64>,
    pub boost: Option<f64>,
    /// Which rule words it is: a set of the flags below.
    pub flags: u32,
}

pub(super) const IDIOM_START: u32 = 1;
pub(super) const NEGATION: u32 = 1 << 1;
pub(super) const NO: u32 = 1 << 2;
pub(super) const OR_NOR: u32 = 1 << 3;
pub(super) const KIND: u32 = 1 << 4;
pub(super) const OF: u32 = 1 << 5;
pub(super) const NEVER: u32 = 1 << 6;
pub(super) const SO_THIS: u32 = 1 << 7;
pub(super) const WITHOUT: u32 = 1 << 8;
pub(super) const DOUBT: u32 = 1 << 9;
pub(super) const LEAST: u32 = 1 << 10;
pub(super) const AT_VERY: u32 = 1 << 11;
pub(super) const BUT: u32 = 1 << 12;
// The clause rules' words (Portuguese only; see `clause.rs`).
pub(super) const CLAUSE_NEG: u32 = 1 << 13;
pub(super) const NOT_ONLY: u32 = 1 << 14;
pub(super) const BOUNDARY: u32 = 1 << 15;
pub(super) const CONCESSIVE: u32 = 1 << 16;
pub(super) const CONCESSIVE_PAIR: u32 = 1 << 17;
pub(super) const HYPOTHETICAL: u32 = 1 << 18;

const EMPTY: u32 = u32::MAX;

#[derive(Debug, Clone)]
struct Entry {
    key: Box<str>,
    /// The key's bytes as two integers (see `loads`).
    head: u64,
    tail: u64,
    info: Info,
}

/// Words to what the rules know about them.
#[derive(Debug, Clone)]
pub(super) struct Table {
    /// Indexes into `entries`, or EMPTY.
    slots: Vec<u32>,
    entries: Vec<Entry>,
}

impl Default for Table {
    fn default() -> Self {
        Table {
            slots: vec![EMPTY; 16],
            entries: Vec::new(),
        }
    }
}

impl Table {
    /// The word's entry, if it has one.
    #[inline]
    pub fn get(&self, word: &str) -> Option<Info> {
        let key = word.as_bytes();
        let (head, tail) = loads(key);
        let mask = self.slots.len() - 1;
        let mut slot = hash(head, tail, key.len()) & mask;
        loop {
            let index = self.slots[slot];
            if index == EMPTY {
                return None;
            }
            let entry = &self.entries[index as usize];
            if entry.head == head
                && entry.tail == tail
                && entry.key.len() == key.len()
                && (key.len() <= 16 || entry.key.as_bytes() == key)
            {
                return Some(entry.info);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The word's entry, added empty when missing.
    pub fn entry(&mut self, word: &str) -> &mut Info {
        if let Some(index) = self.find(word) {
            return &mut self.entries[index].info;
        }
        if (self.entries.len() + 1) * 4 > self.slots.len() {
            self.grow();
        }
        let (head, tail) = loads(word.as_bytes());
        self.entries.push(Entry {
            key: word.into(),
            head,
            tail,
            info: Info::default(),
        });
        let index = self.entries.len() - 1;
        self.place(index);
        &mut self.entries[index].info
    }

    fn find(&self, word: &str) -> Option<usize> {
        let (head, tail) = loads(word.as_bytes());
        let mask = self.slots.len() - 1;
        let mut slot = hash(head, tail, word.len()) & mask;
        while self.slots[slot] != EMPTY {
            let index = self.slots[slot] as usize;
            if *self.entries[index].key == *word {
                return Some(index);
            }
            slot = (slot + 1) & mask;
        }
        None
    }

    fn place(&mut self, index: usize) {
        let entry = &self.entries[index];
        let mask = self.slots.len() - 1;
        let mut slot = hash(entry.head, entry.tail, entry.key.len()) & mask;
        while self.slots[slot] != EMPTY {
            slot = (slot + 1) & mask;
        }
        self.slots[slot] = index as u32;
    }

    fn grow(&mut self) {
        self.slots = vec![EMPTY; self.slots.len() * 2];
        for index in 0..self.entries.len() {
            self.place(index);
        }
    }
}

/// `key` as two integers: two keys of equal length up to 16 bytes are
/// equal exactly when both are. Overlapping loads of its first and last
/// bytes cover every byte without copying it anywhere.
#[inline]
fn loads(key: &[u8]) -> (u64, u64) {
    let n = key.len();
    let u64_at = |i: usize| u64::from_le_bytes(key[i..i + 8].try_into().unwrap_or_default());
    let u32_at = |i: usize| u32::from_le_bytes(key[i..i + 4].try_into().unwrap_or_default());
    match n {
        8.. => (u64_at(0), u64_at(n - 8)),
        4..=7 => (u64::from(u32_at(0)) | u64::from(u32_at(n - 4)) << 32, 0),
        1..=3 => {
            let bytes =
                u64::from(key[0]) | u64::from(key[n / 2]) << 8 | u64::from(key[n - 1]) << 16;
            (bytes, 0)
        }
        0 => (0, 0),
    }
}

/// One 128-bit multiply folds both loads and the length.
#[inline]
fn hash(head: u64, tail: u64, len: usize) -> usize {
    let product = u128::from(head ^ 0x243f_6a88_85a3_08d3)
        * u128::from(tail ^ 0x1319_8a2e_0370_7344 ^ len as u64);
    ((product >> 64) as u64 ^ product as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_word_it_holds_and_no_other() {
        let mut table = Table::default();
        let words: Vec<String> = (0..5000)
            .map(|i| format!("{}{i}", "w".repeat(i % 23)))
            .collect();
        for (i, word) in words.iter().enumerate() {
            table.entry(word).lex = Some(i as f64);
        }
        table.entry("good").flags |= NEGATION;
        table.entry("good").lex = Some(1.9);
        for (i, word) in words.iter().enumerate() {
            assert_eq!(table.get(word).and_then(|info| info.lex), Some(i as f64));
        }
        let good = table.get("good").map(|info| (info.lex, info.flags));
        assert_eq!(good, Some((Some(1.9), NEGATION)));
        for absent in [
            "",
            "goo",
            "goods",
            "w",
            "wwwwwwwwwwwwwwwwwwwwwwwwwwwww0",
            "é",
        ] {
            assert!(table.get(absent).is_none(), "{absent:?}");
        }
        // Same first and last 8 bytes, different middles.
        table.entry("abcdefgh-XX-stuvwxyz").lex = Some(1.0);
        assert!(table.get("abcdefgh-YY-stuvwxyz").is_none());
    }
}
