//! The HTTP trigger: accepts connections, routes each request, and runs the component, within
//! the host's [`Limits`](crate::limits::Limits): a connection cap (a few more answered 503,
//! the rest closed), a time limit on request headers, and a size and time limit on request
//! bodies (413, 408). Told to stop, it drains (see [`serve`]) so that a proxy in front with a
//! second instance loses no request (docs/DEPLOY.md, "Upgrades").

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use http::{header, HeaderValue, StatusCode};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::app::{service_unavailable, text_response, App};
use crate::limits::{DRAIN_FINISH, OVERFLOW_CONNECTIONS};
use crate::request_body::{LimitedBody, Refusal, Verdict};

type Response = http::Response<HyperOutgoingBody>;

/// Serves `app` on `listener` until `stop` completes, then drains: for `Limits::drain` it
/// keeps serving, but `/health` answers 503 and every answer closes its connection (a proxy's
/// health check moves traffic elsewhere, and no kept-alive connection is left to race with
/// the close); then it stops accepting, asks every connection to close after its current
/// request, and waits up to [`DRAIN_FINISH`] for them.
pub async fn serve(app: Arc<App>, listener: TcpListener, stop: impl Future<Output = ()>) -> Result<()> {
    let max = app.limits().max_connections;
    let served = Arc::new(Semaphore::new(max));
    let overflow = Arc::new(Semaphore::new(OVERFLOW_CONNECTIONS));
    let draining = Arc::new(AtomicBool::new(false));
    let (closing, closed) = watch::channel(false);
    tokio::pin!(stop);
    let mut drain_ends: Option<std::pin::Pin<Box<tokio::time::Sleep>>> = None;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop, if drain_ends.is_none() => {
                tracing::info!("stop asked: draining for {} s (/health answers 503)", app.limits().drain.as_secs());
                draining.store(true, Ordering::SeqCst);
                drain_ends = Some(Box::pin(tokio::time::sleep(app.limits().drain)));
                continue;
            }
            () = async { if let Some(ends) = drain_ends.as_mut() { ends.await } else { std::future::pending().await } } => break,
        };
        let (stream, client) = match accepted {
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
        let closed = closed.clone();
        if let Ok(permit) = served.clone().try_acquire_owned() {
            let app = app.clone();
            let draining = draining.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let app = app.clone();
                    let draining = draining.clone();
                    async move {
                        let going = draining.load(Ordering::SeqCst);
                        let mut response = if going && request.uri().path() == "/health" {
                            text_response(StatusCode::SERVICE_UNAVAILABLE, "draining\n")
                        } else {
                            dispatch(&app, request, client).await
                        };
                        if going {
                            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                        }
                        Ok::<_, Infallible>(response)
                    }
                });
                connection(stream, client, header_timeout, true, closed, service).await;
                drop(permit);
            });
        } else if let Ok(permit) = overflow.clone().try_acquire_owned() {
            tracing::warn!("connection limit reached: {client} answered 503");
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|_| async { Ok::<_, Infallible>(busy()) });
                connection(stream, client, header_timeout, false, closed, service).await;
                drop(permit);
            });
        } else {
            tracing::warn!("connection limit reached: {client} closed");
            drop(stream);
        }
    }
    drop(listener);
    tracing::info!("draining: no longer accepting; finishing the requests in progress");
    let _ = closing.send(true);
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    match tokio::time::timeout(DRAIN_FINISH, served.acquire_many(all)).await {
        Ok(_) => tracing::info!("drained: every connection closed"),
        Err(_) => tracing::warn!("drained: connections still open after {} s are cut", DRAIN_FINISH.as_secs()),
    }
    Ok(())
}

/// Serves one connection; a client that takes longer than `header_timeout` to send a
/// request's headers (or leaves a kept-alive connection idle that long) is disconnected.
/// When `closed` turns true (the host stops), it closes after its current request.
async fn connection<S>(
    stream: TcpStream,
    client: SocketAddr,
    header_timeout: Duration,
    keep_alive: bool,
    mut closed: watch::Receiver<bool>,
    service: S,
) where
    S: hyper::service::Service<hyper::Request<hyper::body::Incoming>, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    let served = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(keep_alive)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(served);
    let result = tokio::select! {
        result = served.as_mut() => result,
        // The watch guard is dropped inside: it must not live across the awaits below.
        () = async { drop(closed.wait_for(|closed| *closed).await) } => {
            served.as_mut().graceful_shutdown();
            served.as_mut().await
        }
    };
    if let Err(e) = result {
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
