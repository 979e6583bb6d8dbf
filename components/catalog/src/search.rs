//! Finding a service in the citizen's words: "macaron voiture" finds the resident parking
//! permit.
//!
//! Two SQLite FTS5 tables, one per language (`search_fr`, `search_en`), hold the stems of each
//! service's name, keywords and description. Text goes through [`text`] on both sides
//! (accents and case folded, stop words dropped, Snowball stems), and FTS5's `unicode61
//! remove_diacritics 2` tokenizer folds again, so an accent that slipped through still does
//! not matter. A vocabulary table (`search_vocab`: each word of the catalogue with its stem,
//! language and number of services) lets a query correct misspelt words without scanning the
//! index (Damerau-Levenshtein distance 1 for words of 4 to 7 letters, 2 beyond);
//! [`synonyms`] expands words to the other ways citizens say them. Every row carries its
//! commune, and searches filter on it.
//!
//! Ranking: the services matching the most query concepts first (a concept is a word with its
//! synonyms, see [`plan`]); among them bm25, with the name weighted above the keywords, above
//! the description. The citizen's language is searched first; the other language only when
//! nothing matches.
//!
//! Cost of a search, in host calls: one statement to look the query's stems up in the
//! vocabulary (bringing back the typo candidates of the words it does not know), one ranked
//! search; twice that when the other language has to be tried.
//!
//! [`reindex`] and [`remove`] open no transaction: call them inside the caller's (a service
//! and its index change together).

mod plan;
mod synonyms;
mod text;

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, Context as _};
use spin_sdk::sqlite3::{Connection, QueryResult, Value};

use crate::model::Lang;
use plan::{Concept, Thesaurus};
use text::{Analyzer, Language};

/// What the search index needs of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedService {
    /// The service code (`dog-licence`).
    pub code: String,
    /// Its group (`animals`), for filtering.
    pub group: String,
    /// Name in French.
    pub name_fr: String,
    /// Name in English.
    pub name_en: String,
    /// Description in French.
    pub description_fr: String,
    /// Description in English.
    pub description_en: String,
    /// Keywords in French: the words citizens use.
    pub keywords_fr: Vec<String>,
    /// Keywords in English.
    pub keywords_en: Vec<String>,
}

/// One service found, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The service code.
    pub code: String,
    /// Relevance, higher is better: the number of query concepts the service matches, plus a
    /// bm25-based fraction below 1 (comparable within one search only).
    pub score: f64,
}

/// The search tables (appended after the catalogue's own migrations; append only).
pub const MIGRATIONS: &[&str] = &[
    // One row per indexed service: the rowid it has in both FTS tables, its group, and the
    // distinct words it added to the vocabulary (`terms_fr`, `terms_en`: JSON arrays), so that
    // a change updates the vocabulary counts exactly.
    "CREATE TABLE search_docs (\
        id INTEGER PRIMARY KEY, commune TEXT NOT NULL, code TEXT NOT NULL, grp TEXT NOT NULL, \
        terms_fr TEXT NOT NULL, terms_en TEXT NOT NULL, UNIQUE (commune, code))",
    // The stems of each service, one table per language. `tags` holds a token for the commune
    // and one for the group (see `tag`), so that both filters are index lookups inside the
    // MATCH: a search never reads the stored text of the rows it ranks.
    "CREATE VIRTUAL TABLE search_fr USING fts5(\
        tags, name, keywords, description, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE search_en USING fts5(\
        tags, name, keywords, description, tokenize = 'unicode61 remove_diacritics 2')",
    // Every word of a commune's catalogue per language (folded, as written: what a misspelt
    // query word is compared with), its stem, and the number of services using it. Stored by
    // length: the typo candidates of a word are one range of the key.
    "CREATE TABLE search_vocab (\
        commune TEXT NOT NULL, lang TEXT NOT NULL, len INTEGER NOT NULL, word TEXT NOT NULL, \
        stem TEXT NOT NULL, docs INTEGER NOT NULL, PRIMARY KEY (commune, lang, len, word)) \
        WITHOUT ROWID",
    "CREATE INDEX search_vocab_stem ON search_vocab (commune, lang, stem)",
];

/// Most hits a search returns, whatever the caller asks.
const MAX_LIMIT: usize = 100;
/// Longest query considered, in bytes (cut at a character boundary).
const MAX_QUERY_BYTES: usize = 256;

/// The FTS table of a language.
fn table(language: Language) -> &'static str {
    match language {
        Language::Fr => "search_fr",
        Language::En => "search_en",
    }
}

