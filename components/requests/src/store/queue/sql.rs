//! The SQL of the agents' queue, assembled only from fixed pieces chosen by whitelisted
//! filters: user values always travel as parameters, never in the statement text.
//!
//! Pure (std only), so that the benchmark includes this very file and runs the same statements
//! natively as its baseline (`bench/src/bin/requests-queue.rs`).
//!
//! Paging is keyset paging: a page starts strictly after the (sort value, rowid) of the last row
//! of the previous page, so a deep page costs an index seek, not an OFFSET walk, and a request
//! filed while an agent pages shifts nothing. `rowid` breaks ties (every index ends with it).

/// A statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Text(String),
    Int(i64),
    Real(f64),
}

/// A statement and its parameters, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Param>,
}

/// Whose requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    /// Nobody's yet.
    Unassigned,
    /// This account's.
    Account(String),
}

/// The text filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// The user typed a reference: that request only (exact match, through the unique index).
    Reference(String),
    /// An FTS5 expression built by [`match_expression`] (every word quoted).
    Match(String),
}

/// Every filter of the queue; empty lists and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub commune: String,
    pub services: Vec<String>,
    pub states: Vec<String>,
    pub departments: Vec<String>,
    pub channels: Vec<String>,
    pub assignee: Option<Assignee>,
    pub open: Option<bool>,
    /// `Some(true)`: open and past the expected date; `Some(false)`: the others.
    pub overdue: Option<bool>,
    /// Created on or after this day (`YYYY-MM-DD`, UTC).
    pub from: Option<String>,
    /// Created on or before this day (`YYYY-MM-DD`, UTC).
    pub to: Option<String>,
    pub text: Option<Text>,
    /// Whether the full-text index should drive the query (few matches: fetch them by rowid
    /// and sort) rather than be probed while walking the sort index (many matches). The
    /// handler decides from a capped count of the matches ([`text_matches`]).
    pub text_drives: bool,
}

/// What the queue sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Created,
    Expected,
    Updated,
}

/// A sort: key and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    /// The names the API accepts, `-` for descending.
    pub const NAMES: [&'static str; 6] = [
        "created",
        "-created",
        "expected",
        "-expected",
        "updated",
        "-updated",
    ];

    /// Newest first: what an agent opening the queue wants to see.
    pub const DEFAULT: Sort = Sort {
        key: SortKey::Created,
        descending: true,
    };

    pub fn parse(text: &str) -> Option<Sort> {
        let (descending, name) = match text.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, text),
        };
        let key = match name {
            "created" => SortKey::Created,
            "expected" => SortKey::Expected,
            "updated" => SortKey::Updated,
            _ => return None,
        };
        Some(Sort { key, descending })
    }

    pub fn name(self) -> &'static str {
        match (self.key, self.descending) {
            (SortKey::Created, false) => "created",
            (SortKey::Created, true) => "-created",
            (SortKey::Expected, false) => "expected",
            (SortKey::Expected, true) => "-expected",
            (SortKey::Updated, false) => "updated",
            (SortKey::Updated, true) => "-updated",
        }
    }

    /// The column sorted on (a fixed name, never user text).
    pub fn column(self) -> &'static str {
        match self.key {
            SortKey::Created => "created_at",
            SortKey::Expected => "expected_on",
            SortKey::Updated => "updated_at",
        }
    }

    /// Whether the column may be NULL (only the expected date).
    fn nullable(self) -> bool {
        self.key == SortKey::Expected
    }
}

/// Where the previous page ended: its last row's sort value (`None` for NULL) and rowid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub value: Option<String>,
    pub rowid: i64,
}

/// The columns of a queue row, read by name (`crate::store::queue::rows`).
pub const ROW_COLUMNS: &str =
    "requests.rowid AS rowid, reference, service_code, service_name, state, is_open, \
    department, assignee, channel, created_at, updated_at, expected_on, address, closed_at, \
    lat, long, (is_open = 1 AND expected_on < date('now')) AS overdue";

/// An open, located request of a page whose possible duplicates are counted
/// ([`possible_duplicates`]), with the bounds of its neighbourhood.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub rowid: i64,
    pub service_code: String,
    pub lat: f64,
    pub long: f64,
    /// A box holding every point within the radius.
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_long: f64,
    pub max_long: f64,
    /// cos(lat): a degree of longitude in degrees of latitude, there.
    pub long_scale: f64,
    /// Filed from, until (the window around its own filing).
    pub since: String,
    pub until: String,
}

