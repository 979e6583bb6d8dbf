//! Outbound HTTP on the network: resolves the host, refuses addresses in the runtime config's
//! `[outbound_networking] block_networks` (checked on the very address connected to, so a
//! name that resolves to a public address first and a private one later gains nothing), then
//! connects (TLS for `https`) within the host's outbound timeouts.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::{Context as _, Result};
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use ipnet::IpNet;
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant, Sleep};
use wasmtime_wasi_http::{Error as HttpError, WasiBody};

/// What `"private"` stands for in `block_networks`: every range that is not globally
/// routable (IANA special-purpose registries), loopback included.
const PRIVATE: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "64:ff9b:1::/48",
    "100::/64",
    "2001::/23",
    "2001:db8::/32",
    "2002::/16",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
];

/// Networks outbound HTTP may not connect to.
#[derive(Debug, Clone, Default)]
pub struct BlockedNetworks {
    networks: Vec<IpNet>,
}

impl BlockedNetworks {
    /// From `block_networks` entries: CIDRs (host bits ignored, as Spin does) or `"private"`.
    pub fn parse(entries: &[String]) -> Result<BlockedNetworks> {
        let mut networks = Vec::new();
        for entry in entries {
            if entry == "private" {
                networks.extend(PRIVATE.iter().map(|n| n.parse::<IpNet>().expect("valid built-in network")));
                continue;
            }
            let network = entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .ok()
                .with_context(|| format!("block_networks: `{entry}` is neither a network in CIDR notation nor \"private\""))?;
            networks.push(network.trunc());
        }
        Ok(BlockedNetworks { networks })
    }

    pub fn is_blocked(&self, ip: IpAddr) -> bool {
        // An IPv4 address written as IPv6 (::ffff:a.b.c.d, ::a.b.c.d) is the IPv4 address.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.networks.iter().any(|n| n.contains(&ip))
    }
}

/// How long each step of an outbound request may take.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub first_byte: Duration,
    pub between_bytes: Duration,
}

type Io = Box<dyn Future<Output = Result<(), HttpError>> + Send>;

/// Sends `request` to its host, unless every address of the host is blocked.
pub async fn send(
    mut request: http::Request<WasiBody>,
    timeouts: Timeouts,
    blocked: &BlockedNetworks,
) -> Result<(http::Response<WasiBody>, Io), HttpError> {
    let uri = request.uri().clone();
    let use_tls = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
    let host = uri.host().ok_or(HttpError::HttpRequestUriInvalid)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = uri.port_u16().unwrap_or(if use_tls { 443 } else { 80 });
    let tcp = timeout(timeouts.connect, connect(host, port, blocked))
        .await
        .map_err(|_| HttpError::ConnectionTimeout)??;
    let stream: Box<dyn Stream> = if use_tls {
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|_| HttpError::HttpRequestUriInvalid)?;
        let tls = timeout(timeouts.connect, tls_connector().connect(name, tcp))
            .await
            .map_err(|_| HttpError::ConnectionTimeout)?
            .map_err(HttpError::Tls)?;
        Box::new(tls)
    } else {
        Box::new(tcp)
    };
    let (mut sender, conn) = timeout(timeouts.connect, hyper::client::conn::http1::handshake(TokioIo::new(stream)))
        .await
        .map_err(|_| HttpError::ConnectionTimeout)??;
    // The request line carries the path only (the host is in the Host header).
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    *request.uri_mut() = http::Uri::try_from(path).map_err(|_| HttpError::HttpRequestUriInvalid)?;
    // The connection is driven while waiting for the answer; it may also end first (a server
    // that answers and closes), the answer then being ready.
    let answer = timeout(timeouts.first_byte, sender.send_request(request));
    tokio::pin!(answer);
    let mut driving = Box::pin(conn);
    let mut ended = false;
    let answer = tokio::select! {
        biased;
        answer = &mut answer => answer,
        result = &mut driving => {
            result?;
            ended = true;
            answer.await
        }
    };
    let response = answer.map_err(|_| HttpError::ConnectionReadTimeout)??;
    let response = response.map(|body| IdleTimeoutBody::new(body, timeouts.between_bytes).boxed_unsync());
    let io: Io = Box::new(async move {
        if ended {
            Ok(())
        } else {
            driving.await.map_err(HttpError::from)
        }
    });
    Ok((response, io))
}

