//! From what the citizen typed to an FTS5 query: words, synonyms, typo corrections.
//!
//! A query becomes a list of *concepts*. A concept is one thing the citizen asked for, with
//! every way the catalogue may say it (alternatives: phrases of stems). A service matching more
//! concepts ranks first; among those that match as many, bm25 decides.
//!
//! Pure logic, no database: [`crate::search`] feeds it the vocabulary it reads.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use super::synonyms;
use super::text::{fold, is_content_word, is_safe_term, words, Analyzer};

/// Most content words of a query considered: a longer query is a sentence, not a search.
pub const MAX_WORDS: usize = 12;
/// Most alternatives one concept brings into the FTS query.
const MAX_ALTERNATIVES: usize = 24;
/// Most vocabulary terms substituted for one misspelt word.
const MAX_CORRECTIONS: usize = 3;

/// One way of saying a concept: a phrase of stems, or a prefix of one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Alternative {
    /// The stems, in order (one for a word, more for an expression).
    pub stems: Vec<String>,
    /// Matches any term starting with the (single) stem.
    pub prefix: bool,
}

/// What a concept came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// One or more query words found in synonym groups: nothing to correct.
    Synonyms,
    /// A query word not in any synonym group: checked against the vocabulary.
    Word {
        /// The folded word as typed.
        word: String,
        /// Its stem.
        stem: String,
        /// Whether it is the last word of the query (the one still being typed).
        last: bool,
    },
}

/// One thing asked for, and every way of saying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concept {
    /// Where it comes from.
    pub origin: Origin,
    /// Ways of saying it (deduplicated, sorted).
    pub alternatives: BTreeSet<Alternative>,
}

/// The synonym groups of a language, analysed like the catalogue, lazily: an entry is only
/// folded when one of its words starts with the letter a query stem starts with, and only
/// stemmed when it may match; analysing every entry on every request would cost more than
/// the search itself.
pub struct Thesaurus<'a> {
    analyzer: &'a Analyzer,
    groups: &'static [&'static [&'static str]],
    /// Folded content words of the entries analysed so far.
    entries: RefCell<HashMap<&'static str, Rc<[String]>>>,
    /// Stems computed so far, by folded word.
    stems: RefCell<HashMap<String, String>>,
}

impl<'a> Thesaurus<'a> {
    /// The groups of `analyzer`'s language.
    pub fn new(analyzer: &'a Analyzer) -> Self {
        Self {
            analyzer,
            groups: synonyms::groups(analyzer.language()),
            entries: RefCell::new(HashMap::new()),
            stems: RefCell::new(HashMap::new()),
        }
    }

    /// The folded content words of `entry`.
    fn words_of(&self, entry: &'static str) -> Rc<[String]> {
        if let Some(words) = self.entries.borrow().get(entry) {
            return Rc::clone(words);
        }
        let language = self.analyzer.language();
        let words: Rc<[String]> = words(entry)
            .into_iter()
            .filter(|w| is_content_word(w, language))
            .collect();
        self.entries.borrow_mut().insert(entry, Rc::clone(&words));
        words
    }

    fn stem(&self, word: &str) -> String {
        if let Some(stem) = self.stems.borrow().get(word) {
            return stem.clone();
        }
        let stem = self.analyzer.stem(word);
        self.stems
            .borrow_mut()
            .insert(word.to_owned(), stem.clone());
        stem
    }

    /// Whether the folded `word` stems to `stem`. A stem is the word less a suffix, give or
    /// take its last letter, so a word that does not start with it is not stemmed at all.
    fn stems_to(&self, word: &str, stem: &str) -> bool {
        let mut head = stem.chars();
        if stem.chars().count() > 3 {
            head.next_back();
        }
        word.starts_with(head.as_str()) && self.stem(word) == stem
    }

    /// Whether `entry` may begin with `stems` (`stems` at least as long as the entry).
    fn entry_matches(&self, entry: &'static str, stems: &[String]) -> bool {
        let Some(first) = stems.first().and_then(|s| s.chars().next()) else {
            return false;
        };
        if !has_word_starting_with(entry, first) {
            return false;
        }
        let words = self.words_of(entry);
        !words.is_empty()
            && words.len() <= stems.len()
            && words.iter().zip(stems).all(|(w, s)| self.stems_to(w, s))
    }

    /// The longest entry of any group that `stems` starts with, as a number of stems.
    fn longest_entry_at(&self, stems: &[String]) -> usize {
        self.groups
            .iter()
            .flat_map(|group| group.iter())
            .filter(|entry| self.entry_matches(entry, stems))
            .map(|entry| self.words_of(entry).len())
            .max()
            .unwrap_or(0)
    }