/// For each of `places` (`rowid`), the number (`n`) of other open requests of its service in
/// `commune` within the radius (`radius_degrees`, in degrees of latitude) and its time window:
/// one statement for a whole page, each count a search of `requests_open_by_place` on the
/// service and a band of latitude (then longitude, time and the true distance, by the
/// equirectangular formula, exact to well under a metre at these distances, from the index
/// alone). `None` without places.
pub fn possible_duplicates(commune: &str, places: &[Place], radius_degrees: f64) -> Option<Sql> {
    if places.is_empty() {
        return None;
    }
    let mut params = Vec::with_capacity(places.len() * 11 + 2);
    for place in places {
        params.extend([
            Param::Int(place.rowid),
            Param::Text(place.service_code.clone()),
            Param::Real(place.lat),
            Param::Real(place.long),
            Param::Real(place.min_lat),
            Param::Real(place.max_lat),
            Param::Real(place.min_long),
            Param::Real(place.max_long),
            Param::Real(place.long_scale),
            Param::Text(place.since.clone()),
            Param::Text(place.until.clone()),
        ]);
    }
    params.push(Param::Text(commune.into()));
    params.push(Param::Real(radius_degrees * radius_degrees));
    let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; places.len()].join(", ");
    Some(Sql {
        text: format!(
            "WITH page (rid, service, lat, long, min_lat, max_lat, min_long, max_long, scale, \
             since, until) AS (VALUES {rows}) \
             SELECT page.rid AS rowid, (SELECT count(*) FROM requests AS o \
             INDEXED BY requests_open_by_place WHERE o.commune = ? \
             AND o.service_code = page.service AND o.is_open = 1 \
             AND o.lat BETWEEN page.min_lat AND page.max_lat \
             AND o.long BETWEEN page.min_long AND page.max_long \
             AND o.created_at BETWEEN page.since AND page.until AND o.rowid <> page.rid \
             AND (o.lat - page.lat) * (o.lat - page.lat) + (o.long - page.long) * page.scale \
             * (o.long - page.long) * page.scale <= ?) AS n FROM page"
        ),
        params,
    })
}

/// One page: up to `limit` rows after `after`, in `sort` order.
pub fn page(filters: &Filters, sort: Sort, after: Option<&After>, limit: i64) -> Sql {
    let (from, mut conditions, mut params) = conditions(filters, Some(sort));
    if let Some(after) = after {
        let (condition, mut values) = keyset(sort, after);
        conditions.push(condition);
        params.append(&mut values);
    }
    let direction = if sort.descending { "DESC" } else { "ASC" };
    params.push(Param::Int(limit));
    Sql {
        text: format!(
            "SELECT {ROW_COLUMNS} FROM {from} WHERE {} ORDER BY {col} {direction}, \
             requests.rowid {direction} LIMIT ?",
            conditions.join(" AND "),
            col = sort.column(),
        ),
        params,
    }
}

/// The first page, newest first, of a text search with many matches: the full-text index read
/// backwards by rowid (no set of matches to build, no sort), stopping after `limit` rows.
/// Right only while rowid order agrees with creation order, as it does for requests written
/// by `record::insert` (rowid and creation time both taken under the write lock); the caller
/// checks that it does ([`newer_below`]) and otherwise runs [`page`]. `None` without words.
pub fn newest_by_rowid(filters: &Filters, limit: i64) -> Option<Sql> {
    let Some(Text::Match(expression)) = &filters.text else {
        return None;
    };
    let mut others = filters.clone();
    others.text = None;
    let (_, conditions, where_params) = conditions(&others, Some(Sort::DEFAULT));
    let mut params = vec![Param::Text(expression.clone())];
    params.extend(where_params);
    params.push(Param::Int(limit));
    Some(Sql {
        text: format!(
            "SELECT {ROW_COLUMNS} FROM requests_text CROSS JOIN requests \
             ON requests.rowid = requests_text.rowid WHERE requests_text MATCH ? AND {} \
             ORDER BY requests_text.rowid DESC LIMIT ?",
            conditions.join(" AND ")
        ),
        params,
    })
}

/// 1 when a request of `commune` below `rowid` was created after `created_at` (rowid order
/// and creation order disagree there), else 0.
pub fn newer_below(commune: &str, created_at: &str, rowid: i64) -> Sql {
    Sql {
        text: "SELECT count(*) AS n FROM (SELECT 1 FROM requests WHERE commune = ? AND created_at > ? \
               AND rowid < ? LIMIT 1)"
            .into(),
        params: vec![
            Param::Text(commune.into()),
            Param::Text(created_at.into()),
            Param::Int(rowid),
        ],
    }
}

