//! A commune's own system, as a test sees it: a real HTTP server on 127.0.0.1 that keeps
//! every request it gets (headers and raw body, as the signature covers the exact bytes) and
//! answers each with the status the test chose (200 unless told). std only, one thread per
//! connection, `Connection: close`; it reads requests as the [`crate::mailbox`] does.

use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::mailbox::{accept_loop, read_request, stop};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    /// The value of header `name` (lowercase), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`null` when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

struct Shared {
    received: Mutex<Vec<Received>>,
    arrived: Condvar,
    status: AtomicU16,
}

/// A running receiver; stops when dropped.
pub struct Receiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stopping: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Receiver {
    /// A receiver on a free port of 127.0.0.1, answering 200.
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the receiver");
        let addr = listener.local_addr().expect("receiver address");
        let shared = Arc::new(Shared { received: Mutex::new(Vec::new()), arrived: Condvar::new(), status: AtomicU16::new(200) });
        let stopping = Arc::new(AtomicBool::new(false));
        let accept = accept_loop(listener, shared.clone(), stopping.clone(), serve);
        Receiver { addr, shared, stopping, accept: Some(accept) }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Answers every later request with `status`.
    pub fn answer_with(&self, status: u16) {
        self.shared.status.store(status, Ordering::SeqCst);
    }

    /// Every request so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Waits up to `timeout` until `count` requests arrived, and returns them all.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        let mut received = self.shared.received.lock().expect("receiver lock");
        while received.len() < count {
            let now = Instant::now();
            assert!(now < deadline, "{} request(s) within {timeout:?}, {count} expected", received.len());
            received = self.shared.arrived.wait_timeout(received, deadline - now).expect("receiver lock").0;
        }
        received.clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        stop(self.addr, &self.stopping, self.accept.take());
    }
}

fn serve(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let request = read_request(&mut reader)?;
    let status = shared.status.load(Ordering::SeqCst);
    if let Ok(mut received) = shared.received.lock() {
        received.push(Received { method: request.method, path: request.path, headers: request.headers, body: request.body });
    }
    shared.arrived.notify_all();
    let mut stream = stream;
    write!(stream, "HTTP/1.1 {status} Answer\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")?;
    stream.flush()
}