/// A TCP connection to the first reachable address of `host` that is not blocked.
async fn connect(host: &str, port: u16, blocked: &BlockedNetworks) -> Result<TcpStream, HttpError> {
    let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| HttpError::DnsError { rcode: Some("address not available".into()), info_code: None })?
        .collect();
    let permitted: Vec<SocketAddr> = resolved.iter().copied().filter(|a| !blocked.is_blocked(a.ip())).collect();
    if permitted.is_empty() {
        if resolved.is_empty() {
            return Err(HttpError::DestinationNotFound);
        }
        tracing::warn!(destination = host, "outbound request refused: every address is in block_networks");
        return Err(HttpError::DestinationIpProhibited);
    }
    let mut last = HttpError::ConnectionRefused;
    for address in permitted {
        match TcpStream::connect(address).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => last = HttpError::ConnectionRefused,
            Err(e) => last = HttpError::Connect(e),
        }
    }
    Err(last)
}

trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static> Stream for T {}

/// TLS with the Mozilla roots (webpki-roots), built once.
fn tls_connector() -> tokio_rustls::TlsConnector {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.into() };
        Arc::new(rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth())
    });
    tokio_rustls::TlsConnector::from(config.clone())
}

/// An answer's body that fails when the server pauses longer than `idle` between chunks.
struct IdleTimeoutBody {
    inner: hyper::body::Incoming,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl IdleTimeoutBody {
    fn new(inner: hyper::body::Incoming, idle: Duration) -> IdleTimeoutBody {
        IdleTimeoutBody { inner, idle, deadline: Box::pin(tokio::time::sleep(idle)) }
    }
}

impl Body for IdleTimeoutBody {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                let next = Instant::now() + self.idle;
                self.deadline.as_mut().reset(next);
                Poll::Ready(frame.map(|f| f.map_err(HttpError::from)))
            }
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(HttpError::ConnectionReadTimeout))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(entries: &[&str]) -> BlockedNetworks {
        BlockedNetworks::parse(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>()).expect("valid entries")
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn private_covers_every_address_that_is_not_globally_routable() {
        let b = blocked(&["private"]);
        for private in ["0.0.0.0", "10.1.2.3", "100.64.0.1", "127.0.0.1", "169.254.169.254", "172.31.0.1", "192.168.1.1", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1"] {
            assert!(b.is_blocked(ip(private)), "{private}");
        }
        for public in ["1.1.1.1", "93.184.216.34", "2606:4700::1111"] {
            assert!(!b.is_blocked(ip(public)), "{public}");
        }
    }

    #[test]
    fn listed_networks_are_blocked_with_their_host_bits_ignored() {
        let b = blocked(&["8.8.8.8/16", "2001:db8::/32", "1.1.1.1"]);
        assert!(b.is_blocked(ip("8.8.0.1")));
        assert!(b.is_blocked(ip("::ffff:8.8.4.4")));
        assert!(b.is_blocked(ip("1.1.1.1")));
        assert!(!b.is_blocked(ip("1.1.1.2")));
        assert!(!b.is_blocked(ip("127.0.0.1")));
        assert!(BlockedNetworks::default().networks.is_empty());
    }

    #[test]
    fn malformed_entries_are_refused_naming_them() {
        let err = BlockedNetworks::parse(&["10.0.0.0/33".to_string()]).expect_err("an invalid network");
        assert!(format!("{err:#}").contains("10.0.0.0/33"));
        assert!(BlockedNetworks::parse(&["internal".to_string()]).is_err());
    }
}
