//! The commune of the queue benchmarks (`requests-queue`, `admin-queue`, included by each with
//! `#[path]`): the demo catalogue's services, a million requests written straight into the
//! requests database the component migrated, and what both measure with (an HTTP client, the
//! percentiles).

use std::time::Duration;

use anyhow::Context as _;
use guichet_guest::dates::{self, BusinessDays};
use guichet_tests::root;
use serde_json::Value;

/// The demo commune (served at 127.0.0.1).
pub const COMMUNE: &str = "demo";
/// Three years of requests.
pub const SPAN_SECONDS: i64 = 3 * 365 * 86_400;
pub const AGENTS: usize = 30;

/// The benchmarks' HTTP client: one keep-alive connection, any status an answer, redirects
/// not followed (a sign-in's 303 and its cookies are the answer).
pub fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// Distinct rare words (names), each in about 1 request in 3,600.
pub const SURNAMES: usize = 3_600;

/// The `n`th generated surname (`Berlamonet`), from syllables.
pub fn surname(n: usize) -> String {
    const A: [&str; 30] = [
        "ber", "car", "dan", "fou", "gal", "lam", "mor", "pel", "ros", "tar", "vil", "bou", "che",
        "dur", "fer", "gui", "her", "jau", "lec", "mar", "nic", "oli", "pon", "que", "rig", "sau",
        "thi", "val", "bla", "cor",
    ];
    const B: [&str; 30] = [
        "lan", "mon", "rel", "tin", "vor", "bas", "cou", "dri", "fla", "gno", "hal", "jou", "kel",
        "lou", "mie", "nar", "pou", "rac", "sel", "tou", "var", "zel", "bri", "cal", "dor", "fal",
        "gar", "lis", "mer", "nol",
    ];
    const C: [&str; 4] = ["et", "ier", "aud", "in"];
    let n = n % SURNAMES;
    format!("{}{}{}", A[n % 30], B[(n / 30) % 30], C[(n / 900) % 4])
}

/// A demo service, as the generator needs it.
pub struct Service {
    pub code: String,
    pub department: String,
    pub processing_days: i64,
    pub name_json: String,
    pub name_fr: String,
    pub open_states: Vec<String>,
    pub closed_states: Vec<String>,
    /// How often it is used, relative to the others.
    pub weight: usize,
}

pub fn read_services() -> anyhow::Result<Vec<Service>> {
    let text = std::fs::read_to_string(root().join("components/catalog/demo/catalogue.json"))
        .context("reading the demo catalogue")?;
    let list: Vec<Value> = serde_json::from_str(&text).context("parsing the demo catalogue")?;
    Ok(list
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let states = s["workflow"]["states"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let pick = |open: bool| -> Vec<String> {
                states
                    .iter()
                    .filter(|st| st["open"].as_bool() == Some(open))
                    .filter_map(|st| st["code"].as_str().map(str::to_owned))
                    .collect()
            };
            let anonymous = s["anonymous"].as_bool() == Some(true);
            Service {
                code: s["code"].as_str().unwrap_or_default().to_owned(),
                department: s["department"].as_str().unwrap_or_default().to_owned(),
                processing_days: s["processing_days"].as_i64().unwrap_or(15),
                name_json: serde_json::json!({"fr": s["name"]["fr"], "en": s["name"]["en"]})
                    .to_string(),
                name_fr: s["name"]["fr"].as_str().unwrap_or_default().to_owned(),
                open_states: pick(true),
                closed_states: pick(false),
                // Street reports come in far more often than civil-status paperwork.
                weight: if anonymous { 6 } else { 1 + i % 3 },
            }
        })
        .collect())
}

pub struct Summary {
    pub open: usize,
    pub assigned: usize,
}

/// The creation time of row `i` of `rows`, evenly spread over the last three years.
pub fn created_seconds(i: usize, rows: usize, now: i64) -> i64 {
    now - SPAN_SECONDS + (i as i64 * SPAN_SECONDS) / rows as i64
}

pub fn created_at(i: usize, rows: usize, now: i64) -> String {
    rfc3339(created_seconds(i, rows, now))
}