    /// Every one-word entry, folded: what a misspelt word may also be corrected to.
    fn single_words(&self) -> BTreeSet<String> {
        self.groups
            .iter()
            .flat_map(|group| group.iter())
            .map(|entry| self.words_of(entry))
            .filter(|words| words.len() == 1)
            .map(|words| words[0].clone())
            .collect()
    }

    /// The alternatives of every group holding an entry that stems to exactly `stems`, or
    /// `None`.
    fn expand(&self, stems: &[String]) -> Option<BTreeSet<Alternative>> {
        let mut alternatives = BTreeSet::new();
        for group in self.groups {
            let holds = group.iter().any(|entry| {
                self.entry_matches(entry, stems) && self.words_of(entry).len() == stems.len()
            });
            if !holds {
                continue;
            }
            for entry in group.iter() {
                let words = self.words_of(entry);
                if !words.is_empty() {
                    alternatives.insert(Alternative {
                        stems: words.iter().map(|w| self.stem(w)).collect(),
                        prefix: false,
                    });
                }
            }
        }
        (!alternatives.is_empty()).then_some(alternatives)
    }
}

/// Whether a word of `text` starts with `letter` once folded (without allocating for ASCII
/// letters), so that entries that cannot match a stem are never analysed.
fn has_word_starting_with(text: &str, letter: char) -> bool {
    let mut at_start = true;
    for c in text.chars() {
        if c.is_alphanumeric() {
            let starts = if c.is_ascii() {
                c.to_ascii_lowercase() == letter
            } else {
                fold(c.encode_utf8(&mut [0; 4])).starts_with(letter)
            };
            if at_start && starts {
                return true;
            }
            at_start = false;
        } else {
            at_start = true;
        }
    }
    false
}

/// The concepts of `query`, before any vocabulary check.
pub fn concepts(query: &str, analyzer: &Analyzer, thesaurus: &Thesaurus<'_>) -> Vec<Concept> {
    let language = analyzer.language();
    let content: Vec<String> = words(query)
        .into_iter()
        .filter(|w| is_content_word(w, language))
        .take(MAX_WORDS)
        .collect();
    let stems: Vec<String> = content.iter().map(|w| analyzer.stem(w)).collect();
    let mut concepts: Vec<Concept> = Vec::new();
    let mut i = 0;
    while i < stems.len() {
        let length = thesaurus.longest_entry_at(&stems[i..]);
        let concept = match (length > 0)
            .then(|| thesaurus.expand(&stems[i..i + length]))
            .flatten()
        {
            Some(alternatives) => {
                i += length;
                Concept {
                    origin: Origin::Synonyms,
                    alternatives,
                }
            }
            None => {
                let concept = Concept {
                    origin: Origin::Word {
                        word: content[i].clone(),
                        stem: stems[i].clone(),
                        last: i + 1 == stems.len(),
                    },
                    alternatives: BTreeSet::from([Alternative {
                        stems: vec![stems[i].clone()],
                        prefix: false,
                    }]),
                };
                i += 1;
                concept
            }
        };
        // "trou dans la route": two words, one idea.
        if !concepts
            .iter()
            .any(|c| c.alternatives == concept.alternatives)
        {
            concepts.push(concept);
        }
    }
    concepts
}

