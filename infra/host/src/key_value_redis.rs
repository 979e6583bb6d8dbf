//! A key-value store on a Redis server (`[key_value_store.LABEL] type = "redis"`, `url`), as
//! Spin's own Redis key-value store does it: one server (and database) per label, keys stored
//! as given (`GET`, `SET`, `DEL`, `EXISTS`, `KEYS *`), so that Spin and this host can share a
//! server's data. The server must answer at start (a wrong URL or an unreachable server stops
//! the host, naming the setting); afterwards a lost connection is re-established on the next
//! call, and a call that fails answers the guest `error::other`, never a local fallback.

use std::time::Duration;

use anyhow::{Context, Result};
use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use tokio::sync::OnceCell;

use crate::bindings::key_value::Error;

/// How long the start-up check and each (re)connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one command may take before the guest gets an error.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

pub struct RedisKv {
    client: redis::Client,
    /// The URL without its password, for messages.
    shown: String,
    /// Opened on first use, inside the async runtime; reconnects by itself.
    manager: OnceCell<ConnectionManager>,
}

impl std::fmt::Debug for RedisKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisKv")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

/// `url` with any password replaced by `***` (URLs reach logs and error messages).
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

impl RedisKv {
    /// Parses `url` and checks that the server answers `PING` now.
    pub fn connect(url: &str) -> Result<RedisKv> {
        let shown = redact(url);
        let client =
            redis::Client::open(url).with_context(|| format!("invalid Redis URL {shown}"))?;
        let mut conn = client
            .get_connection_with_timeout(CONNECT_TIMEOUT)
            .with_context(|| format!("Redis at {shown} is unreachable"))?;
        redis::cmd("PING")
            .query::<String>(&mut conn)
            .with_context(|| format!("Redis at {shown} does not answer PING"))?;
        Ok(RedisKv {
            client,
            shown,
            manager: OnceCell::new(),
        })
    }

    async fn conn(&self) -> Result<ConnectionManager, Error> {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT));
        self.manager
            .get_or_try_init(|| ConnectionManager::new_with_config(self.client.clone(), config))
            .await
            .cloned()
            .map_err(|e| self.failed(e))
    }

    fn failed(&self, error: redis::RedisError) -> Error {
        tracing::warn!("key-value store on Redis at {}: {error}", self.shown);
        Error::Other(format!("Redis: {}", error.category()))
    }

    pub async fn get(&self, key: String) -> Result<Option<Vec<u8>>, Error> {
        self.conn()
            .await?
            .get(key)
            .await
            .map_err(|e| self.failed(e))
    }

    pub async fn set(&self, key: String, value: Vec<u8>) -> Result<(), Error> {
        self.conn()
            .await?
            .set(key, value)
            .await
            .map_err(|e| self.failed(e))
    }

    pub async fn delete(&self, key: String) -> Result<(), Error> {
        self.conn()
            .await?
            .del(key)
            .await
            .map_err(|e| self.failed(e))
    }

    pub async fn exists(&self, key: String) -> Result<bool, Error> {
        self.conn()
            .await?
            .exists(key)
            .await
            .map_err(|e| self.failed(e))
    }

    pub async fn keys(&self) -> Result<Vec<String>, Error> {
        self.conn()
            .await?
            .keys("*")
            .await
            .map_err(|e| self.failed(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_the_url_never_reaches_a_message() {
        assert_eq!(
            redact("redis://:s3cret@db.internal:6379/0"),
            "redis://:***@db.internal:6379/0"
        );
        assert_eq!(
            redact("rediss://guichet:s3cret@db:6380"),
            "rediss://guichet:***@db:6380"
        );
        assert_eq!(
            redact("redis://127.0.0.1:6379/1"),
            "redis://127.0.0.1:6379/1"
        );
    }

    #[test]
    fn an_unreachable_server_is_an_error_at_connect_naming_it_without_its_password() {
        // Port 1 on loopback: nothing listens there.
        let err = format!(
            "{:#}",
            RedisKv::connect("redis://:hunter2@127.0.0.1:1/0").unwrap_err()
        );
        assert!(
            err.contains("redis://:***@127.0.0.1:1/0") && err.contains("unreachable"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
    }
}
