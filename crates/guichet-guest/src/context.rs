//! One request's context, built once when the request arrives and passed explicitly to every
//! handler (no thread-locals): the component's database connection, the commune the request is
//! addressed to and its public origin, the client's address, and the caller.
//!
//! - [`Ctx::for_request`]: every component but identity. The commune of the request's host
//!   name is asked of identity by chaining ([`tenant::lookup`]) and remembered in the
//!   component's own database ([`CACHE_TABLE`]) for [`TTL_SECONDS`]: filing and tracking are
//!   the busiest routes, and asking identity costs an instance and a database look-up. A host
//!   name added to a commune works at once (unknown hosts are not remembered); one removed or
//!   moved keeps reaching its old commune for up to a minute. The policy is
//!   [`resolve_cached`], the same for every component.
//! - [`Ctx::new`]: identity, which owns the communes and resolves them from its own tables.
//! - The caller is computed when a handler first asks ([`Ctx::caller`]) and kept: verifying a
//!   bearer token costs a call to the token verifier, which routes without a caller (health,
//!   public pages) never pay. Each component says who a caller is through [`Identify`].

use std::cell::OnceCell;
use std::future::Future;

use anyhow::Context as _;
use spin_sdk::http::Request;

use crate::client::{self, ClientAddress};
use crate::db::{self, Connection, Value};
use crate::tenant::{self, CommuneInfo, Host};
use crate::{ApiError, Commune};

/// How long identity's answer for a host name is trusted.
pub const TTL_SECONDS: i64 = 60;

/// The table where a component remembers identity's answers (append it to the component's
/// migrations; `IF NOT EXISTS` so that a component that created it earlier is unaffected).
pub const CACHE_TABLE: &str = "CREATE TABLE IF NOT EXISTS commune_hosts_cache (
        host TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        fetched_at INTEGER NOT NULL,
        public_origin TEXT NOT NULL DEFAULT '',
        name TEXT NOT NULL DEFAULT '',
        languages TEXT NOT NULL DEFAULT '[]'
    )";

/// The commune's look in the cache (append it to the component's migrations after
/// [`CACHE_TABLE`]; rows cached before it have none until they are asked again).
pub const CACHE_BRANDING: &str =
    "ALTER TABLE commune_hosts_cache ADD COLUMN branding TEXT NOT NULL DEFAULT '{}'";

/// Who is calling, as a component decides it from a request addressed to `commune`.
pub trait Identify: Sized {
    /// The caller of `req` (an invalid token is an error, never a silent anonymous caller).
    fn identify(req: &Request, commune: &Commune) -> Result<Self, ApiError>;
}

/// For components whose routes have no notion of caller.
impl Identify for () {
    fn identify(_: &Request, _: &Commune) -> Result<(), ApiError> {
        Ok(())
    }
}

/// One request's context (see the module documentation). `C` is the component's caller type.
pub struct Ctx<'r, C = ()> {
    req: &'r Request,
    conn: Connection,
    served: CommuneInfo,
    client: ClientAddress,
    /// [`ClientAddress::rate_key`], computed once: rate limits ask for it several times.
    client_key: String,
    caller: Lazy<C>,
}

impl<'r, C: Identify> Ctx<'r, C> {
    /// The context of `req` for a component whose database is `label` with `migrations`: the
    /// connection opened and migrated once, the commune resolved through the cache (404
    /// `unknown_commune`, 400 `invalid_host`, 500 when identity cannot answer).
    pub async fn for_request(
        req: &'r Request,
        label: &str,
        migrations: &[&str],
    ) -> Result<Ctx<'r, C>, ApiError> {
        let conn = open(label, migrations)?;
        let host = tenant::request_host(req)?;
        let served = resolve_cached(&SqliteCache(&conn), &host, unix_now()?, |host| async move {
            tenant::lookup(&host).await
        })
        .await?;
        Ok(Ctx::new(req, conn, served))
    }

    /// The context of `req` whose commune the component resolved itself (identity).
    pub fn new(req: &'r Request, conn: Connection, served: CommuneInfo) -> Ctx<'r, C> {
        let client = client::address(req);
        Ctx {
            req,
            conn,
            served,
            client_key: client.rate_key(),
            client,
            caller: Lazy::default(),
        }
    }

    /// The request.
    pub fn request(&self) -> &'r Request {
        self.req
    }

    /// The component's database, migrated.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The commune the request is addressed to.
    pub fn commune(&self) -> &Commune {
        &self.served.commune
    }

    /// Where citizens reach the commune (its configured public origin): the only origin for
    /// links that leave the app (e-mails, SMS, receipts), never the request's own `Host`.
    pub fn public_origin(&self) -> &str {
        &self.served.public_origin
    }

    /// All identity says of the commune (its name and languages too).
    pub fn served(&self) -> &CommuneInfo {
        &self.served
    }

    /// The client's address ([`client`]: `trusted_proxies`, IPv6 by /64).
    pub fn client(&self) -> &ClientAddress {
        &self.client
    }

    /// What rate limits count the client under ([`ClientAddress::rate_key`]).
    pub fn client_key(&self) -> &str {
        &self.client_key
    }

    /// The caller, identified on first use and kept for the rest of the request.
    pub fn caller(&self) -> Result<&C, ApiError> {
        self.caller
            .get_or_try(|| C::identify(self.req, &self.served.commune))
    }
}