/// The Damerau-Levenshtein distance allowed for a word of `chars` characters: none under 4,
/// 1 up to 7, 2 beyond.
pub fn allowed_distance(chars: usize) -> usize {
    match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// The stems to look up in the vocabulary, each with the range of lengths (in characters) of
/// the vocabulary words a query word may be corrected to if the vocabulary does not know its
/// stem: for a word outside the synonym groups, its length give or take the distance allowed
/// (`(0, 0)` when the word is too short to be corrected); for the stems of synonym
/// alternatives, `(0, 0)` (only whether they exist matters: see [`prune`]).
pub fn lookups(concepts: &[Concept]) -> Vec<(String, usize, usize)> {
    let mut lookups: Vec<(String, usize, usize)> = Vec::new();
    for concept in concepts {
        if let Origin::Word { word, stem, .. } = &concept.origin {
            let length = word.chars().count();
            let distance = allowed_distance(length);
            let range = if distance == 0 {
                (0, 0)
            } else {
                (length.saturating_sub(distance).max(1), length + distance)
            };
            lookups.retain(|(s, _, _)| s != stem);
            lookups.push((stem.clone(), range.0, range.1));
        }
    }
    for concept in concepts {
        if let Origin::Synonyms = concept.origin {
            for stem in concept.alternatives.iter().flat_map(|a| &a.stems) {
                if !lookups.iter().any(|(s, _, _)| s == stem) {
                    lookups.push((stem.clone(), 0, 0));
                }
            }
        }
    }
    lookups
}

/// Removes from synonym concepts the ways of saying them that cannot match: an alternative
/// with a stem the vocabulary does not hold, or a phrase holding another alternative (a
/// service with "occupation du domaine public" also has "domaine public"). Each alternative
/// costs the search an index lookup or more, and synonym groups are wide. A concept left
/// with no alternative is dropped: nothing in the catalogue says it.
pub fn prune(concepts: &mut Vec<Concept>, known: &BTreeSet<String>) {
    for concept in concepts.iter_mut() {
        if let Origin::Synonyms = concept.origin {
            concept
                .alternatives
                .retain(|a| a.stems.iter().all(|s| known.contains(s)));
            let all = concept.alternatives.clone();
            concept.alternatives.retain(|a| {
                !all.iter().any(|b| {
                    b != a
                        && a.stems
                            .windows(b.stems.len())
                            .any(|w| w == b.stems.as_slice())
                })
            });
        }
    }
    concepts.retain(|c| !c.alternatives.is_empty());
}

/// A vocabulary word a misspelt query word may be corrected to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The word as the catalogue writes it (folded).
    pub word: String,
    /// Its stem: what the query searches once corrected.
    pub stem: String,
    /// How many services use it (the more, the likelier).
    pub services: i64,
}

/// Replaces words whose stem the vocabulary does not know: by the stems of the closest
/// vocabulary words or synonym entries within the allowed distance (expanded with their
/// synonyms), by a prefix search for the last word, or drops them. Returns whether anything
/// was corrected.
pub fn correct(
    concepts: &mut Vec<Concept>,
    known: &BTreeSet<String>,
    vocabulary: &[Candidate],
    thesaurus: &Thesaurus<'_>,
) -> bool {
    // Folding every entry costs: only done when a word needs correcting.
    let mut synonyms: Option<BTreeSet<String>> = None;
    let mut corrected = false;
    let mut kept = Vec::with_capacity(concepts.len());
    for mut concept in concepts.drain(..) {
        let Origin::Word { word, stem, last } = &concept.origin else {
            kept.push(concept);
            continue;
        };
        if known.contains(stem) {
            kept.push(concept);
            continue;
        }
        let allowed = allowed_distance(word.chars().count());
        let mut best: Vec<(usize, i64, String)> = Vec::new();
        if allowed > 0 {
            // Words are compared as written (folded): a typo in an ending throws the stemmer
            // off ("encombrnats"); the correction is the stem of the word found.
            let mut distance = Distance::new(word, allowed);
            for candidate in vocabulary {
                let d = distance.to(&candidate.word);
                if d <= allowed {
                    best.push((d, -candidate.services, candidate.stem.clone()));
                }
            }
            for entry in synonyms
                .get_or_insert_with(|| thesaurus.single_words())
                .iter()
            {
                let d = distance.to(entry);
                if d <= allowed {
                    best.push((d, 0, thesaurus.stem(entry)));
                }
            }
        }
        best.sort_unstable();
        // The same stem through several words: keep its best.
        let mut seen = BTreeSet::new();
        best.retain(|b| seen.insert(b.2.clone()));
        if let Some((distance, _, _)) = best.first() {
            let distance = *distance;
            let mut alternatives = BTreeSet::new();
            for (_, _, term) in best
                .iter()
                .filter(|b| b.0 == distance)
                .take(MAX_CORRECTIONS)
            {
                let stems = vec![term.clone()];
                match thesaurus.expand(&stems) {
                    Some(expanded) => alternatives.extend(expanded),
                    None => {
                        alternatives.insert(Alternative {
                            stems,
                            prefix: false,
                        });
                    }
                }
            }
            concept.alternatives = alternatives;
            corrected = true;
            kept.push(concept);
        } else if *last && stem.chars().count() >= 3 {
            concept.alternatives = BTreeSet::from([Alternative {
                stems: vec![stem.clone()],
                prefix: true,
            }]);
            corrected = true;
            kept.push(concept);
        }
        // Otherwise the word matches nothing: leave it out rather than match nothing.
    }
    *concepts = kept;
    corrected
}

/// The distance from one query word to many terms, without allocating for each.
struct Distance {
    word: Vec<char>,
    allowed: usize,
    term: Vec<char>,
    rows: [Vec<usize>; 3],
}