/// The number of matching requests, counting no further than `cap` (so that a broad filter on
/// a large commune costs at most `cap` index entries). With a text filter only the first `cap`
/// full-text matches are examined: when the index holds more than `cap` matches the result is
/// a lower bound (the caller knows from [`text_matches`]).
pub fn capped_count(filters: &Filters, cap: i64) -> Sql {
    let mut unmatched = filters.clone();
    let expression = match &filters.text {
        Some(Text::Match(expression)) => {
            unmatched.text = None;
            Some(expression.clone())
        }
        _ => None,
    };
    let (from, conditions, where_params) = conditions(&unmatched, None);
    let mut params = Vec::new();
    let from = match expression {
        Some(expression) => {
            params.push(Param::Text(expression));
            params.push(Param::Int(cap));
            "(SELECT rowid FROM requests_text WHERE requests_text MATCH ? LIMIT ?) AS matches \
             CROSS JOIN requests ON requests.rowid = matches.rowid"
        }
        None => from,
    };
    params.extend(where_params);
    params.push(Param::Int(cap));
    Sql {
        text: format!(
            "SELECT count(*) AS n FROM (SELECT 1 FROM {from} WHERE {} LIMIT ?)",
            conditions.join(" AND ")
        ),
        params,
    }
}

/// The exact number of matching requests per state (`state`, `n` rows).
pub fn state_counts(filters: &Filters) -> Sql {
    let (from, conditions, params) = conditions(filters, None);
    // Grouping by `state` invites the planner to walk the state index in order and look up
    // every row of the commune for the other filters; with another filter, `+state` makes it
    // use that filter's index and group the few matches instead.
    let narrowed = !filters.services.is_empty()
        || !filters.departments.is_empty()
        || filters.assignee.is_some()
        || filters.open.is_some()
        || filters.overdue.is_some()
        || filters.from.is_some()
        || filters.to.is_some()
        || filters.text.is_some();
    let group = if narrowed { "+state" } else { "state" };
    Sql {
        text: format!(
            "SELECT state, count(*) AS n FROM {from} WHERE {} GROUP BY {group} ORDER BY {group}",
            conditions.join(" AND ")
        ),
        params,
    }
}

/// How many rows of the full-text index match `expression`, counting no further than `cap`.
pub fn text_matches(expression: &str, cap: i64) -> Sql {
    Sql {
        text: "SELECT count(*) AS n FROM (SELECT rowid FROM requests_text WHERE requests_text MATCH ? \
               LIMIT ?)"
            .into(),
        params: vec![Param::Text(expression.into()), Param::Int(cap)],
    }
}

/// The FTS5 expression for what a user typed: every word becomes a quoted string (inner quotes
/// doubled), so that no user text is ever read as FTS5 syntax (`AND`, `NEAR`, `*`, `:`,
/// parentheses); words are ANDed and match whole words, accents and case aside. No prefix
/// matching: without a prefix index FTS5 merges every term of a prefix before returning the
/// first row, which makes a common prefix cost tens of milliseconds on a large commune.
/// Words without a letter or digit are dropped (they index nothing); `None` when none is
/// left. At most 16 words.
pub fn match_expression(typed: &str) -> Option<String> {
    let words: Vec<&str> = typed
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .take(16)
        .collect();
    if words.is_empty() {
        return None;
    }
    let quoted: Vec<String> = words
        .iter()
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect();
    Some(quoted.join(" "))
}