/// The database `label`, opened and migrated (once per request: [`Ctx`] keeps it).
pub fn open(label: &str, migrations: &[&str]) -> anyhow::Result<Connection> {
    let conn = db::open(label)?;
    db::migrate(&conn, migrations)?;
    Ok(conn)
}

/// A value computed on first use and kept; a failure is returned and not kept, so the value
/// is computed once per successful use (a request whose caller is refused ends with that
/// refusal).
pub struct Lazy<T> {
    cell: OnceCell<T>,
}

impl<T> Default for Lazy<T> {
    fn default() -> Self {
        Lazy {
            cell: OnceCell::new(),
        }
    }
}

impl<T> Lazy<T> {
    /// The value, computing it with `make` the first time.
    pub fn get_or_try<E>(&self, make: impl FnOnce() -> Result<T, E>) -> Result<&T, E> {
        if let Some(value) = self.cell.get() {
            return Ok(value);
        }
        let value = make()?;
        Ok(self.cell.get_or_init(|| value))
    }
}

/// Where a component remembers identity's answers, with the time (Unix seconds) it got each.
pub trait HostCache {
    /// What was remembered for `host`, and when.
    fn recall(&self, host: &Host) -> anyhow::Result<Option<(CommuneInfo, i64)>>;
    /// Remembers `served` for `host` at `now`.
    fn remember(&self, host: &Host, served: &CommuneInfo, now: i64) -> anyhow::Result<()>;
}

/// [`HostCache`] in a component's own database ([`CACHE_TABLE`]).
pub struct SqliteCache<'c>(pub &'c Connection);

impl HostCache for SqliteCache<'_> {
    fn recall(&self, host: &Host) -> anyhow::Result<Option<(CommuneInfo, i64)>> {
        let result = db::query(
            self.0,
            "SELECT commune, name, languages, public_origin, branding, fetched_at \
             FROM commune_hosts_cache WHERE host = ?",
            &[db::text(host.as_str())],
        )?;
        let Some(row) = db::first_row(&result) else {
            return Ok(None);
        };
        let commune = row.get::<&str>("commune")?;
        let languages = row.get::<&str>("languages")?;
        let served = CommuneInfo {
            commune: Commune::parse(commune)
                .with_context(|| format!("a cached commune id {commune:?}"))?,
            name: row.get("name")?,
            languages: serde_json::from_str(languages)
                .with_context(|| format!("cached languages {languages:?}"))?,
            public_origin: row.get("public_origin")?,
            // A look the cache cannot read is no look: the page still serves.
            branding: serde_json::from_str(row.get::<&str>("branding")?).unwrap_or_default(),
        };
        Ok(Some((served, row.get("fetched_at")?)))
    }

    fn remember(&self, host: &Host, served: &CommuneInfo, now: i64) -> anyhow::Result<()> {
        db::exec(
            self.0,
            "INSERT INTO commune_hosts_cache \
             (host, commune, name, languages, public_origin, branding, fetched_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (host) DO UPDATE SET commune = excluded.commune, \
             name = excluded.name, languages = excluded.languages, \
             public_origin = excluded.public_origin, branding = excluded.branding, \
             fetched_at = excluded.fetched_at",
            &[
                db::text(host.as_str()),
                db::text(served.commune.as_str()),
                db::text(served.name.as_str()),
                db::text(serde_json::to_string(&served.languages)?),
                db::text(served.public_origin.as_str()),
                db::text(serde_json::to_string(&served.branding)?),
                Value::Integer(now),
            ],
        )
        .context("remembering the commune of a host")
    }
}

/// The commune served at `host`: what `cache` remembers when it is younger than
/// [`TTL_SECONDS`] and has a public origin, else `lookup`'s answer (identity's), remembered.
/// An unknown host is 404 `unknown_commune` and is not remembered, so a host name added to a
/// commune works at once.
pub async fn resolve_cached<F, Fut>(
    cache: &impl HostCache,
    host: &Host,
    now: i64,
    lookup: F,
) -> Result<CommuneInfo, ApiError>
where
    F: FnOnce(Host) -> Fut,
    Fut: Future<Output = anyhow::Result<Option<CommuneInfo>>>,
{
    if let Some((served, fetched_at)) = cache.recall(host)? {
        // Rows written before the public origin was remembered have none: ask again.
        if fetched_at > now - TTL_SECONDS && !served.public_origin.is_empty() {
            return Ok(served);
        }
    }
    let served = lookup(host.clone())
        .await?
        .ok_or_else(tenant::unknown_commune)?;
    cache.remember(host, &served, now)?;
    Ok(served)
}