/// The ranking function of a language's table: weights in column order (tags, name,
/// keywords, description): the name above the keywords above the description.
fn bm25(language: Language) -> String {
    format!("bm25({}, 0.0, 10.0, 4.0, 1.0)", table(language))
}

/// The token standing for a commune (`kind` `c`) or a group (`g`) in the `tags` column: the
/// kind then the value in hexadecimal, a single alphanumeric token whatever the value holds.
fn tag(kind: char, value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut token = String::with_capacity(1 + 2 * value.len());
    token.push(kind);
    for byte in value.bytes() {
        token.push(char::from(HEX[usize::from(byte >> 4)]));
        token.push(char::from(HEX[usize::from(byte & 15)]));
    }
    token
}

fn language(lang: Lang) -> Language {
    match lang {
        Lang::Fr => Language::Fr,
        Lang::En => Language::En,
    }
}

/// The analysed text of a service in one language: FTS columns (stems) and its distinct
/// words with their stems.
struct Analysed {
    language: Language,
    name: String,
    keywords: String,
    description: String,
    words: BTreeMap<String, String>,
}

fn analyse(language: Language, name: &str, keywords: &[String], description: &str) -> Analysed {
    let analyzer = Analyzer::new(language);
    let name = analyzer.words_and_stems(name);
    let keywords: Vec<(String, String)> = keywords
        .iter()
        .flat_map(|k| analyzer.words_and_stems(k))
        .collect();
    let description = analyzer.words_and_stems(description);
    let join = |pairs: &[(String, String)]| {
        pairs
            .iter()
            .map(|(_, stem)| stem.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    Analysed {
        language,
        name: join(&name),
        keywords: join(&keywords),
        description: join(&description),
        words: name
            .iter()
            .chain(&keywords)
            .chain(&description)
            .cloned()
            .collect(),
    }
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

fn run(conn: &Connection, sql: &str, params: &[Value]) -> anyhow::Result<QueryResult> {
    conn.execute(sql, params)
        .map_err(|e| anyhow!("search SQL error {e:?} in: {sql}"))
}

/// A word of the vocabulary: its language, the word, and its stem when adding it.
type VocabularyWord<'a> = (Language, &'a str, &'a str);

/// `[["fr","word","stem"],…]`: the parameter of the vocabulary updates.
fn vocabulary_json(words: &[VocabularyWord<'_>]) -> String {
    let triples: Vec<[&str; 3]> = words.iter().map(|(l, w, s)| [l.code(), w, s]).collect();
    serde_json::to_string(&triples).unwrap_or_else(|_| "[]".to_owned())
}

fn words_json(words: &BTreeMap<String, String>) -> String {
    serde_json::to_string(&words.keys().collect::<Vec<_>>()).unwrap_or_else(|_| "[]".to_owned())
}

fn parse_words(json: Option<&str>) -> BTreeSet<String> {
    json.and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default()
}

/// The words of `new` not in `old` (to add), with their stems.
fn added<'a>(
    language: Language,
    new: &'a BTreeMap<String, String>,
    old: &'a BTreeSet<String>,
) -> impl Iterator<Item = VocabularyWord<'a>> {
    new.iter()
        .filter(move |(word, _)| !old.contains(*word))
        .map(move |(word, stem)| (language, word.as_str(), stem.as_str()))
}

/// The words of `old` not in `new` (to remove).
fn removed<'a>(
    language: Language,
    old: &'a BTreeSet<String>,
    new: &'a BTreeMap<String, String>,
) -> impl Iterator<Item = VocabularyWord<'a>> {
    old.iter()
        .filter(move |word| !new.contains_key(*word))
        .map(move |word| (language, word.as_str(), ""))
}