/// The rows to read from (FROM clause), the WHERE conditions of `filters` and their
/// parameters, for a page in `sort` order or (`None`) for counting.
fn conditions(f: &Filters, sort: Option<Sort>) -> (&'static str, Vec<String>, Vec<Param>) {
    let mut from = "requests";
    let mut conditions = vec!["commune = ?".to_owned()];
    let mut params = vec![Param::Text(f.commune.clone())];
    one_of(&mut conditions, &mut params, "service_code", &f.services);
    one_of(&mut conditions, &mut params, "state", &f.states);
    one_of(&mut conditions, &mut params, "department", &f.departments);
    one_of(&mut conditions, &mut params, "channel", &f.channels);
    match &f.assignee {
        Some(Assignee::Unassigned) => conditions.push("assignee IS NULL".into()),
        Some(Assignee::Account(account)) => {
            conditions.push("assignee = ?".into());
            params.push(Param::Text(account.clone()));
        }
        None => {}
    }
    if let Some(open) = f.open {
        conditions.push("is_open = ?".into());
        params.push(Param::Int(i64::from(open)));
    }
    // Overdue requests are most of the open ones on a busy commune: a page in creation or
    // update order walks that order's index and skips the few recent ones not yet due, rather
    // than fetch and sort every overdue request through the due-date index (`+` keeps the
    // planner off it). Counting, sorting by expected date, or narrowing by an index whose
    // columns include `is_open`, still use it.
    let by_due_date = match sort {
        None => true,
        Some(sort) => {
            sort.key == SortKey::Expected
                || !f.services.is_empty()
                || !f.departments.is_empty()
                || f.assignee.is_some()
        }
    };
    match f.overdue {
        Some(true) if !by_due_date => {
            conditions.push("+is_open = 1 AND +expected_on < date('now')".into());
        }
        Some(true) => conditions.push("is_open = 1 AND expected_on < date('now')".into()),
        Some(false) => conditions
            .push("(is_open = 0 OR expected_on IS NULL OR expected_on >= date('now'))".into()),
        None => {}
    }
    if let Some(from) = &f.from {
        // `2026-03-01T08:00:00Z` >= `2026-03-01`: RFC 3339 UTC texts sort as their instants.
        conditions.push("created_at >= ?".into());
        params.push(Param::Text(from.clone()));
    }
    if let Some(to) = &f.to {
        conditions.push("created_at < date(?, '+1 day')".into());
        params.push(Param::Text(to.clone()));
    }
    match &f.text {
        Some(Text::Reference(reference)) => {
            conditions.push("reference = ?".into());
            params.push(Param::Text(reference.clone()));
        }
        Some(Text::Match(expression)) if f.text_drives || sort.is_none() => {
            // Few matches, or a count that stops at its cap: start from the matches and look
            // each request up by rowid. CROSS JOIN fixes that order (the planner would rather
            // walk the sort index and probe the matches, reading the whole commune).
            from = "requests_text CROSS JOIN requests ON requests.rowid = requests_text.rowid";
            conditions.push("requests_text MATCH ?".into());
            params.push(Param::Text(expression.clone()));
        }
        Some(Text::Match(expression)) => {
            // Many matches: walk the sort index and probe the (once built) set of matches,
            // which soon finds a page; `+` keeps the planner from driving by rowid.
            conditions.push(
                "+requests.rowid IN (SELECT rowid FROM requests_text WHERE requests_text MATCH ?)"
                    .into(),
            );
            params.push(Param::Text(expression.clone()));
        }
        None => {}
    }
    (from, conditions, params)
}

/// `column = ?` or `column IN (?, ?, …)` for a non-empty list (column names are fixed here).
fn one_of(conditions: &mut Vec<String>, params: &mut Vec<Param>, column: &str, values: &[String]) {
    match values {
        [] => {}
        [one] => {
            conditions.push(format!("{column} = ?"));
            params.push(Param::Text(one.clone()));
        }
        many => {
            let marks = vec!["?"; many.len()].join(", ");
            conditions.push(format!("{column} IN ({marks})"));
            params.extend(many.iter().cloned().map(Param::Text));
        }
    }
}

