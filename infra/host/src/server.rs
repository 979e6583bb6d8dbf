//! The HTTP trigger: accepts connections, routes each request, and runs the component, within
//! the host's [`Limits`](crate::limits::Limits): a connection cap (a few more answered 503,
//! the rest closed), a time limit on request headers, and a size and time limit on request
//! bodies (413, 408).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use http::{header, HeaderValue, StatusCode};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::app::{service_unavailable, text_response, App};
use crate::limits::OVERFLOW_CONNECTIONS;
use crate::request_body::{LimitedBody, Refusal, Verdict};

type Response = http::Response<HyperOutgoingBody>;

/// Serves `app` on `listener` until the process ends.
pub async fn serve(app: Arc<App>, listener: TcpListener) -> Result<()> {
    let served = Arc::new(Semaphore::new(app.limits().max_connections));
    let overflow = Arc::new(Semaphore::new(OVERFLOW_CONNECTIONS));
    loop {
        let (stream, client) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: keep serving the others.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let header_timeout = app.limits().header_timeout;
        if let Ok(permit) = served.clone().try_acquire_owned() {
            let app = app.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let app = app.clone();
                    async move { Ok::<_, Infallible>(dispatch(&app, request, client).await) }
                });
                connection(stream, client, header_timeout, true, service).await;
                drop(permit);
            });
        } else if let Ok(permit) = overflow.clone().try_acquire_owned() {
            tracing::warn!("connection limit reached: {client} answered 503");
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|_| async { Ok::<_, Infallible>(busy()) });
                connection(stream, client, header_timeout, false, service).await;
                drop(permit);
            });
        } else {
            tracing::warn!("connection limit reached: {client} closed");
            drop(stream);
        }
    }
}

/// Serves one connection; a client that takes longer than `header_timeout` to send a
/// request's headers (or leaves a kept-alive connection idle that long) is disconnected.
async fn connection<S>(stream: TcpStream, client: SocketAddr, header_timeout: Duration, keep_alive: bool, service: S)
where
    S: hyper::service::Service<hyper::Request<hyper::body::Incoming>, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    if let Err(e) = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(keep_alive)
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::debug!("connection from {client}: {e}");
    }
}

async fn dispatch(app: &Arc<App>, request: hyper::Request<hyper::body::Incoming>, client: SocketAddr) -> Response {
    let Some((component, matched)) = app.route(request.uri().path()) else {
        return text_response(StatusCode::NOT_FOUND, "Not Found\n");
    };
    let limits = app.limits();
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limits.max_body_bytes) {
        return refused(Refusal::TooLarge);
    }
    let verdict = Verdict::default();
    let request = request.map(|body| LimitedBody::new(body, limits, verdict.clone()));
    let response = app.handle(&component, request, &matched, client).await;
    // Whatever the guest made of the failed read (an error page, a trap), the client is told
    // what went wrong with its body.
    match verdict.get() {
        Some(refusal) => refused(refusal),
        None => response,
    }
}

/// 413 or 408, closing the connection (the rest of the body is not read).
fn refused(refusal: Refusal) -> Response {
    let mut response = match refusal {
        Refusal::TooLarge => text_response(StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large\n"),
        Refusal::TooSlow => text_response(StatusCode::REQUEST_TIMEOUT, "Request Timeout\n"),
    };
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// What a connection beyond the limit is answered.
fn busy() -> Response {
    let mut response = service_unavailable();
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Binds the listen address, naming it in the error.
pub async fn bind(listen: &str) -> Result<TcpListener> {
    TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))
}