/// Indexes `service` for `commune`, replacing what was indexed under its code.
pub fn reindex(conn: &Connection, commune: &str, service: &IndexedService) -> anyhow::Result<()> {
    let fr = analyse(
        Language::Fr,
        &service.name_fr,
        &service.keywords_fr,
        &service.description_fr,
    );
    let en = analyse(
        Language::En,
        &service.name_en,
        &service.keywords_en,
        &service.description_en,
    );
    let old = run(
        conn,
        "SELECT id, terms_fr, terms_en FROM search_docs WHERE commune = ?1 AND code = ?2",
        &[text(commune), text(&service.code)],
    )?;
    let tags = format!("{} {}", tag('c', commune), tag('g', &service.group));
    let (id, old_fr, old_en) = match old.rows.first() {
        Some(row) => {
            let id: i64 = row.get(0).context("search_docs.id")?;
            run(
                conn,
                "UPDATE search_docs SET grp = ?2, terms_fr = ?3, terms_en = ?4 WHERE id = ?1",
                &[
                    Value::Integer(id),
                    text(&service.group),
                    text(&words_json(&fr.words)),
                    text(&words_json(&en.words)),
                ],
            )?;
            (id, parse_words(row.get(1)), parse_words(row.get(2)))
        }
        None => {
            let inserted = run(
                conn,
                "INSERT INTO search_docs (commune, code, grp, terms_fr, terms_en) \
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                &[
                    text(commune),
                    text(&service.code),
                    text(&service.group),
                    text(&words_json(&fr.words)),
                    text(&words_json(&en.words)),
                ],
            )?;
            let id: i64 = inserted
                .rows
                .first()
                .and_then(|r| r.get(0))
                .context("search_docs returned no id")?;
            (id, BTreeSet::new(), BTreeSet::new())
        }
    };
    for analysed in [&fr, &en] {
        // REPLACE: a new row, or the one this service had.
        run(
            conn,
            &format!(
                "INSERT OR REPLACE INTO {} (rowid, tags, name, keywords, description) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                table(analysed.language)
            ),
            &[
                Value::Integer(id),
                text(&tags),
                text(&analysed.name),
                text(&analysed.keywords),
                text(&analysed.description),
            ],
        )?;
    }
    let new: Vec<VocabularyWord<'_>> = added(Language::Fr, &fr.words, &old_fr)
        .chain(added(Language::En, &en.words, &old_en))
        .collect();
    let gone: Vec<VocabularyWord<'_>> = removed(Language::Fr, &old_fr, &fr.words)
        .chain(removed(Language::En, &old_en, &en.words))
        .collect();
    add_to_vocabulary(conn, commune, &new)?;
    remove_from_vocabulary(conn, commune, &gone)
}

/// Removes the service `code` of `commune` from the index (nothing happens if it is absent).
pub fn remove(conn: &Connection, commune: &str, code: &str) -> anyhow::Result<()> {
    let old = run(
        conn,
        "DELETE FROM search_docs WHERE commune = ?1 AND code = ?2 RETURNING id, terms_fr, terms_en",
        &[text(commune), text(code)],
    )?;
    let Some(row) = old.rows.first() else {
        return Ok(());
    };
    let id: i64 = row.get(0).context("search_docs.id")?;
    for language in [Language::Fr, Language::En] {
        run(
            conn,
            &format!("DELETE FROM {} WHERE rowid = ?1", table(language)),
            &[Value::Integer(id)],
        )?;
    }
    let (fr, en) = (parse_words(row.get(1)), parse_words(row.get(2)));
    let none = BTreeMap::new();
    let gone: Vec<VocabularyWord<'_>> = removed(Language::Fr, &fr, &none)
        .chain(removed(Language::En, &en, &none))
        .collect();
    remove_from_vocabulary(conn, commune, &gone)
}

