//! Catalogue search through the Guichet host, over HTTP, on a catalogue of 2,000 services.
//!
//! Starts `guichet-host` on Guichet's own spin.toml with a fresh state directory and a commune
//! of its own, imports a generated catalogue through the administration API
//! (`POST /api/catalog/admin/import`, bearer token of an administrator minted like the tests
//! do), then measures, one request at a time on one keep-alive connection:
//!
//! - `GET /api/catalog/search` with the citizen queries of `components/catalog/demo/queries.json`
//!   (typos, missing accents, colloquial words, French and English), round after round;
//! - `GET /api/catalog/services/{code}` for codes spread over the catalogue.
//!
//! Prints a Markdown table of p50/p95/p99. Needs `make build` (the host, the wasm components).
//! Usage: catalog-search [services] [rounds]   (defaults: 2000 services, 10 rounds of queries)
//! or `bash bench/catalog_search.sh`. `BENCH_SLOWEST=1` also prints the slowest queries (to
//! stderr); `BENCH_SERVE=1` imports the catalogue then keeps serving it instead of measuring,
//! printing its address, for trying queries by hand.

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use guichet_tests::tokens::TestKeys;
use guichet_tests::{root, Host, HostConfig};
use serde_json::{json, Value};

/// The commune the benchmark serves: not the demo one, so only the generated services exist.
const COMMUNE: &str = "banc-essai";
/// Services per import request (the import body is limited to 2 MiB).
const BATCH: usize = 250;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let services: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(2000);
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10);

    let demo: Vec<Value> = read_json("components/catalog/demo/catalogue.json")?;
    let queries: Vec<Value> = read_json("components/catalog/demo/queries.json")?;
    let catalogue = generate(&demo, services);

    let dir = tempfile::tempdir().context("tempdir")?;
    let keys = TestKeys::generate("bench");
    let config = HostConfig::guichet_in(dir.path())
        .env("SPIN_VARIABLE_TOKEN_JWKS", &keys.jwks())
        .env("SPIN_VARIABLE_DEFAULT_COMMUNE", COMMUNE);
    let host = Host::start(config, &dir);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();

    let bearer = format!("Bearer {}", keys.access_token(COMMUNE, "bench-admin", &["admin"]));
    let started = Instant::now();
    for batch in catalogue.chunks(BATCH) {
        let entries: Vec<Value> = batch
            .iter()
            .map(|definition| json!({"status": "published", "definition": definition}))
            .collect();
        let body = json!({ "services": entries }).to_string();
        let mut reply = agent
            .post(&host.url("/api/catalog/admin/import"))
            .header("authorization", &bearer)
            .header("content-type", "application/json")
            .send(body.as_bytes())
            .context("import request")?;
        if reply.status() != 200 {
            let text = reply.body_mut().read_to_string().unwrap_or_default();
            bail!("import answered {}: {}", reply.status(), truncate(&text, 2000));
        }
    }
    let import_time = started.elapsed();
    if std::env::var_os("BENCH_SERVE").is_some() {
        println!("Serving {} (commune {COMMUNE}, {services} services); Ctrl-C to stop", host.base);
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }

    // Every query once, to check the catalogue answers (and to warm the host up).
    let mut empty = 0;
    for query in &queries {
        let (status, body) = get(&agent, &host.url(&search_path(query)))?;
        if status != 200 {
            bail!("search answered {status}: {}", truncate(&body, 500));
        }
        let hits: Value = serde_json::from_str(&body).context("search answer")?;
        if hits["hits"].as_array().is_none_or(Vec::is_empty) {
            empty += 1;
        }
    }

    let mut search = Vec::with_capacity(rounds * queries.len());
    for _ in 0..rounds {
        for query in &queries {
            let url = host.url(&search_path(query));
            let start = Instant::now();
            let (status, _) = get(&agent, &url)?;
            search.push(start.elapsed());
            if status != 200 {
                bail!("search answered {status}");
            }
        }
    }
    if std::env::var_os("BENCH_SLOWEST").is_some() {
        // The median time of each query over the rounds, slowest first.
        let mut per_query: Vec<(Duration, &str)> = queries
            .iter()
            .enumerate()
            .map(|(i, query)| {
                let mut times: Vec<Duration> =
                    search.iter().skip(i).step_by(queries.len()).copied().collect();
                times.sort_unstable();
                (times[times.len() / 2], query["q"].as_str().unwrap_or(""))
            })
            .collect();
        per_query.sort_unstable_by(|a, b| b.cmp(a));
        for (time, query) in per_query.iter().take(15) {
            eprintln!("{:>8.2} ms  {query}", time.as_secs_f64() * 1000.0);
        }
    }
    let mut detail = Vec::with_capacity(search.len());
    for i in 0..search.len() {
        // Spread over the catalogue: a stride coprime with its size.
        let code = catalogue[(i * 7919) % catalogue.len()]["code"].as_str().unwrap_or("");
        let url = host.url(&format!("/api/catalog/services/{code}"));
        let start = Instant::now();
        let (status, _) = get(&agent, &url)?;
        detail.push(start.elapsed());
        if status != 200 {
            bail!("services/{code} answered {status}");
        }
    }

    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "| what ({services} services, {cores} cores, sequential requests on one connection) | requests | p50 (ms) | p95 (ms) | p99 (ms) |"
    );
    println!("|---|---|---|---|---|");
    row(
        &format!("`GET /api/catalog/search`, {} citizen queries", queries.len()),
        &mut search,
    );
    row("`GET /api/catalog/services/{code}`", &mut detail);
    println!();
    println!(
        "Import of the {services} services through `POST /api/catalog/admin/import` ({} requests of {BATCH}): {:.1} s. Queries without any hit: {empty} of {}.",
        catalogue.len().div_ceil(BATCH),
        import_time.as_secs_f64(),
        queries.len()
    );
    drop(host);
    Ok(())
}