/// Writes `rows` requests of the demo commune into the requests database at `path` (the host
/// stopped), with their full-text entries and reference counters.
pub fn seed(
    path: &std::path::Path,
    services: &[Service],
    rows: usize,
    now: i64,
) -> anyhow::Result<Summary> {
    const STREETS: [&str; 24] = [
        "Victor Hugo",
        "Jean Jaurès",
        "de la République",
        "Pasteur",
        "du Général de Gaulle",
        "Gambetta",
        "des Lilas",
        "de la Gare",
        "du Moulin",
        "des Écoles",
        "Émile Zola",
        "de la Paix",
        "Voltaire",
        "Jules Ferry",
        "du Château",
        "des Tilleuls",
        "Carnot",
        "Anatole France",
        "de l'Église",
        "Jean Moulin",
        "des Acacias",
        "du Stade",
        "Foch",
        "de Verdun",
    ];
    const KINDS: [&str; 5] = ["rue", "avenue", "boulevard", "place", "impasse"];
    const WORDS: [&str; 40] = [
        "lampadaire",
        "trottoir",
        "bruit",
        "voisin",
        "tags",
        "dossier",
        "pièce",
        "justificatif",
        "nuit",
        "matin",
        "devant",
        "école",
        "arrêt",
        "bus",
        "chien",
        "poubelle",
        "dépôt",
        "sauvage",
        "encombrants",
        "arbre",
        "branche",
        "trou",
        "chaussée",
        "voiture",
        "garée",
        "depuis",
        "semaines",
        "urgent",
        "danger",
        "enfants",
        "mariage",
        "naissance",
        "acte",
        "copie",
        "inscription",
        "cantine",
        "salle",
        "réservation",
        "marché",
        "terrasse",
    ];
    let mut conn = rusqlite::Connection::open(path).context("opening the requests database")?;
    conn.execute_batch(
        "PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000; \
         PRAGMA temp_store=MEMORY;",
    )?;
    let indexes: Vec<(String, String)> = {
        let mut stmt = conn.prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'requests' \
             AND sql IS NOT NULL",
        )?;
        let found = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        found
    };
    let tx = conn.transaction()?;
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    let total_weight: usize = services.iter().map(|s| s.weight).sum();
    let mut random = Lcg(0x5eed);
    let mut summary = Summary {
        open: 0,
        assigned: 0,
    };
    let mut counters: std::collections::BTreeMap<i64, i64> = Default::default();
    {
        let mut insert = tx.prepare(
            "INSERT INTO requests (rowid, id, commune, reference, service_code, service_version, \
             service_name, department, state, is_open, channel, account_id, contact, description, \
             answers, lat, long, address, assignee, expected_on, tracking_hash, merged_into, \
             filed_by, lang, created_at, updated_at, closed_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, \
             ?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?, ?, NULL, ?, 'fr', ?, ?, ?)",
        )?;
        let mut text = tx.prepare("INSERT INTO requests_text (rowid, text) VALUES (?, ?)")?;
        for i in 0..rows {
            let rowid = i as i64 + 1;
            let created = created_seconds(i, rows, now);
            let age_days = (now - created) / 86_400;
            let mut pick = random.below(total_weight);
            let service = services
                .iter()
                .find(|s| {
                    if pick < s.weight {
                        true
                    } else {
                        pick -= s.weight;
                        false
                    }
                })
                .unwrap_or(&services[0]);
            let open_chance = if age_days < 60 {
                90
            } else if age_days < 365 {
                25
            } else {
                12
            };
            let close_hours =
                (service.processing_days * 24).max(4) * (5 + random.below(150) as i64) / 100;
            let closes_at = created + close_hours * 3600;
            let is_open = random.below(100) < open_chance || closes_at >= now;
            let (state, closed_at, updated) = if is_open {
                let state = &service.open_states[random.below(service.open_states.len())];
                (
                    state,
                    None,
                    created + (now - created) * random.below(100) as i64 / 100,
                )
            } else {
                let state = &service.closed_states[random.below(service.closed_states.len())];
                (state, Some(rfc3339(closes_at)), closes_at)
            };
            let assignee = if random.below(100) < if is_open { 50 } else { 90 } {
                Some(format!("agent-{}", random.below(AGENTS)))
            } else {
                None
            };
            summary.open += usize::from(is_open);
            summary.assigned += usize::from(assignee.is_some());
            let channel = match random.below(100) {
                0..55 => "web",
                55..65 => "open311",
                65..77 => "counter",
                77..89 => "phone",
                89..97 => "email",
                _ => "mail",
            };
            let year: i64 = rfc3339(created)[..4].parse().unwrap_or(2026);
            let number = counters.entry(year).or_insert(0);
            *number += 1;
            let reference = format!("{year}-{number:06}");
            let address = format!(
                "{} {} {}",
                1 + random.below(120),
                KINDS[random.below(KINDS.len())],
                STREETS[random.below(STREETS.len())]
            );
            // One rarer word (a name) in each, as real requests name people and places.
            let name = surname(random.below(SURNAMES));
            let mut description: Vec<&str> = (0..6 + random.below(6))
                .map(|_| WORDS[random.below(WORDS.len())])
                .collect();
            description.push(&name);
            let description = description.join(" ");
            let account =
                (random.below(10) < 7).then(|| format!("citizen-{}", random.below(200_000)));
            insert.execute(rusqlite::params![
                rowid,
                format!("{:016x}{:016x}", random.next(), random.next()),
                COMMUNE,
                reference,
                service.code,
                service.name_json,
                service.department,
                state,
                i64::from(is_open),
                channel,
                account,
                r#"{"name":"Camille Martin","notify":"email"}"#,
                description,
                48.85 + random.below(1000) as f64 / 10_000.0,
                2.35 + random.below(1000) as f64 / 10_000.0,
                address,
                assignee,
                expected_on(created, service.processing_days)?,
                format!(
                    "{:016x}{:016x}{:016x}{:016x}",
                    random.next(),
                    random.next(),
                    random.next(),
                    random.next()
                ),
                (channel == "counter" || channel == "phone").then_some("agent-0"),
                rfc3339(created),
                rfc3339(updated),
                closed_at,
            ])?;
            let searchable = format!(
                "{reference}\n{}\n{}\n{description}\n{address}",
                service.code, service.name_fr
            );
            text.execute(rusqlite::params![rowid, searchable])?;
        }
        let mut counter = tx.prepare(
            "INSERT INTO reference_counters (commune, year, last) VALUES (?, ?, ?) \
             ON CONFLICT (commune, year) DO UPDATE SET last = max(last, excluded.last)",
        )?;
        for (year, last) in &counters {
            counter.execute(rusqlite::params![COMMUNE, year, last])?;
        }
    }
    for (_, sql) in &indexes {
        tx.execute_batch(sql)?;
    }
    tx.commit()?;
    conn.execute_batch("PRAGMA journal_mode=WAL;")?;
    Ok(summary)
}