fn add_to_vocabulary(
    conn: &Connection,
    commune: &str,
    words: &[VocabularyWord<'_>],
) -> anyhow::Result<()> {
    if words.is_empty() {
        return Ok(());
    }
    run(
        conn,
        "INSERT INTO search_vocab (commune, lang, len, word, stem, docs) \
         SELECT ?1, json_extract(value, '$[0]'), length(json_extract(value, '$[1]')), \
                json_extract(value, '$[1]'), json_extract(value, '$[2]'), 1 \
         FROM json_each(?2) WHERE true \
         ON CONFLICT (commune, lang, len, word) DO UPDATE SET docs = docs + 1",
        &[text(commune), text(&vocabulary_json(words))],
    )
    .map(drop)
}

fn remove_from_vocabulary(
    conn: &Connection,
    commune: &str,
    words: &[VocabularyWord<'_>],
) -> anyhow::Result<()> {
    if words.is_empty() {
        return Ok(());
    }
    let params = [text(commune), text(&vocabulary_json(words))];
    const KEYS: &str = "SELECT json_extract(value, '$[0]'), length(json_extract(value, '$[1]')), \
                        json_extract(value, '$[1]') FROM json_each(?2)";
    run(
        conn,
        &format!(
            "UPDATE search_vocab SET docs = docs - 1 \
             WHERE commune = ?1 AND (lang, len, word) IN ({KEYS})"
        ),
        &params,
    )?;
    run(
        conn,
        &format!(
            "DELETE FROM search_vocab \
             WHERE commune = ?1 AND docs <= 0 AND (lang, len, word) IN ({KEYS})"
        ),
        &params,
    )
    .map(drop)
}

/// The services of `commune` matching `query`, best first, at most `limit` (capped at 100),
/// only in `group` if given. Searches `lang`'s texts first, the other language's only if
/// nothing matches there.
pub fn search(
    conn: &Connection,
    commune: &str,
    query: &str,
    lang: Lang,
    group: Option<&str>,
    limit: usize,
) -> anyhow::Result<Vec<SearchHit>> {
    let limit = limit.clamp(1, MAX_LIMIT);
    let query = truncate(query, MAX_QUERY_BYTES);
    let first = language(lang);
    let hits = search_in(conn, commune, query, first, group, limit)?;
    if !hits.is_empty() {
        return Ok(hits);
    }
    search_in(conn, commune, query, first.other(), group, limit)
}

fn truncate(query: &str, max: usize) -> &str {
    if query.len() <= max {
        return query;
    }
    let mut end = max;
    while !query.is_char_boundary(end) {
        end -= 1;
    }
    &query[..end]
}

/// Search parameters shared by the statements of one language.
struct Scope<'a> {
    commune: &'a str,
    language: Language,
    group: Option<&'a str>,
    limit: usize,
}

fn search_in(
    conn: &Connection,
    commune: &str,
    query: &str,
    language: Language,
    group: Option<&str>,
    limit: usize,
) -> anyhow::Result<Vec<SearchHit>> {
    let analyzer = Analyzer::new(language);
    let thesaurus = Thesaurus::new(&analyzer);
    let mut concepts = plan::concepts(query, &analyzer, &thesaurus);
    if concepts.is_empty() {
        return Ok(Vec::new());
    }
    let scope = Scope {
        commune,
        language,
        group,
        limit,
    };
    let (known, vocabulary) = vocabulary(conn, &scope, &plan::lookups(&concepts))?;
    plan::prune(&mut concepts, &known);
    plan::correct(&mut concepts, &known, &vocabulary, &thesaurus);
    plan::merge(&mut concepts);
    ranked(conn, &scope, &concepts)
}

/// One statement: which of the looked-up stems the vocabulary knows, and the vocabulary
/// words of plausible length for the query words whose stem it does not know (the typo
/// candidates, with their stems and the number of services using each). Nothing to look up,
/// no statement.
fn vocabulary(
    conn: &Connection,
    scope: &Scope<'_>,
    lookups: &[(String, usize, usize)],
) -> anyhow::Result<(BTreeSet<String>, Vec<plan::Candidate>)> {
    if lookups.is_empty() {
        return Ok((BTreeSet::new(), Vec::new()));
    }
    // Each answer comes back as one text: a row crosses the host boundary far cheaper than
    // thousands.
    let result = run(
        conn,
        "WITH asked AS (\
           SELECT json_extract(value, '$[0]') AS stem, json_extract(value, '$[1]') AS lo, \
                  json_extract(value, '$[2]') AS hi FROM json_each(?3)), \
         missing AS (\
           SELECT lo, hi FROM asked WHERE hi > 0 AND NOT EXISTS (\
             SELECT 1 FROM search_vocab AS v \
             WHERE v.commune = ?1 AND v.lang = ?2 AND v.stem = asked.stem)) \
         SELECT 0, group_concat(stem, ' ') FROM (\
           SELECT DISTINCT stem FROM search_vocab \
           WHERE commune = ?1 AND lang = ?2 AND stem IN (SELECT stem FROM asked)) \
         UNION ALL \
         SELECT 1, group_concat(word || ':' || stem || ':' || docs, ' ') FROM search_vocab \
         WHERE commune = ?1 AND lang = ?2 \
           AND len BETWEEN (SELECT min(lo) FROM missing) AND (SELECT max(hi) FROM missing)",
        &[
            text(scope.commune),
            text(scope.language.code()),
            text(&serde_json::to_string(lookups)?),
        ],
    )?;
    let mut known = BTreeSet::new();
    let mut candidates = Vec::new();
    for row in &result.rows {
        let listed = row.get::<&str>(1).unwrap_or("");
        match row.get::<i64>(0) {
            Some(0) => known.extend(
                listed
                    .split(' ')
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned),
            ),
            _ => candidates.extend(listed.split(' ').filter_map(|entry| {
                let mut parts = entry.split(':');
                Some(plan::Candidate {
                    word: parts.next()?.to_owned(),
                    stem: parts.next()?.to_owned(),
                    services: parts.next()?.parse().unwrap_or(0),
                })
            })),
        }
    }
    Ok((known, candidates))
}