fn read_json(path: &str) -> anyhow::Result<Vec<Value>> {
    let text = std::fs::read_to_string(root().join(path)).with_context(|| format!("reading {path}"))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {path}"))
}

fn get(agent: &ureq::Agent, url: &str) -> anyhow::Result<(u16, String)> {
    let mut reply = agent.get(url).call().with_context(|| format!("GET {url}"))?;
    let status = reply.status().as_u16();
    let body = reply.body_mut().read_to_string().context("reading the answer")?;
    Ok((status, body))
}

fn search_path(query: &Value) -> String {
    let q = query["q"].as_str().unwrap_or("");
    let lang = query["lang"].as_str().unwrap_or("fr");
    format!("/api/catalog/search?q={}&lang={lang}", percent_encode(q))
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn row(what: &str, samples: &mut [Duration]) {
    samples.sort_unstable();
    let at = |q: f64| {
        let index = ((samples.len() as f64 * q).ceil() as usize).saturating_sub(1);
        samples.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "| {what} | {} | {:.2} | {:.2} | {:.2} |",
        samples.len(),
        at(0.50),
        at(0.95),
        at(0.99)
    );
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// A catalogue of `count` services made from the demo one: each demo service is repeated
/// under other codes and names (one per district), with a few words drawn from the everyday
/// vocabulary of a town hall added to its keywords and description, so that the index has the
/// size, the vocabulary spread and the common words of a large real catalogue.
fn generate(demo: &[Value], count: usize) -> Vec<Value> {
    const DISTRICTS: &[&str] = &[
        "Centre", "Gare", "Port", "Vieux-Bourg", "Les Tilleuls", "La Prairie", "Saint-Martin",
        "Les Chênes", "Le Moulin", "La Croix-Blanche", "Beauregard", "Les Vignes", "Bellevue",
        "Le Stade", "Zone artisanale", "Les Écoles", "Le Château", "La Forêt", "Les Hauts",
        "Le Marais",
    ];
    const FRENCH: &str = "accueil horaires guichet dossier formulaire délai justificatif tarif \
        gratuit enfant famille habitant commerce association sport culture bibliothèque piscine \
        musée jeunesse senior logement social emploi santé vaccination urbanisme cadastre plan \
        voirie propreté environnement espaces verts jardin parc aire de jeux transport bus vélo \
        piste cyclable stationnement circulation sécurité police vidéoprotection incendie secours \
        eau assainissement énergie chauffage éclairage fibre internet numérique démarche \
        rendez-vous réclamation médiation conciliation subvention taxe impôt facture paiement \
        régie caution location prêt matériel barrières tables chaises sono podium minibus navette \
        garderie périscolaire loisirs crèche halte-garderie assistante maternelle relais collège \
        lycée bourse étudiant stage apprentissage";
    const ENGLISH: &str = "reception opening hours counter file form deadline proof price free \
        child family resident shop association sport culture library pool museum youth senior \
        housing social job health vaccination planning land registry map roads cleanliness \
        environment green spaces garden park playground transport bus bike cycle lane parking \
        traffic safety police cctv fire rescue water sewage energy heating lighting fibre internet \
        digital procedure appointment complaint mediation grant tax invoice payment deposit rental \
        loan equipment barriers tables chairs sound system stage minibus shuttle after-school care \
        leisure centre nursery childminder college high school scholarship student internship \
        apprenticeship";
    let french: Vec<&str> = FRENCH.split_whitespace().collect();
    let english: Vec<&str> = ENGLISH.split_whitespace().collect();
    let mut random = Lcg(0x5eed);
    (0..count)
        .map(|i| {
            let mut service = demo[i % demo.len()].clone();
            let round = i / demo.len();
            let district = DISTRICTS[round % DISTRICTS.len()];
            let base = service["code"].as_str().unwrap_or("service").to_owned();
            service["code"] = json!(format!("{base}-{i:04}"));
            for lang in ["fr", "en"] {
                let words = if lang == "fr" { &french } else { &english };
                let name = format!("{} — {district} {round}", service["name"][lang].as_str().unwrap_or(""));
                service["name"][lang] = json!(name.chars().take(120).collect::<String>());
                let mut keywords: Vec<Value> =
                    service["keywords"][lang].as_array().cloned().unwrap_or_default();
                let mut added = 0;
                while added < 5 {
                    let word = random.pick(words, 1).remove(0);
                    let taken = keywords
                        .iter()
                        .any(|k| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(&word)));
                    if !taken {
                        keywords.push(Value::from(word));
                        added += 1;
                    }
                }
                keywords.truncate(40);
                service["keywords"][lang] = Value::from(keywords);
                let description = format!(
                    "{} {} ({district}, {}).",
                    service["description"][lang].as_str().unwrap_or(""),
                    random.pick(words, 12).join(" "),
                    1000 + random.below(90_000)
                );
                service["description"][lang] = json!(description);
            }
            service
        })
        .collect()
}

/// A small deterministic generator, so that every run indexes the same catalogue.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }

    fn pick(&mut self, words: &[&str], n: usize) -> Vec<String> {
        (0..n).map(|_| words[self.below(words.len())].to_owned()).collect()
    }
}