/// The expected date of a request filed at `created`, as requests computes it: `processing_days`
/// business days later.
pub fn expected_on(created: i64, processing_days: i64) -> anyhow::Result<String> {
    let days = BusinessDays::parse(processing_days).context("a demo service's processing_days")?;
    days.after(&rfc3339(created)).context("a generated filing time")
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `seconds` as Guichet stores times (the shared rule of `guichet_guest::dates`).
pub fn rfc3339(seconds: i64) -> String {
    dates::format(seconds)
}

pub fn get(agent: &ureq::Agent, url: &str, bearer: Option<&str>) -> anyhow::Result<(u16, String)> {
    let mut request = agent.get(url);
    if let Some(bearer) = bearer {
        request = request.header("authorization", bearer);
    }
    let mut reply = request.call().with_context(|| format!("GET {url}"))?;
    let status = reply.status().as_u16();
    let body = reply
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .context("reading the answer")?;
    Ok((status, body))
}

pub struct Stats {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub rps: f64,
}

impl Stats {
    pub fn of(samples: &mut [Duration]) -> Stats {
        samples.sort_unstable();
        let at = |q: f64| {
            let index = ((samples.len() as f64 * q).ceil() as usize).saturating_sub(1);
            samples.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let total: f64 = samples.iter().map(Duration::as_secs_f64).sum();
        Stats {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            rps: samples.len() as f64 / total.max(1e-9),
        }
    }
}

pub fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

pub fn unpct(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// A small deterministic generator, so that every run builds the same commune.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
