//! The HTTP trigger: accepts connections, routes each request, and runs the component.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::app::{text_response, App};

/// Serves `app` on `listener` until the process ends.
pub async fn serve(app: Arc<App>, listener: TcpListener) -> Result<()> {
    loop {
        let (stream, client) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: keep serving the others.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let app = app.clone();
                async move { Ok::<_, std::convert::Infallible>(dispatch(&app, request, client).await) }
            });
            if let Err(e) = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!("connection from {client}: {e}");
            }
        });
    }
}

async fn dispatch(
    app: &Arc<App>,
    request: hyper::Request<hyper::body::Incoming>,
    client: SocketAddr,
) -> http::Response<wasmtime_wasi_http::p2::body::HyperOutgoingBody> {
    let Some((component, matched)) = app.route(request.uri().path()) else {
        return text_response(http::StatusCode::NOT_FOUND, "Not Found\n");
    };
    app.handle(&component, request, &matched, client).await
}

/// Binds the listen address, naming it in the error.
pub async fn bind(listen: &str) -> Result<TcpListener> {
    TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))
}
