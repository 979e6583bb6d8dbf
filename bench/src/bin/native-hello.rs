//! The baseline: a native hyper server with the probe component's `hello` handler
//! (`hello <path>`, text/plain), on the same runtime settings as the host.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let listen = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".into());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("Serving http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                let body = format!("hello {}", req.uri().path());
                let response = http::Response::builder()
                    .header("content-type", "text/plain")
                    .body(Full::new(Bytes::from(body)))
                    .expect("static response");
                Ok::<_, Infallible>(response)
            });
            let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
