//! Validation of service definitions and of catalogue documents (import): every error at
//! once, each named by its path (`form.fields[2].code`), so an editor can show them all.
//!
//! Two passes: the structure ([`crate::shape`]: unknown members, types, names), then the
//! rules below (lengths, ranges, codes, duplicates, patterns, the workflow graph). The rules
//! also run on a structurally broken definition (repaired with neutral values), and only the
//! errors at paths the structure pass did not already report are kept.
//!
//! Limits not fixed by the contract (chosen here): labels 1..=200 characters, help texts
//! 1..=1000, documents 1..=300 (at most 50), eligibility 1..=2000, value names 1..=200, state
//! labels 1..=120; at most 100 fields, 200 values per field, 50 states, 500 transitions;
//! `min_length`/`max_length` 0..=100000; patterns at most 500 characters; fees 0..=100000000
//! cents in a 3-letter currency; keywords without commas (Open311 joins them with commas);
//! a state's declared `open311_status` says what its `open` says (`fixed` is closed).

use std::collections::{HashMap, HashSet, VecDeque};

use guichet_guest::codes::{self, DepartmentCode, Role, ServiceCode};
use guichet_guest::dates::BusinessDays;
use guichet_guest::FieldError;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::model::{
    Catalogue, CatalogueEntry, Field, Localized, ServiceDefinition, Text, Workflow, CATALOGUE,
    DEFINITION, ROLES,
};
use guichet_guest::shape::{self, index, join, Shape};

/// At most this many errors are listed (then one `too_many_errors`): a 2 MiB import of
/// garbage must not produce a response ten times its size.
pub const MAX_ERRORS: usize = 1000;

const CODE_MAX: usize = 63;
const NAME_MAX: usize = 120;
const DESCRIPTION_MAX: usize = 4000;
const KEYWORD_MAX: usize = 60;
const KEYWORDS_MAX: usize = 40;
const LABEL_MAX: usize = 200;
const HELP_MAX: usize = 1000;
const DOCUMENT_MAX: usize = 300;
const DOCUMENTS_MAX: usize = 50;
const ELIGIBILITY_MAX: usize = 2000;
const VALUE_NAME_MAX: usize = 200;
const STATE_LABEL_MAX: usize = 120;
const FIELDS_MAX: usize = 100;
const VALUES_MAX: usize = 200;
const STATES_MAX: usize = 50;
const TRANSITIONS_MAX: usize = 500;
const LENGTH_MAX: i64 = 100_000;
const PATTERN_MAX: usize = 500;
/// Compiled size limit of a pattern (bytes): refuses patterns that would be costly to run.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;
const FEE_MAX_CENTS: i64 = 100_000_000;
/// At most this many services in one import.
pub const IMPORT_MAX: usize = 1000;

/// The definition in `value`, or every error in it.
pub fn definition(value: &Value) -> Result<ServiceDefinition, Vec<FieldError>> {
    let mut errors = Vec::new();
    let parsed = definition_at(value, "", &mut errors);
    match parsed {
        Some(definition) if errors.is_empty() => Ok(definition),
        _ => Err(capped(errors)),
    }
}

/// A catalogue document (import), or every error of every service in it, each path prefixed
/// with `services[i].`.
pub fn catalogue(value: &Value) -> Result<Catalogue, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(object) = value.as_object() else {
        return Err(vec![FieldError::new(
            "body",
            "wrong_type",
            "must be an object",
        )]);
    };
    for name in object.keys().filter(|name| *name != "services") {
        errors.push(FieldError::new(
            name.clone(),
            "unknown_field",
            "is not a member of this object",
        ));
    }
    let items = match object.get("services") {
        Some(Value::Array(items)) => items.as_slice(),
        Some(_) => {
            errors.push(FieldError::new("services", "wrong_type", "must be a list"));
            &[]
        }
        None => {
            errors.push(FieldError::new("services", "required", "is required"));
            &[]
        }
    };
    if items.len() > IMPORT_MAX {
        errors.push(FieldError::new(
            "services",
            "too_many",
            format!("at most {IMPORT_MAX} services per import"),
        ));
        return Err(errors);
    }
    let mut entries = Vec::new();
    let mut first_of_code: HashMap<String, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let path = index("services", i);
        let before = errors.len();
        // Parsed even when broken (repaired), so that a duplicate code is still found.
        let Some(entry) = entry_at(item, &path, &mut errors) else {
            continue;
        };
        let valid = errors.len() == before;
        let code = entry.definition.code.clone();
        if code.is_empty() {
            // A missing code, already reported.
        } else if let Some(first) = first_of_code.get(&code) {
            errors.push(FieldError::new(
                join(&join(&path, "definition"), "code"),
                "duplicate",
                format!("services[{first}] already has the code {code:?}"),
            ));
        } else {
            first_of_code.insert(code, i);
        }
        if valid {
            entries.push(entry);
        }
        if errors.len() > MAX_ERRORS {
            break;
        }
    }
    if errors.is_empty() {
        Ok(Catalogue { services: entries })
    } else {
        Err(capped(errors))
    }
}

