//! What one client may take of the host: time to send headers and body, body size, open
//! connections, guest instances and memory, and how long outbound HTTP may wait. Each has a
//! `guichet-host up` flag and a `GUICHET_*` variable (see `main.rs` and the README).

use std::time::Duration;

/// The host's resource limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long one request may run guest code before it is interrupted (answered 500).
    pub request_timeout: Duration,
    /// How long a client may take to send a request's headers (also how long an idle
    /// keep-alive connection stays open); past it the connection is closed.
    pub header_timeout: Duration,
    /// How long a client may take to send a body, extended by one second for every
    /// [`Self::body_min_rate`] bytes received; past it the request is answered 408.
    pub body_timeout: Duration,
    /// Bytes per second a body must keep up with once [`Self::body_timeout`] has passed.
    pub body_min_rate: u64,
    /// Largest request body: a larger `Content-Length` is answered 413 before the guest runs,
    /// a streamed body is cut and answered 413 when it crosses it.
    pub max_body_bytes: u64,
    /// Connections served at once; a few more are answered 503, the rest closed on accept.
    pub max_connections: usize,
    /// Component instances alive at once (a chained call or a dependency takes one more);
    /// beyond it a request is answered 503.
    pub max_instances: u32,
    /// Linear memory of one instance.
    pub instance_memory: usize,
    /// How long outbound HTTP may take to connect (DNS, TCP, TLS).
    pub outbound_connect_timeout: Duration,
    /// How long outbound HTTP may wait for the answer's head, and between two body chunks.
    pub outbound_timeout: Duration,
    /// On SIGTERM, how long the host keeps serving while telling the proxy in front that it
    /// is going (`/health` answers 503, every answer closes its connection) before it stops
    /// accepting; then it finishes what it has, for at most [`DRAIN_FINISH`].
    pub drain: Duration,
}

/// How long a stopping host waits for the requests it has to finish.
pub const DRAIN_FINISH: Duration = Duration::from_secs(30);

/// Connections beyond [`Limits::max_connections`] answered 503 rather than closed.
pub const OVERFLOW_CONNECTIONS: usize = 32;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            request_timeout: Duration::from_secs(60),
            header_timeout: Duration::from_secs(20),
            body_timeout: Duration::from_secs(20),
            body_min_rate: 500,
            // The largest legitimate body is a filing with five 5 MiB attachments in base64
            // (30 MiB, components/requests/src/http/attachments.rs), with room to spare.
            max_body_bytes: 40 << 20,
            max_connections: 256,
            max_instances: 512,
            // The largest filing (30 MiB of JSON) needs more than 128 MiB in the guest.
            instance_memory: 256 << 20,
            outbound_connect_timeout: Duration::from_secs(10),
            outbound_timeout: Duration::from_secs(30),
            // Longer than the active health check interval of the shipped Caddyfile (2 s).
            drain: Duration::from_secs(5),
        }
    }
}
