//! Text analysis shared by indexing and querying: the same pipeline on both sides, so that
//! what a citizen types meets what the catalogue says.
//!
//! 1. fold: lowercase, NFD, combining marks stripped (`é` → `e`), ligatures spelled out
//!    (`œ` → `oe`), so accents and case never matter;
//! 2. split into words on anything that is not a letter or digit (apostrophes included, so
//!    `l'état` gives `l` and `etat`), dropping one-letter words and stop words;
//! 3. stem with Snowball (French or English), so that plurals and verb forms meet
//!    (`voitures`, `voiture` → `voitur`).
//!
//! Stems are plain `[a-z0-9]+` words (for Latin scripts), so they can be quoted into an FTS5
//! query without escaping issues; [`is_safe_term`] checks it anyway.

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization as _;

/// The two languages of the catalogue, as the search module sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// French.
    Fr,
    /// English.
    En,
}

impl Language {
    /// `fr` or `en`: the value stored in the vocabulary table.
    pub fn code(self) -> &'static str {
        match self {
            Language::Fr => "fr",
            Language::En => "en",
        }
    }

    /// The other language, for the fallback search.
    pub fn other(self) -> Language {
        match self {
            Language::Fr => Language::En,
            Language::En => Language::Fr,
        }
    }
}

/// Lowercase, accents and other combining marks removed, ligatures spelled out.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            // The common case, without going through the decomposition tables.
            out.push(c.to_ascii_lowercase());
            continue;
        }
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            'ø' | 'Ø' => out.push('o'),
            'đ' | 'Đ' => out.push('d'),
            'ł' | 'Ł' => out.push('l'),
            '\u{2019}' | '\u{2018}' | '\u{02bc}' => out.push('\''),
            _ => {
                for d in std::iter::once(c).nfd() {
                    if !is_combining_mark(d) {
                        out.extend(d.to_lowercase());
                    }
                }
            }
        }
    }
    out
}

/// The folded words of `text`, in order (one-letter words and stop words included).
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A word worth indexing or searching: two characters or more (or a number), not a stop word.
pub fn is_content_word(word: &str, language: Language) -> bool {
    let long_enough = word.chars().count() >= 2 || word.chars().all(|c| c.is_ascii_digit());
    long_enough && !is_stop_word(word, language)
}

/// Turns words into stems for one language.
pub struct Analyzer {
    language: Language,
    stemmer: Stemmer,
}

impl Analyzer {
    /// The analyzer of `language`.
    pub fn new(language: Language) -> Self {
        let algorithm = match language {
            Language::Fr => Algorithm::French,
            Language::En => Algorithm::English,
        };
        Self {
            language,
            stemmer: Stemmer::create(algorithm),
        }
    }

    /// The language analysed.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The stem of one folded word.
    pub fn stem(&self, word: &str) -> String {
        let word = match self.language {
            // Folding turns a feminine past participle (`cassée`, `abîmées`) into `-ee(s)`,
            // which the French stemmer, written for accented text, leaves alone: bring it back
            // to the masculine so that `cassee` and `casse` meet.
            Language::Fr => strip_folded_feminine(word),
            Language::En => word,
        };
        self.stemmer.stem(word).into_owned()
    }

    /// The stems of the content words of `text`, in order, repeats kept.
    #[cfg(test)]
    pub fn stems(&self, text: &str) -> Vec<String> {
        self.words_and_stems(text)
            .into_iter()
            .map(|(_, stem)| stem)
            .collect()
    }

    /// The content words of `text` (folded) with their stems, in order, repeats kept.
    pub fn words_and_stems(&self, text: &str) -> Vec<(String, String)> {
        words(text)
            .into_iter()
            .filter(|w| is_content_word(w, self.language))
            .map(|w| {
                let stem = self.stem(&w);
                (w, stem)
            })
            .collect()
    }
}

fn strip_folded_feminine(word: &str) -> &str {
    for (suffix, keep) in [("ees", 1), ("ee", 1)] {
        if word.len() > suffix.len() + 2 && word.ends_with(suffix) {
            return &word[..word.len() - suffix.len() + keep];
        }
    }
    word
}