impl Distance {
    fn new(word: &str, allowed: usize) -> Self {
        let word: Vec<char> = word.chars().collect();
        let width = word.len() + 1;
        Self {
            word,
            allowed,
            term: Vec::new(),
            rows: [vec![0; width], vec![0; width], vec![0; width]],
        }
    }

    /// The distance to `term`, or `allowed + 1` when it is more than `allowed`.
    fn to(&mut self, term: &str) -> usize {
        let over = self.allowed + 1;
        // Lengths alone tell most terms apart.
        if term.len().abs_diff(self.word.len()) > self.allowed * 4 {
            return over;
        }
        self.term.clear();
        self.term.extend(term.chars());
        if self.term.len().abs_diff(self.word.len()) > self.allowed {
            return over;
        }
        bounded_distance(&self.term, &self.word, self.allowed, &mut self.rows)
    }
}

/// The Damerau-Levenshtein distance between `a` and `b` in its optimal-string-alignment form
/// (insertions, deletions, substitutions and transpositions of adjacent letters, each costing
/// 1; the same as the unrestricted distance up to 1, and in all but contrived cases up to 2),
/// or `allowed + 1` as soon as it is known to exceed `allowed`. `rows` are three rows of
/// `b.len() + 1` cells of scratch space.
fn bounded_distance(a: &[char], b: &[char], allowed: usize, rows: &mut [Vec<usize>; 3]) -> usize {
    let over = allowed + 1;
    if a.len().abs_diff(b.len()) > allowed {
        return over;
    }
    let width = b.len() + 1;
    // Rows i-2, i-1 and i of the dynamic programme, rotated.
    let (mut before, mut previous, mut current) = (0, 1, 2);
    for (j, cell) in rows[previous][..width].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[current][0] = i;
        let mut row_min = i;
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (rows[previous][j] + 1)
                .min(rows[current][j - 1] + 1)
                .min(rows[previous][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(rows[before][j - 2] + 1);
            }
            rows[current][j] = value;
            row_min = row_min.min(value);
        }
        if row_min > allowed {
            return over;
        }
        (before, previous, current) = (previous, current, before);
    }
    rows[previous][b.len()].min(over)
}

/// Concepts saying the same thing become one: when every way of saying a concept is also a
/// way of saying another ("sacs poubelles": both words are in the waste group), only the
/// broader one is kept, so that a service is not counted twice for one idea.
pub fn merge(concepts: &mut Vec<Concept>) {
    let mut i = 0;
    while i < concepts.len() {
        let absorbed = (0..concepts.len()).any(|j| {
            j != i
                && concepts[i]
                    .alternatives
                    .is_subset(&concepts[j].alternatives)
                && (j < i || concepts[i].alternatives != concepts[j].alternatives)
        });
        if absorbed {
            concepts.remove(i);
        } else {
            i += 1;
        }
    }
}

/// The FTS5 expression of one concept: its alternatives, quoted, ORed.
pub fn expression(concept: &Concept) -> Option<String> {
    let phrases: Vec<String> = concept
        .alternatives
        .iter()
        .filter(|a| !a.stems.is_empty() && a.stems.iter().all(|s| is_safe_term(s)))
        .take(MAX_ALTERNATIVES)
        .map(|a| {
            let phrase = format!("\"{}\"", a.stems.join(" "));
            if a.prefix {
                format!("{phrase}*")
            } else {
                phrase
            }
        })
        .collect();
    (!phrases.is_empty()).then(|| format!("({})", phrases.join(" OR ")))
}

#[cfg(test)]
mod tests {
    use super::super::text::Language;
    use super::*;

    fn plan(query: &str, language: Language) -> Vec<Concept> {
        let analyzer = Analyzer::new(language);
        let thesaurus = Thesaurus::new(&analyzer);
        concepts(query, &analyzer, &thesaurus)
    }

    fn has(concept: &Concept, stems: &[&str]) -> bool {
        concept
            .alternatives
            .iter()
            .any(|a| a.stems.iter().map(String::as_str).eq(stems.iter().copied()))
    }

    #[test]
    fn a_synonym_brings_in_its_group() {
        let concepts = plan("macaron voiture", Language::Fr);
        assert_eq!(concepts.len(), 2);
        assert!(has(&concepts[0], &["vignet"]), "{concepts:?}");
        assert!(has(&concepts[1], &["vehicul"]), "{concepts:?}");
    }

    #[test]
    fn an_expression_is_matched_as_a_whole() {
        let concepts = plan("dépôt sauvage de déchets", Language::Fr);
        // "dépôt sauvage" is one entry of the waste group, "déchets" another: one concept.
        assert_eq!(concepts.len(), 1, "{concepts:?}");
        assert!(has(&concepts[0], &["poubel"]), "{concepts:?}");
    }