fn unix_now() -> anyhow::Result<i64> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the clock is before 1970")?;
    i64::try_from(since.as_secs()).context("the clock is past 2^63 seconds")
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::collections::HashMap;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;

    #[derive(Default)]
    struct MemoryCache(RefCell<HashMap<String, (CommuneInfo, i64)>>);

    impl HostCache for MemoryCache {
        fn recall(&self, host: &Host) -> anyhow::Result<Option<(CommuneInfo, i64)>> {
            Ok(self.0.borrow().get(host.as_str()).cloned())
        }
        fn remember(&self, host: &Host, served: &CommuneInfo, now: i64) -> anyhow::Result<()> {
            self.0
                .borrow_mut()
                .insert(host.as_str().to_owned(), (served.clone(), now));
            Ok(())
        }
    }

    /// Runs a future that never waits (the test look-ups answer at once).
    fn run<T>(future: impl Future<Output = T>) -> T {
        let mut future = pin!(future);
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("the test future waited"),
        }
    }

    fn info(commune: &str, origin: &str) -> CommuneInfo {
        CommuneInfo {
            commune: Commune::parse(commune).expect("commune"),
            name: commune.to_owned(),
            languages: vec![],
            public_origin: origin.to_owned(),
            branding: Default::default(),
        }
    }

    /// Resolves `host` at `now`, counting identity's look-ups in `asked`, which answers
    /// `answer`.
    fn resolve(
        cache: &MemoryCache,
        host: &str,
        now: i64,
        asked: &Cell<u32>,
        answer: Option<CommuneInfo>,
    ) -> Result<CommuneInfo, ApiError> {
        let host = Host::parse(host).expect("host");
        run(resolve_cached(cache, &host, now, |_| {
            asked.set(asked.get() + 1);
            async move { Ok(answer) }
        }))
    }

    #[test]
    fn identity_is_asked_once_a_minute_per_host() {
        let (cache, asked) = (MemoryCache::default(), Cell::new(0));
        let answer = || Some(info("ville", "https://ville.example"));
        let first = resolve(&cache, "ville.example", 1000, &asked, answer());
        assert_eq!(
            first.ok().map(|s| s.commune.to_string()),
            Some("ville".into())
        );
        let again = resolve(&cache, "ville.example", 1059, &asked, None);
        assert_eq!(
            again.ok().map(|s| s.public_origin),
            Some("https://ville.example".into()),
            "within the minute, the cached answer serves (identity is not asked)"
        );
        assert_eq!(asked.get(), 1);
        let later = resolve(&cache, "ville.example", 1060, &asked, answer());
        assert!(later.is_ok());
        assert_eq!(asked.get(), 2, "after a minute identity is asked again");
    }

    #[test]
    fn an_unknown_host_is_refused_and_not_remembered() {
        let (cache, asked) = (MemoryCache::default(), Cell::new(0));
        let unknown = resolve(&cache, "nowhere.example", 1000, &asked, None);
        assert!(matches!(
            unknown,
            Err(ApiError::NotFoundWith {
                code: "unknown_commune",
                ..
            })
        ));
        let added = resolve(
            &cache,
            "nowhere.example",
            1001,
            &asked,
            Some(info("ville", "https://ville.example")),
        );
        assert!(added.is_ok(), "a host added to a commune works at once");
        assert_eq!(asked.get(), 2);
    }

    #[test]
    fn a_cached_answer_without_public_origin_is_asked_again() {
        let (cache, asked) = (MemoryCache::default(), Cell::new(0));
        let host = Host::parse("ville.example").expect("host");
        let old = info("ville", "");
        cache.remember(&host, &old, 1000).expect("remember");
        let served = resolve(
            &cache,
            "ville.example",
            1001,
            &asked,
            Some(info("ville", "https://ville.example")),
        );
        assert_eq!(
            served.ok().map(|s| s.public_origin),
            Some("https://ville.example".into())
        );
        assert_eq!(asked.get(), 1);
    }

    #[test]
    fn identity_failing_is_an_internal_error_and_nothing_is_remembered() {
        let cache = MemoryCache::default();
        let host = Host::parse("ville.example").expect("host");
        let failed = run(resolve_cached(&cache, &host, 1000, |_| async {
            Err(anyhow::anyhow!("identity is down"))
        }));
        assert!(matches!(failed, Err(ApiError::Internal(_))));
        assert!(cache.0.borrow().is_empty());
    }

    #[test]
    fn the_caller_is_identified_once_however_often_it_is_asked() {
        let (lazy, made) = (Lazy::<String>::default(), Cell::new(0));
        let make = || -> Result<String, ApiError> {
            made.set(made.get() + 1);
            Ok("agent-1".into())
        };
        assert_eq!(
            lazy.get_or_try(make).map(String::as_str).ok(),
            Some("agent-1")
        );
        assert_eq!(
            lazy.get_or_try(make).map(String::as_str).ok(),
            Some("agent-1")
        );
        assert_eq!(made.get(), 1);
    }

    #[test]
    fn a_refused_caller_is_an_error_and_is_not_kept() {
        let lazy = Lazy::<String>::default();
        let refused = lazy.get_or_try(|| Err(ApiError::NotFound));
        assert!(matches!(refused, Err(ApiError::NotFound)));
        assert_eq!(
            lazy.get_or_try(|| Ok::<_, ApiError>("later".into()))
                .ok()
                .map(String::as_str),
            Some("later")
        );
    }
}