/// The condition "after `after` in `sort` order". SQLite sorts NULL first, so ascending the
/// NULL expected dates come before every date, and descending after them.
fn keyset(sort: Sort, after: &After) -> (String, Vec<Param>) {
    let column = sort.column();
    let rowid = Param::Int(after.rowid);
    match (&after.value, sort.descending) {
        (Some(value), true) => {
            let text = if sort.nullable() {
                format!("(({column}, requests.rowid) < (?, ?) OR {column} IS NULL)")
            } else {
                format!("({column}, requests.rowid) < (?, ?)")
            };
            (text, vec![Param::Text(value.clone()), rowid])
        }
        (Some(value), false) => (
            format!("({column}, requests.rowid) > (?, ?)"),
            vec![Param::Text(value.clone()), rowid],
        ),
        (None, true) => (
            format!("({column} IS NULL AND requests.rowid < ?)"),
            vec![rowid],
        ),
        (None, false) => (
            format!("({column} IS NOT NULL OR requests.rowid > ?)"),
            vec![rowid],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Filters {
        Filters {
            commune: "demo".into(),
            ..Filters::default()
        }
    }

    #[test]
    fn user_words_are_quoted_so_fts_syntax_is_only_text() {
        assert_eq!(
            match_expression("lampe OR NEAR(x) \"rue\"").as_deref(),
            Some("\"lampe\" \"OR\" \"NEAR(x)\" \"\"\"rue\"\"\"")
        );
        assert_eq!(match_expression("  ... -- "), None);
        assert_eq!(
            match_expression("nid-de-poule").as_deref(),
            Some("\"nid-de-poule\"")
        );
    }

    #[test]
    fn filter_values_are_parameters_and_never_statement_text() {
        let mut filters = demo();
        filters.services = vec!["x'); DROP TABLE requests; --".into(), "pothole".into()];
        filters.assignee = Some(Assignee::Account("a' OR 1=1".into()));
        filters.text = Some(Text::Match("\"x\"".into()));
        let sql = page(&filters, Sort::DEFAULT, None, 25);
        assert!(!sql.text.contains("DROP"), "{}", sql.text);
        assert!(!sql.text.contains("OR 1=1"), "{}", sql.text);
        assert!(sql.text.contains("service_code IN (?, ?)"), "{}", sql.text);
        assert_eq!(sql.text.matches('?').count(), sql.params.len());
    }

    #[test]
    fn a_deep_page_starts_after_the_last_sort_value_and_rowid() {
        let after = After {
            value: Some("2026-01-01T00:00:00Z".into()),
            rowid: 42,
        };
        let sql = page(&demo(), Sort::DEFAULT, Some(&after), 10);
        assert!(
            sql.text.contains("(created_at, requests.rowid) < (?, ?)"),
            "{}",
            sql.text
        );
        assert!(sql
            .text
            .ends_with("ORDER BY created_at DESC, requests.rowid DESC LIMIT ?"));
        let ascending = Sort::parse("expected").expect("sort");
        let sql = page(
            &demo(),
            ascending,
            Some(&After {
                value: None,
                rowid: 7,
            }),
            10,
        );
        assert!(
            sql.text
                .contains("(expected_on IS NOT NULL OR requests.rowid > ?)"),
            "{}",
            sql.text
        );
    }

    #[test]
    fn a_text_count_examines_a_bounded_number_of_matches_with_parameters_in_order() {
        let mut filters = demo();
        filters.text = Some(Text::Match("\"x\"".into()));
        filters.open = Some(true);
        let sql = capped_count(&filters, 10);
        assert!(
            sql.text.contains("MATCH ? LIMIT ?) AS matches"),
            "{}",
            sql.text
        );
        assert_eq!(
            sql.params,
            [
                Param::Text("\"x\"".into()),
                Param::Int(10),
                Param::Text("demo".into()),
                Param::Int(1),
                Param::Int(10)
            ]
        );
    }

    #[test]
    fn sort_names_round_trip_and_unknown_ones_are_refused() {
        for name in Sort::NAMES {
            assert_eq!(Sort::parse(name).map(Sort::name), Some(name));
        }
        assert_eq!(Sort::parse("reference"), None);
        assert_eq!(Sort::parse("--created"), None);
    }

    #[test]
    fn a_pages_possible_duplicates_are_one_statement_with_every_value_a_parameter() {
        assert_eq!(possible_duplicates("demo", &[], 0.1), None);
        let place = Place {
            rowid: 7,
            service_code: "pothole' OR 1 --".into(),
            lat: 48.0,
            long: 2.0,
            min_lat: 47.9,
            max_lat: 48.1,
            min_long: 1.9,
            max_long: 2.1,
            long_scale: 0.67,
            since: "2026-01-01T00:00:00Z".into(),
            until: "2026-03-02T00:00:00Z".into(),
        };
        let sql = possible_duplicates("demo", &[place.clone(), place], 0.5).expect("a statement");
        assert!(!sql.text.contains("pothole") && !sql.text.contains("2026"), "{}", sql.text);
        assert!(sql.text.contains("INDEXED BY requests_open_by_place"), "{}", sql.text);
        assert_eq!(sql.text.matches('?').count(), sql.params.len());
        assert_eq!(sql.params.len(), 2 * 11 + 2);
        assert_eq!(sql.params[1], Param::Text("pothole' OR 1 --".into()));
        assert_eq!(sql.params[22], Param::Text("demo".into()));
        assert_eq!(sql.params[23], Param::Real(0.25));
    }
}