    #[test]
    fn two_words_of_one_group_make_one_concept() {
        let concepts = plan("trou dans la route", Language::Fr);
        assert_eq!(concepts.len(), 1, "{concepts:?}");
    }

    #[test]
    fn unknown_words_are_corrected_from_the_vocabulary() {
        let analyzer = Analyzer::new(Language::Fr);
        let thesaurus = Thesaurus::new(&analyzer);
        let mut concepts = concepts("permis de construir", &analyzer, &thesaurus);
        let mut concepts2 = self::concepts("atestation", &analyzer, &thesaurus);
        let known = BTreeSet::new();
        let candidate = |word: &str, stem: &str, services| Candidate {
            word: word.to_owned(),
            stem: stem.to_owned(),
            services,
        };
        let vocabulary = vec![
            candidate("attestation", "attest", 3),
            candidate("construire", "construir", 2),
        ];
        assert_eq!(lookups(&concepts2), [("atest".to_owned(), 8, 12)]);
        assert!(
            lookups(&concepts).contains(&("perm".to_owned(), 0, 0)),
            "synonyms are looked up"
        );
        correct(&mut concepts, &known, &vocabulary, &thesaurus);
        assert!(
            concepts.iter().any(|c| has(c, &["construir"])),
            "{concepts:?}"
        );
        assert!(correct(&mut concepts2, &known, &vocabulary, &thesaurus));
        assert!(has(&concepts2[0], &["attest"]), "{concepts2:?}");
    }

    #[test]
    fn short_words_are_not_corrected_and_the_last_word_becomes_a_prefix() {
        let analyzer = Analyzer::new(Language::Fr);
        let thesaurus = Thesaurus::new(&analyzer);
        let mut concepts = concepts("zut lampad", &analyzer, &thesaurus);
        let vocabulary = vec![Candidate {
            word: "lampadaire".to_owned(),
            stem: "lampadair".to_owned(),
            services: 1,
        }];
        correct(&mut concepts, &BTreeSet::new(), &vocabulary, &thesaurus);
        assert_eq!(concepts.len(), 1, "{concepts:?}");
        assert!(concepts[0].alternatives.iter().all(|a| a.prefix));
    }

    #[test]
    fn the_distance_counts_edits_and_adjacent_transpositions() {
        let d = |a: &str, b: &str, allowed: usize| Distance::new(b, allowed).to(a);
        assert_eq!(d("chien", "chien", 2), 0);
        assert_eq!(d("chein", "chien", 2), 1, "transposition");
        assert_eq!(d("chin", "chien", 2), 1, "deletion");
        assert_eq!(d("chiens", "chien", 2), 1, "insertion");
        assert_eq!(d("chian", "chien", 2), 1, "substitution");
        assert_eq!(d("lampadere", "lampadaire", 2), 2);
        assert_eq!(d("lampadere", "lampadaire", 1), 2, "capped at allowed + 1");
        assert_eq!(d("abc", "abcdef", 2), 3, "lengths alone exceed the bound");
        assert_eq!(d("", "ab", 2), 2);
    }

    #[test]
    fn a_concept_within_another_is_merged_into_it() {
        let mut concepts = plan("sacs poubelles abandonnés", Language::Fr);
        assert_eq!(concepts.len(), 3, "{concepts:?}");
        merge(&mut concepts);
        assert_eq!(concepts.len(), 2, "{concepts:?}");
        assert!(
            has(&concepts[0], &["bac"]),
            "the broader one is kept: {concepts:?}"
        );
    }

    #[test]
    fn alternatives_the_catalogue_cannot_match_are_pruned() {
        let mut concepts = plan("occupation du domaine public", Language::Fr);
        let known: BTreeSet<String> = ["occup", "domain", "public", "terr"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        prune(&mut concepts, &known);
        let alternatives: Vec<Vec<String>> = concepts[0]
            .alternatives
            .iter()
            .map(|a| a.stems.clone())
            .collect();
        // "tables", "chaises" are unknown; "occupation du domaine public" holds "domaine public".
        assert_eq!(alternatives, [vec!["domain", "public"], vec!["terr"]]);
        let mut nothing = plan("bagnole", Language::Fr);
        prune(&mut nothing, &BTreeSet::new());
        assert!(nothing.is_empty());
    }

    #[test]
    fn the_fts_expression_quotes_every_phrase() {
        let concepts = plan("trou route", Language::Fr);
        let query = expression(&concepts[0]).unwrap_or_default();
        assert!(query.starts_with("(\""), "{query}");
        assert!(query.contains("\"nid poul\""), "{query}");
    }
}