/// Runs the ranked search of `concepts`: the services matching the most concepts first, then
/// by bm25. One statement.
///
/// Services matching *every* concept come first whatever their bm25, so the statement ranks
/// those alone first (an AND query: few rows to score); only when they are fewer than the
/// limit does it rank every service matching any concept, counting the concepts each matches
/// (one FTS lookup per concept, which SQLite runs once per statement).
fn ranked(
    conn: &Connection,
    scope: &Scope<'_>,
    concepts: &[Concept],
) -> anyhow::Result<Vec<SearchHit>> {
    let expressions: Vec<String> = concepts.iter().filter_map(plan::expression).collect();
    if expressions.is_empty() {
        return Ok(Vec::new());
    }
    let (fts, bm25) = (table(scope.language), bm25(scope.language));
    // Commune and group are tokens of `tags`: index lookups ANDed with the words. (The words
    // are matched in every column, `tags` included, which bm25 weighs 0: only a query typing
    // a tag's hexadecimal would match through it, and then only this commune's services.)
    let mut filter = format!("tags : \"{}\"", tag('c', scope.commune));
    if let Some(group) = scope.group {
        filter.push_str(&format!(" AND tags : \"{}\"", tag('g', group)));
    }
    let mut params = vec![
        text(scope.commune),
        Value::Integer(i64::try_from(scope.limit).unwrap_or(20)),
        text(&format!("{filter} AND {}", expressions.join(" AND "))),
    ];
    // Ranks rowids only (the index and the column sizes, never the stored text), then names
    // the few kept.
    let name = "SELECT d.code, r.score, r.matched FROM ranking AS r \
                JOIN search_docs AS d ON d.id = r.id AND d.commune = ?1";
    let sql = if expressions.len() == 1 {
        format!(
            "WITH ranking AS (\
               SELECT rowid AS id, {bm25} AS score, 1 AS matched FROM {fts} \
               WHERE {fts} MATCH ?3 ORDER BY score LIMIT ?2) {name}"
        )
    } else {
        params.push(text(&format!(
            "{filter} AND ({})",
            expressions.join(" OR ")
        )));
        let matched = (0..expressions.len())
            .map(|i| {
                format!(
                    "(rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?{}))",
                    params.len() + 1 + i
                )
            })
            .collect::<Vec<_>>()
            .join(" + ");
        params.extend(expressions.iter().map(|e| text(e)));
        let every = expressions.len();
        format!(
            "WITH every AS (\
               SELECT rowid AS id, {bm25} AS score, {every} AS matched FROM {fts} \
               WHERE {fts} MATCH ?3 ORDER BY score LIMIT ?2), \
             enough AS (SELECT count(*) >= ?2 AS yes FROM every), \
             some AS (\
               SELECT rowid AS id, {bm25} AS score, {matched} AS matched FROM {fts} \
               WHERE {fts} MATCH ?4 AND NOT (SELECT yes FROM enough) \
               ORDER BY matched DESC, score LIMIT ?2), \
             ranking AS (\
               SELECT * FROM every WHERE (SELECT yes FROM enough) UNION ALL SELECT * FROM some) \
             {name}"
        )
    };
    let result = run(conn, &sql, &params)?;
    let mut hits: Vec<SearchHit> = result
        .rows
        .iter()
        .filter_map(|row| {
            let code = row.get::<&str>(0)?;
            let bm25 = (-row.get::<f64>(1).unwrap_or(0.0)).max(0.0);
            let matched = row.get::<i64>(2).unwrap_or(0) as f64;
            Some(SearchHit {
                code: code.to_owned(),
                score: matched + bm25 / (1.0 + bm25),
            })
        })
        .collect();
    // The join does not keep the ranking's order: sort again (a handful of rows).
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.code.cmp(&b.code))
    });
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_is_one_alphanumeric_token_whatever_the_value() {
        assert_eq!(tag('c', "demo"), "c64656d6f");
        assert_eq!(tag('g', "civil-status"), "g636976696c2d737461747573");
        assert!(tag('c', "saint-denis-2")
            .chars()
            .all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn indexed_text_keeps_every_stem_and_lists_the_distinct_words() {
        let analysed = analyse(
            Language::Fr,
            "Lampadaire en panne",
            &["lampadaires".to_owned(), "éclairage public".to_owned()],
            "Un lampadaire éteint.",
        );
        assert_eq!(analysed.name, "lampadair pann");
        assert_eq!(analysed.keywords, "lampadair eclairag public");
        assert_eq!(
            analysed
                .words
                .iter()
                .map(|(w, s)| format!("{w}>{s}"))
                .collect::<Vec<_>>(),
            [
                "eclairage>eclairag",
                "eteint>eteint",
                "lampadaire>lampadair",
                "lampadaires>lampadair",
                "panne>pann",
                "public>public"
            ]
        );
    }

    #[test]
    fn a_long_query_is_cut_on_a_character_boundary() {
        assert_eq!(truncate("ééé", 3), "é");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