/// One entry of a catalogue at `path`: its structure, then the rules of its definitions; the
/// entry as parsed after repair (see [`shape::repair`]), valid only if no error was added.
fn entry_at(item: &Value, path: &str, errors: &mut Vec<FieldError>) -> Option<CatalogueEntry> {
    let Shape::Object(members) = &CATALOGUE else {
        return None;
    };
    let Some(Shape::List(entry_shape)) = members.first().map(|m| &m.shape) else {
        return None;
    };
    let structural = structure(item, entry_shape, path);
    let repaired = shape::repair(item, entry_shape);
    let mut found = Vec::new();
    let entry: Option<CatalogueEntry> = deserialize(&repaired, path, &mut found);
    if let Some(entry) = &entry {
        let definition_path = join(path, "definition");
        rules(&entry.definition, &definition_path, &mut found);
        if let Some(draft) = &entry.draft {
            let draft_path = join(path, "draft");
            rules(draft, &draft_path, &mut found);
            if draft.code != entry.definition.code {
                found.push(FieldError::new(
                    join(&draft_path, "code"),
                    "mismatch",
                    "the draft must have the code of the definition",
                ));
            }
        }
    }
    merge(errors, structural, found);
    entry
}

/// The definition in `value` at `path`; its errors appended to `errors`.
fn definition_at(
    value: &Value,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<ServiceDefinition> {
    let structural = structure(value, &DEFINITION, path);
    let repaired = shape::repair(value, &DEFINITION);
    let mut found = Vec::new();
    let definition: Option<ServiceDefinition> = deserialize(&repaired, path, &mut found);
    if let Some(definition) = &definition {
        rules(definition, path, &mut found);
    }
    let ok = structural.is_empty() && found.is_empty();
    merge(errors, structural, found);
    if ok {
        definition
    } else {
        None
    }
}

fn structure(value: &Value, shape: &Shape, path: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    shape::check(value, shape, path, &mut errors);
    errors
}

/// serde on a value the shape pass accepted (or repaired): cannot fail unless the shape and
/// the structs disagree, which is a bug, reported on the whole value rather than hidden.
fn deserialize<T: DeserializeOwned>(
    value: &Value,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match serde_json::from_value(value.clone()) {
        Ok(parsed) => Some(parsed),
        Err(error) => {
            let field = if path.is_empty() { "body" } else { path };
            errors.push(FieldError::new(field, "invalid", error.to_string()));
            None
        }
    }
}

/// Structural errors, then the rule errors that are not inside a structurally broken path.
fn merge(errors: &mut Vec<FieldError>, structural: Vec<FieldError>, found: Vec<FieldError>) {
    // The root is reported as `body`; broken, it hides every rule error.
    let broken: Vec<String> = structural
        .iter()
        .filter_map(|e| e.field.clone())
        .map(|f| if f == "body" { String::new() } else { f })
        .collect();
    let kept: Vec<FieldError> = found
        .into_iter()
        .filter(|e| {
            let field = e.field.as_deref().unwrap_or("");
            !broken.iter().any(|b| shape::is_within(field, b))
        })
        .collect();
    errors.extend(structural);
    errors.extend(kept);
}

fn capped(mut errors: Vec<FieldError>) -> Vec<FieldError> {
    if errors.len() > MAX_ERRORS {
        errors.truncate(MAX_ERRORS);
        errors.push(FieldError::general(
            "too_many_errors",
            format!("only the first {MAX_ERRORS} errors are listed"),
        ));
    }
    errors
}

/// Whether `text` is a code of `min..=63` bytes: the one slug rule of [`codes`].
pub fn is_code(text: &str, min: usize) -> bool {
    codes::is_slug(text, min, CODE_MAX)
}

/// Whether `text` is a list value key: 1 to 63 of `A-Z a-z 0-9 - _ .`.
fn is_key(text: &str) -> bool {
    (1..=CODE_MAX).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Every rule `definition` breaks, named under `path`.
pub fn rules(definition: &ServiceDefinition, path: &str, errors: &mut Vec<FieldError>) {
    let at = |member: &str| join(path, member);
    if let Err(e) = ServiceCode::parse(&definition.code) {
        errors.push(e.at(at("code")));
    }
    code(errors, &at("group"), &definition.group, 1);
    if let Err(e) = DepartmentCode::parse(&definition.department) {
        errors.push(e.at(at("department")));
    }
    localized(errors, &at("name"), &definition.name, NAME_MAX);
    localized(
        errors,
        &at("description"),
        &definition.description,
        DESCRIPTION_MAX,
    );
    keywords(errors, &at("keywords"), &definition.keywords);
    if let Some(fee) = &definition.fee {
        let fee_path = at("fee");
        if !(0..=FEE_MAX_CENTS).contains(&fee.amount_cents) {
            errors.push(FieldError::new(
                join(&fee_path, "amount_cents"),
                "out_of_range",
                format!("must be between 0 and {FEE_MAX_CENTS}"),
            ));
        }
        let currency_ok =
            fee.currency.len() == 3 && fee.currency.bytes().all(|b| b.is_ascii_uppercase());
        if !currency_ok {
            errors.push(FieldError::new(
                join(&fee_path, "currency"),
                "invalid",
                "must be an ISO 4217 code of three capital letters (EUR)",
            ));
        }
    }
    // Business days, by the one rule of every component (requests counts the expected date
    // with it).
    if BusinessDays::parse(definition.processing_days).is_err() {
        range(errors, &at("processing_days"), definition.processing_days, 0, BusinessDays::MAX);
    }
    range(
        errors,
        &at("retention_days"),
        definition.retention_days,
        1,
        36500,
    );
    let documents_path = at("documents");
    if definition.documents.len() > DOCUMENTS_MAX {
        errors.push(too_many(&documents_path, DOCUMENTS_MAX));
    }
    for (i, document) in definition.documents.iter().enumerate() {
        localized(errors, &index(&documents_path, i), document, DOCUMENT_MAX);
    }
    if let Some(eligibility) = &definition.eligibility {
        localized(errors, &at("eligibility"), eligibility, ELIGIBILITY_MAX);
    }
    fields(
        errors,
        &join(&at("form"), "fields"),
        &definition.form.fields,
    );
    workflow(errors, &at("workflow"), &definition.workflow);
}

fn code(errors: &mut Vec<FieldError>, path: &str, value: &str, min: usize) {
    if !is_code(value, min) {
        errors.push(FieldError::new(
            path,
            "invalid",
            format!("must be {min} to {CODE_MAX} lowercase letters, digits and single inner dashes"),
        ));
    }
}

fn text(errors: &mut Vec<FieldError>, path: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        errors.push(FieldError::new(path, "empty", "must not be empty"));
    } else if value.chars().count() > max {
        errors.push(FieldError::new(
            path,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
}

fn localized(errors: &mut Vec<FieldError>, path: &str, value: &Text, max: usize) {
    text(errors, &join(path, "fr"), &value.fr, max);
    text(errors, &join(path, "en"), &value.en, max);
}

fn range(errors: &mut Vec<FieldError>, path: &str, value: i64, min: i64, max: i64) {
    if !(min..=max).contains(&value) {
        errors.push(FieldError::new(
            path,
            "out_of_range",
            format!("must be between {min} and {max}"),
        ));
    }
}

fn too_many(path: &str, max: usize) -> FieldError {
    FieldError::new(path, "too_many", format!("at most {max} items"))
}

fn keywords(errors: &mut Vec<FieldError>, path: &str, keywords: &Localized<Vec<String>>) {
    for (lang, words) in [("fr", &keywords.fr), ("en", &keywords.en)] {
        let list_path = join(path, lang);
        if words.len() > KEYWORDS_MAX {
            errors.push(too_many(&list_path, KEYWORDS_MAX));
        }
        let mut seen = HashSet::new();
        for (i, word) in words.iter().enumerate() {
            let word_path = index(&list_path, i);
            text(errors, &word_path, word, KEYWORD_MAX);
            if word.contains(',') {
                errors.push(FieldError::new(
                    &word_path,
                    "invalid",
                    "must not contain a comma (Open311 lists keywords separated by commas)",
                ));
            }
            if !seen.insert(word.trim().to_lowercase()) {
                errors.push(FieldError::new(word_path, "duplicate", "is listed twice"));
            }
        }
    }
}

fn fields(errors: &mut Vec<FieldError>, path: &str, fields: &[Field]) {
    if fields.len() > FIELDS_MAX {
        errors.push(too_many(path, FIELDS_MAX));
    }
    let mut codes = HashMap::new();
    let mut orders = HashMap::new();
    for (i, field) in fields.iter().enumerate() {
        let at = |member: &str| join(&index(path, i), member);
        code(errors, &at("code"), &field.code, 1);
        if let Some(first) = first_index(&mut codes, field.code.as_str(), i) {
            errors.push(FieldError::new(
                at("code"),
                "duplicate",
                format!("fields[{first}] already has the code {:?}", field.code),
            ));
        }
        if field.order < 1 {
            errors.push(FieldError::new(
                at("order"),
                "out_of_range",
                "must be a positive integer",
            ));
        } else if let Some(first) = first_index(&mut orders, field.order, i) {
            errors.push(FieldError::new(
                at("order"),
                "duplicate",
                format!("fields[{first}] already has the order {}", field.order),
            ));
        }
        localized(errors, &at("label"), &field.label, LABEL_MAX);
        if let Some(help) = &field.help {
            localized(errors, &at("help"), help, HELP_MAX);
        }
        field_rules(errors, &at("rules"), field);
    }
}

/// The index where `key` was first seen, if before `i`; otherwise records `i` for it.
fn first_index<K: std::hash::Hash + Eq>(
    seen: &mut HashMap<K, usize>,
    key: K,
    i: usize,
) -> Option<usize> {
    match seen.entry(key) {
        std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert(i);
            None
        }
    }
}

fn field_rules(errors: &mut Vec<FieldError>, path: &str, field: &Field) {
    let rules = &field.rules;
    let at = |member: &str| join(path, member);
    match (&rules.values, field.datatype.is_list()) {
        (None, true) => errors.push(FieldError::new(
            at("values"),
            "required",
            "a list field needs the values to choose from",
        )),
        (Some(values), true) if values.is_empty() => errors.push(FieldError::new(
            at("values"),
            "empty",
            "a list field needs at least one value",
        )),
        (Some(_), false) => errors.push(FieldError::new(
            at("values"),
            "not_allowed",
            "only singlevaluelist and multivaluelist fields have values",
        )),
        _ => {}
    }
    if let Some(values) = &rules.values {
        let values_path = at("values");
        if values.len() > VALUES_MAX {
            errors.push(too_many(&values_path, VALUES_MAX));
        }
        let mut keys = HashMap::new();
        for (i, value) in values.iter().enumerate() {
            let key_path = join(&index(&values_path, i), "key");
            if !is_key(&value.key) {
                errors.push(FieldError::new(
                    &key_path,
                    "invalid",
                    "must be 1 to 63 of A-Z, a-z, 0-9, '-', '_' and '.'",
                ));
            }
            if let Some(first) = first_index(&mut keys, value.key.as_str(), i) {
                errors.push(FieldError::new(
                    key_path,
                    "duplicate",
                    format!("values[{first}] already has the key {:?}", value.key),
                ));
            }
            localized(
                errors,
                &join(&index(&values_path, i), "name"),
                &value.name,
                VALUE_NAME_MAX,
            );
        }
    }
    if let (Some(min), Some(max)) = (rules.min, rules.max) {
        if min > max {
            errors.push(FieldError::new(
                at("min"),
                "min_above_max",
                "must not be above max",
            ));
        }
    }
    for (member, value) in [
        ("min_length", rules.min_length),
        ("max_length", rules.max_length),
    ] {
        if let Some(value) = value {
            range(errors, &at(member), value, 0, LENGTH_MAX);
        }
    }
    if let (Some(min), Some(max)) = (rules.min_length, rules.max_length) {
        if min > max {
            errors.push(FieldError::new(
                at("min_length"),
                "min_above_max",
                "must not be above max_length",
            ));
        }
    }
    if let Some(pattern) = &rules.pattern {
        if pattern.chars().count() > PATTERN_MAX {
            errors.push(FieldError::new(
                at("pattern"),
                "too_long",
                format!("must be at most {PATTERN_MAX} characters"),
            ));
        } else if let Err(error) = compile_pattern(pattern) {
            errors.push(FieldError::new(at("pattern"), "invalid_pattern", error));
        }
    }
}

/// Compiles a field pattern as it will be used: anchored (the whole answer must match).
pub fn compile_pattern(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|error| {
            let detail = error.to_string();
            let last = detail
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            format!("is not a valid regular expression: {}", last.trim())
        })?;
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|error| format!("is not a valid regular expression: {error}"))
}

fn workflow(errors: &mut Vec<FieldError>, path: &str, workflow: &Workflow) {
    let at = |member: &str| join(path, member);
    let states_path = at("states");
    if workflow.states.is_empty() {
        errors.push(FieldError::new(
            &states_path,
            "empty",
            "a workflow needs states",
        ));
        return;
    }
    if workflow.states.len() > STATES_MAX {
        errors.push(too_many(&states_path, STATES_MAX));
    }
    // State code → index of its first occurrence.
    let mut states: HashMap<&str, usize> = HashMap::new();
    for (i, state) in workflow.states.iter().enumerate() {
        let code_path = join(&index(&states_path, i), "code");
        code(errors, &code_path, &state.code, 1);
        if let Some(first) = states.get(state.code.as_str()) {
            errors.push(FieldError::new(
                code_path,
                "duplicate",
                format!("states[{first}] already has the code {:?}", state.code),
            ));
        } else {
            states.insert(state.code.as_str(), i);
        }
        localized(
            errors,
            &join(&index(&states_path, i), "label"),
            &state.label,
            STATE_LABEL_MAX,
        );
        // Open311 apps read `open`/`closed` from the status: it must say what `open` says.
        if let Some(status) = state.open311_status {
            if status.is_open() != state.open {
                errors.push(FieldError::new(
                    join(&index(&states_path, i), "open311_status"),
                    "inconsistent",
                    format!(
                        "{} is the status of {} requests; this state has open: {}",
                        status.as_str(),
                        if status.is_open() { "open" } else { "closed" },
                        state.open
                    ),
                ));
            }
        }
    }
    let initial_known = states.contains_key(workflow.initial.as_str());
    if !initial_known {
        errors.push(FieldError::new(
            at("initial"),
            "unknown_state",
            "is not one of the states",
        ));
    }
    let transitions_path = at("transitions");
    if workflow.transitions.len() > TRANSITIONS_MAX {
        errors.push(too_many(&transitions_path, TRANSITIONS_MAX));
    }
    let mut edges: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut seen_pairs = HashMap::new();
    for (i, transition) in workflow.transitions.iter().enumerate() {
        let t_path = index(&transitions_path, i);
        let from = states.get(transition.from.as_str()).copied();
        let to = states.get(transition.to.as_str()).copied();
        for (member, known) in [("from", from), ("to", to)] {
            if known.is_none() {
                errors.push(FieldError::new(
                    join(&t_path, member),
                    "unknown_state",
                    "is not one of the states",
                ));
            }
        }
        if transition.from == transition.to {
            errors.push(FieldError::new(
                join(&t_path, "to"),
                "invalid",
                "a transition must lead to another state",
            ));
        }
        let pair = (transition.from.as_str(), transition.to.as_str());
        if let Some(first) = first_index(&mut seen_pairs, pair, i) {
            errors.push(FieldError::new(
                &t_path,
                "duplicate",
                format!(
                    "transitions[{first}] already goes from {:?} to {:?}",
                    transition.from, transition.to
                ),
            ));
        }
        let roles_path = join(&t_path, "roles");
        if transition.roles.is_empty() {
            errors.push(FieldError::new(
                &roles_path,
                "empty",
                "at least one role must be allowed",
            ));
        }
        let mut seen_roles = HashSet::new();
        for (j, role) in transition.roles.iter().enumerate() {
            if Role::parse(role).is_none() {
                errors.push(FieldError::new(
                    index(&roles_path, j),
                    "unknown_role",
                    format!("must be one of: {}", ROLES.join(", ")),
                ));
            } else if !seen_roles.insert(role.as_str()) {
                errors.push(FieldError::new(
                    index(&roles_path, j),
                    "duplicate",
                    "is listed twice",
                ));
            }
        }
        let mut seen_requirements = HashSet::new();
        for (j, requirement) in transition.requires.iter().enumerate() {
            if !seen_requirements.insert(requirement.as_str()) {
                errors.push(FieldError::new(
                    index(&join(&t_path, "requires"), j),
                    "duplicate",
                    "is listed twice",
                ));
            }
        }
        if let (Some(from), Some(to)) = (from, to) {
            if from != to {
                edges.entry(from).or_default().push(to);
            }
        }
    }
    let closed: Vec<usize> = workflow
        .states
        .iter()
        .enumerate()
        .filter(|(i, s)| !s.open && states.get(s.code.as_str()) == Some(i))
        .map(|(i, _)| i)
        .collect();
    if closed.is_empty() {
        errors.push(FieldError::new(
            &states_path,
            "no_closed_state",
            "at least one state must be closed (open: false), where requests end",
        ));
    }
    let distinct = |i: &usize| states.get(workflow.states[*i].code.as_str()) == Some(i);
    if initial_known {
        let start = states[workflow.initial.as_str()];
        let reached = reachable(&edges, start);
        for i in (0..workflow.states.len()).filter(distinct) {
            if !reached.contains(&i) {
                errors.push(FieldError::new(
                    join(&index(&states_path, i), "code"),
                    "unreachable",
                    format!(
                        "no sequence of transitions leads to it from {:?}",
                        workflow.initial
                    ),
                ));
            }
        }
    }
    if !closed.is_empty() {
        for (i, state) in workflow
            .states
            .iter()
            .enumerate()
            .filter(|(i, _)| distinct(i))
        {
            if state.open && !reachable(&edges, i).iter().any(|s| closed.contains(s)) {
                errors.push(FieldError::new(
                    join(&index(&states_path, i), "code"),
                    "no_way_out",
                    "an open state must lead, by some transitions, to a closed state",
                ));
            }
        }
    }
}

/// The states reachable from `start` (itself included).
fn reachable(edges: &HashMap<usize, Vec<usize>>, start: usize) -> HashSet<usize> {
    let mut seen = HashSet::from([start]);
    let mut queue = VecDeque::from([start]);
    while let Some(state) = queue.pop_front() {
        for next in edges.get(&state).into_iter().flatten() {
            if seen.insert(*next) {
                queue.push_back(*next);
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::example_definition as full_definition;
    use serde_json::json;

    fn found(value: &Value) -> Vec<(String, String)> {
        match definition(value) {
            Ok(_) => Vec::new(),
            Err(errors) => errors
                .into_iter()
                .map(|e| (e.field.unwrap_or_default(), e.code))
                .collect(),
        }
    }

    fn has(errors: &[(String, String)], field: &str, code: &str) -> bool {
        errors.iter().any(|(f, c)| f == field && c == code)
    }

    fn assert_has(errors: &[(String, String)], field: &str, code: &str) {
        assert!(
            has(errors, field, code),
            "no {code} on {field} in {errors:?}"
        );
    }

    #[test]
    fn the_complete_example_is_valid() {
        assert_eq!(found(&full_definition()), Vec::<(String, String)>::new());
    }

    #[test]
    fn a_state_open311_status_must_agree_with_its_openness_and_be_known() {
        let mut value = full_definition();
        value["workflow"]["states"][0]["open311_status"] = json!("fixed");
        value["workflow"]["states"][1]["open311_status"] = json!("in_progress");
        value["workflow"]["states"][3]["open311_status"] = json!("maybe");
        let errors = found(&value);
        assert_has(&errors, "workflow.states[0].open311_status", "inconsistent");
        assert!(!has(&errors, "workflow.states[1].open311_status", "inconsistent"));
        assert!(errors.iter().any(|(f, _)| f == "workflow.states[3].open311_status"), "{errors:?}");
    }

    #[test]
    fn unknown_members_are_named_with_their_path() {
        let mut value = full_definition();
        value["colour"] = json!("red");
        value["form"]["fields"][1]["rules"]["step"] = json!(1);
        let errors = found(&value);
        assert_has(&errors, "colour", "unknown_field");
        assert_has(&errors, "form.fields[1].rules.step", "unknown_field");
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn wrong_types_and_missing_members_are_each_named() {
        let mut value = full_definition();
        value["processing_days"] = json!("ten");
        value["name"] = json!("Dog licence");
        value["form"]["fields"][0]["required"] = json!("yes");
        value.as_object_mut().map(|o| o.remove("department"));
        let errors = found(&value);
        assert_has(&errors, "processing_days", "wrong_type");
        assert_has(&errors, "name", "wrong_type");
        assert_has(&errors, "form.fields[0].required", "wrong_type");
        assert_has(&errors, "department", "required");
        assert_eq!(
            errors.len(),
            4,
            "only the structural errors, not their consequences: {errors:?}"
        );
    }

    #[test]
    fn structural_and_rule_errors_are_reported_together() {
        let mut value = full_definition();
        value["colour"] = json!("red");
        value["form"]["fields"][1]["code"] = json!("breed");
        let errors = found(&value);
        assert_has(&errors, "colour", "unknown_field");
        assert_has(&errors, "form.fields[1].code", "duplicate");
    }

    #[test]
    fn an_unknown_datatype_is_named() {
        let mut value = full_definition();
        value["form"]["fields"][2]["datatype"] = json!("colour");
        assert_eq!(
            found(&value),
            vec![(
                "form.fields[2].datatype".to_owned(),
                "unknown_value".to_owned()
            )]
        );
    }

    #[test]
    fn codes_lengths_and_ranges_are_checked() {
        let mut value = full_definition();
        value["code"] = json!("Dog Licence");
        value["group"] = json!("-animals");
        value["name"]["fr"] = json!("x".repeat(121));
        value["description"]["en"] = json!("  ");
        value["keywords"]["fr"] = json!(["chien, chat", "CHIEN, CHAT", "y".repeat(61)]);
        value["processing_days"] = json!(3651);
        value["retention_days"] = json!(0);
        value["fee"]["currency"] = json!("eur");
        value["fee"]["amount_cents"] = json!(-1);
        let errors = found(&value);
        for (field, code) in [
            ("code", "invalid"),
            ("group", "invalid"),
            ("name.fr", "too_long"),
            ("description.en", "empty"),
            ("keywords.fr[0]", "invalid"),
            ("keywords.fr[1]", "duplicate"),
            ("keywords.fr[2]", "too_long"),
            ("processing_days", "out_of_range"),
            ("retention_days", "out_of_range"),
            ("fee.currency", "invalid"),
            ("fee.amount_cents", "out_of_range"),
        ] {
            assert_has(&errors, field, code);
        }
    }

    #[test]
    fn a_service_code_needs_two_characters_and_may_start_with_a_digit() {
        assert!(is_code("001", 2));
        assert!(!is_code("a", 2));
        assert!(is_code("a", 1));
        assert!(!is_code(&"a".repeat(64), 2));
    }

    #[test]
    fn more_than_forty_keywords_in_a_language_are_too_many() {
        let mut value = full_definition();
        let words: Vec<String> = (0..41).map(|i| format!("mot{i}")).collect();
        value["keywords"]["en"] = json!(words);
        assert_eq!(
            found(&value),
            vec![("keywords.en".to_owned(), "too_many".to_owned())]
        );
    }

    #[test]
    fn duplicate_field_codes_and_orders_and_zero_orders_are_named() {
        let mut value = full_definition();
        value["form"]["fields"][2]["code"] = json!("breed");
        value["form"]["fields"][3]["order"] = json!(2);
        value["form"]["fields"][4]["order"] = json!(0);
        let errors = found(&value);
        assert_has(&errors, "form.fields[2].code", "duplicate");
        assert_has(&errors, "form.fields[3].order", "duplicate");
        assert_has(&errors, "form.fields[4].order", "out_of_range");
        assert!(
            !has(&errors, "form.fields[0].code", "duplicate"),
            "the first one is not the duplicate"
        );
        assert_eq!(errors.len(), 3, "{errors:?}");
    }

    #[test]
    fn list_fields_need_values_and_other_fields_may_not_have_any() {
        let mut value = full_definition();
        value["form"]["fields"][0]["rules"] = json!({});
        value["form"]["fields"][2]["rules"]["values"] =
            json!([{"key": "a", "name": {"fr": "A", "en": "A"}}]);
        let errors = found(&value);
        assert_has(&errors, "form.fields[0].rules.values", "required");
        assert_has(&errors, "form.fields[2].rules.values", "not_allowed");
    }

    #[test]
    fn duplicate_value_keys_and_bad_keys_are_named() {
        let mut value = full_definition();
        value["form"]["fields"][0]["rules"]["values"][1]["key"] = json!("rottweiler");
        let errors = found(&value);
        assert_eq!(
            errors,
            vec![(
                "form.fields[0].rules.values[1].key".to_owned(),
                "duplicate".to_owned()
            )]
        );
        value["form"]["fields"][0]["rules"]["values"][1]["key"] = json!("a b");
        assert_has(
            &found(&value),
            "form.fields[0].rules.values[1].key",
            "invalid",
        );
    }

    #[test]
    fn min_above_max_is_refused_for_numbers_and_lengths() {
        let mut value = full_definition();
        value["form"]["fields"][1]["rules"] = json!({"min": 10, "max": 2});
        value["form"]["fields"][2]["rules"] = json!({"min_length": 16, "max_length": 15});
        let errors = found(&value);
        assert_has(&errors, "form.fields[1].rules.min", "min_above_max");
        assert_has(&errors, "form.fields[2].rules.min_length", "min_above_max");
    }

    #[test]
    fn an_invalid_regular_expression_is_named_with_the_reason() {
        let mut value = full_definition();
        value["form"]["fields"][2]["rules"]["pattern"] = json!("[0-9");
        let errors = definition(&value).err().unwrap_or_default();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors[0].field.as_deref(),
            Some("form.fields[2].rules.pattern")
        );
        assert_eq!(errors[0].code, "invalid_pattern");
        assert!(
            errors[0].message.contains("regular expression"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn a_pattern_is_matched_against_the_whole_answer() {
        let regex = compile_pattern("[0-9]{5}").expect("compiles");
        assert!(regex.is_match("75001"));
        assert!(!regex.is_match("750012"));
        assert!(
            compile_pattern(r"^\p{L}+$").is_ok(),
            "Unicode classes are available"
        );
    }

    #[test]
    fn a_workflow_initial_state_must_exist() {
        let mut value = full_definition();
        value["workflow"]["initial"] = json!("draft");
        assert_has(&found(&value), "workflow.initial", "unknown_state");
    }

    #[test]
    fn transitions_must_name_known_states_and_roles() {
        let mut value = full_definition();
        value["workflow"]["transitions"][0]["to"] = json!("limbo");
        value["workflow"]["transitions"][1]["roles"] = json!(["agent", "mayor"]);
        value["workflow"]["transitions"][2]["roles"] = json!([]);
        let errors = found(&value);
        assert_has(&errors, "workflow.transitions[0].to", "unknown_state");
        assert_has(&errors, "workflow.transitions[1].roles[1]", "unknown_role");
        assert_has(&errors, "workflow.transitions[2].roles", "empty");
    }

    #[test]
    fn a_transition_requires_a_message_or_a_note_each_at_most_once() {
        let mut value = full_definition();
        value["workflow"]["transitions"][0]["requires"] = json!(["message", "note"]);
        assert!(found(&value).is_empty(), "{:?}", found(&value));
        value["workflow"]["transitions"][0]["requires"] = json!(["message", "signature", "message"]);
        let errors = found(&value);
        assert_has(&errors, "workflow.transitions[0].requires[1]", "unknown_value");
        assert_has(&errors, "workflow.transitions[0].requires[2]", "duplicate");
    }

    #[test]
    fn a_state_no_transition_leads_to_is_unreachable() {
        let mut value = full_definition();
        if let Some(states) = value["workflow"]["states"].as_array_mut() {
            states.push(
                json!({"code": "lost", "label": {"fr": "Perdu", "en": "Lost"}, "open": false}),
            );
        }
        assert_eq!(
            found(&value),
            vec![(
                "workflow.states[4].code".to_owned(),
                "unreachable".to_owned()
            )]
        );
    }

    #[test]
    fn an_open_state_with_no_way_out_is_refused_but_closed_states_may_be_terminal() {
        let mut value = full_definition();
        // in-review can only go back to submitted, which can only go to in-review: a trap.
        value["workflow"]["transitions"] = json!([
            {"from": "submitted", "to": "in-review", "roles": ["agent"]},
            {"from": "in-review", "to": "submitted", "roles": ["agent"]},
            {"from": "granted", "to": "refused", "roles": ["admin"]},
            {"from": "refused", "to": "granted", "roles": ["admin"]}
        ]);
        let errors = found(&value);
        assert_has(&errors, "workflow.states[0].code", "no_way_out");
        assert_has(&errors, "workflow.states[1].code", "no_way_out");
        assert_has(&errors, "workflow.states[2].code", "unreachable");
        assert!(!has(&errors, "workflow.states[2].code", "no_way_out"));
    }

    #[test]
    fn a_workflow_without_a_closed_state_is_refused() {
        let mut value = full_definition();
        for state in value["workflow"]["states"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            state["open"] = json!(true);
        }
        let errors = found(&value);
        assert_has(&errors, "workflow.states", "no_closed_state");
        assert!(!errors.iter().any(|(_, c)| c == "no_way_out"), "{errors:?}");
    }

    #[test]
    fn duplicate_states_and_self_transitions_are_named() {
        let mut value = full_definition();
        value["workflow"]["states"][3]["code"] = json!("granted");
        value["workflow"]["transitions"][2]["to"] = json!("in-review");
        let errors = found(&value);
        assert_has(&errors, "workflow.states[3].code", "duplicate");
        assert_has(&errors, "workflow.transitions[2].to", "invalid");
    }

    #[test]
    fn every_error_of_a_broken_definition_is_listed_at_once() {
        let mut value = full_definition();
        value["code"] = json!("X");
        value["form"]["fields"][2]["code"] = json!("breed");
        value["form"]["fields"][2]["rules"]["pattern"] = json!("(");
        value["workflow"]["initial"] = json!("nowhere");
        value["unknown"] = json!(true);
        let errors = found(&value);
        assert_eq!(errors.len(), 5, "{errors:?}");
    }

    #[test]
    fn import_errors_are_prefixed_by_the_service_and_duplicates_across_services_named() {
        let good = full_definition();
        let mut bad = full_definition();
        bad["code"] = json!("other");
        bad["name"]["fr"] = json!("");
        bad["extra"] = json!(1);
        let document = json!({"services": [
            {"status": "published", "definition": good, "published_version": 3},
            {"status": "draft", "definition": bad},
            {"status": "sold", "definition": good},
        ]});
        let errors: Vec<(String, String)> = catalogue(&document)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field.unwrap_or_default(), e.code))
            .collect();
        assert_has(&errors, "services[1].definition.extra", "unknown_field");
        assert_has(&errors, "services[1].definition.name.fr", "empty");
        assert_has(&errors, "services[2].status", "unknown_value");
        assert_has(&errors, "services[2].definition.code", "duplicate");
    }

    #[test]
    fn a_valid_catalogue_parses_with_its_drafts() {
        let mut draft = full_definition();
        draft["processing_days"] = json!(5);
        let document = json!({"services": [
            {"status": "published", "definition": full_definition(), "published_version": 2, "draft": draft},
        ]});
        let parsed = catalogue(&document).expect("valid");
        assert_eq!(
            parsed.services[0].draft.as_ref().map(|d| d.processing_days),
            Some(5)
        );
        let mut wrong_draft = draft_with_code("cat-licence");
        wrong_draft["processing_days"] = json!(5);
        let document = json!({"services": [
            {"status": "draft", "definition": full_definition(), "draft": wrong_draft},
        ]});
        let errors = catalogue(&document).err().unwrap_or_default();
        assert_eq!(
            errors.first().and_then(|e| e.field.as_deref()),
            Some("services[0].draft.code")
        );
    }

    fn draft_with_code(code: &str) -> Value {
        let mut value = full_definition();
        value["code"] = json!(code);
        value
    }

    #[test]
    fn a_catalogue_must_be_an_object_with_a_list_of_services() {
        let errors = catalogue(&json!({"services": {}, "version": 1}))
            .err()
            .unwrap_or_default();
        let fields: Vec<_> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(fields, vec!["version", "services"]);
        assert!(catalogue(&json!([])).is_err());
    }

    #[test]
    fn a_body_that_is_not_an_object_is_one_error() {
        assert_eq!(
            found(&json!([1])),
            vec![("body".to_owned(), "wrong_type".to_owned())]
        );
    }

    #[test]
    fn error_lists_are_capped() {
        let mut value = full_definition();
        let words: Vec<String> = (0..1500).map(|_| ",".to_owned()).collect();
        value["keywords"]["fr"] = json!(words);
        let errors = definition(&value).err().unwrap_or_default();
        assert_eq!(errors.len(), MAX_ERRORS + 1);
        assert_eq!(
            errors.last().map(|e| e.code.as_str()),
            Some("too_many_errors")
        );
    }
}
