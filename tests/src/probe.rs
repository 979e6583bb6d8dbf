//! Helpers for the host tests that drive the probe fixture: URL-encoding a probe parameter,
//! loopback servers for its outbound calls, and raw HTTP for clients that misbehave.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// Percent-encodes `s` for a query parameter.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A one-shot real HTTP server on loopback, answering `reply` to the first request; the
/// thread says whether it answered.
pub fn one_shot_server(reply: &'static str) -> (u16, std::thread::JoinHandle<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else { return false };
        let mut buf = [0u8; 4096];
        let _ = stream.read(&mut buf);
        let response = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}", reply.len());
        stream.write_all(response.as_bytes()).is_ok()
    });
    (port, handle)
}

/// A raw connection to the host at `base` (`http://127.0.0.1:PORT`).
pub fn connect(base: &str) -> TcpStream {
    let address = base.trim_start_matches("http://");
    let stream = TcpStream::connect(address).expect("connect to the host");
    stream.set_nodelay(true).expect("nodelay");
    stream
}

/// What the host sent back on a raw connection within `limit`: the status (`None` when the
/// connection closed without an answer) and how long it took.
pub fn read_status(stream: &mut TcpStream, limit: Duration) -> (Option<u16>, Duration) {
    let started = Instant::now();
    stream.set_read_timeout(Some(Duration::from_millis(100))).expect("read timeout");
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while started.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                head.extend_from_slice(&buf[..n]);
                if head.windows(2).any(|w| w == b"\r\n") {
                    break;
                }
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    let status = String::from_utf8_lossy(&head)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok());
    (status, started.elapsed())
}