/// Whether `term` can be quoted into an FTS5 query as it is (letters and digits only).
pub fn is_safe_term(term: &str) -> bool {
    !term.is_empty() && term.chars().all(char::is_alphanumeric)
}

fn is_stop_word(word: &str, language: Language) -> bool {
    match language {
        Language::Fr => FRENCH_STOP_WORDS.binary_search(&word).is_ok(),
        Language::En => ENGLISH_STOP_WORDS.binary_search(&word).is_ok(),
    }
}

/// Folded French words that carry no meaning for finding a service (sorted: binary search).
const FRENCH_STOP_WORDS: &[&str] = &[
    "ai", "aie", "as", "au", "aupres", "aussi", "aux", "avec", "avez", "avoir", "avons", "besoin",
    "bonjour", "ca", "ce", "ceci", "cela", "ces", "cet", "cette", "chez", "comme", "comment",
    "dans", "de", "deja", "des", "dois", "doit", "du", "elle", "elles", "en", "encore", "est",
    "et", "etre", "eu", "faire", "fait", "faut", "ici", "il", "ils", "je", "la", "le", "les",
    "leur", "leurs", "lui", "ma", "mais", "me", "merci", "mes", "moi", "moins", "mon", "ne", "nos",
    "notre", "nous", "on", "ont", "ou", "par", "pas", "peut", "peux", "plus", "pour", "pourquoi",
    "puis", "qu", "quand", "que", "quel", "quelle", "quelles", "quels", "qui", "sa", "se", "ses",
    "si", "son", "sont", "sur", "svp", "ta", "te", "tes", "toi", "ton", "tous", "tout", "toute",
    "toutes", "tres", "tu", "un", "une", "veut", "veux", "vos", "votre", "voudrais", "vous",
];

/// Folded English words that carry no meaning for finding a service (sorted: binary search).
const ENGLISH_STOP_WORDS: &[&str] = &[
    "about", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "by", "can",
    "could", "do", "does", "for", "from", "get", "got", "had", "has", "have", "hello", "how", "i",
    "if", "in", "into", "is", "it", "its", "just", "me", "my", "need", "of", "on", "or", "our",
    "please", "so", "some", "that", "the", "their", "there", "this", "to", "too", "us", "very",
    "want", "was", "we", "what", "where", "which", "who", "why", "will", "with", "would", "you",
    "your",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_word_lists_are_sorted_folded_and_unique() {
        for list in [FRENCH_STOP_WORDS, ENGLISH_STOP_WORDS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
            assert!(list.iter().all(|w| fold(w) == *w), "{list:?}");
        }
    }

    #[test]
    fn folding_removes_accents_case_and_ligatures() {
        assert_eq!(
            fold("Éclairage PUBLIC à l'Œuvre"),
            "eclairage public a l'oeuvre"
        );
        assert_eq!(fold("Déchets ça"), "dechets ca");
    }

    #[test]
    fn apostrophes_and_hyphens_split_words() {
        assert_eq!(
            words("l’état-civil d'Arlon"),
            ["l", "etat", "civil", "d", "arlon"]
        );
    }

    #[test]
    fn plurals_accents_and_feminine_forms_meet() {
        let fr = Analyzer::new(Language::Fr);
        assert_eq!(fr.stems("Voitures"), fr.stems("voiture"));
        assert_eq!(fr.stems("lampadaire cassée"), fr.stems("LAMPADAIRES cassé"));
        assert_eq!(fr.stems("déchets"), fr.stems("dechet"));
        let en = Analyzer::new(Language::En);
        assert_eq!(en.stems("Potholes"), en.stems("pothole"));
    }

    #[test]
    fn stop_words_and_single_letters_are_dropped() {
        let fr = Analyzer::new(Language::Fr);
        assert_eq!(fr.stems("j'ai un trou dans la route"), ["trou", "rout"]);
        let en = Analyzer::new(Language::En);
        assert_eq!(en.stems("I need a parking permit"), ["park", "permit"]);
    }
}
