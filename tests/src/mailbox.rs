//! A local stand-in for an e-mail provider's HTTP API, a real HTTP server on 127.0.0.1, for
//! the tests and the demo (`guichet-mailbox`). It speaks the contract notifications sends with:
//!
//! - `POST /messages` with JSON `{"message_id","from","to","subject","text","html"?}` (all
//!   strings; `html` an e-mail's HTML part) →
//!   200 `{"id":<message_id>}`; 400 when the body is not such an object; 401 when a key is
//!   configured and `Authorization: Bearer <key>` does not carry it; 503 while
//!   [`Mailbox::set_unavailable`] is on (an outage, to exercise retries); the status set by
//!   [`Mailbox::answer_with`] when one is (a 2xx keeps the message, anything else refuses it:
//!   a provider answering 202 and calling back later, or refusing an address with 422).
//! - `POST /webhooks/<name>`: a commune's webhook (the demo points one here, so that the
//!   demo's mailbox shows every channel): kept as a message from `webhook`, to the path, whose
//!   subject is the event's `type` and whose text is the `webhook-id`, `webhook-timestamp` and
//!   `webhook-signature` headers and the signed body as received → 204. Checking signatures is
//!   the receiver's business (the tests do it with the `standardwebhooks` library).
//! - `GET /messages` → 200, every accepted message as a JSON array, oldest first.
//!
//! Every accepted POST is recorded, duplicates included, so that a test can tell that a message
//! was handed over exactly once. std only: one thread per connection, `Connection: close`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Largest request head and body accepted (a message's text is at most 20,000 characters).
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 1024 * 1024;
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// One message as the provider received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailMessage {
    pub message_id: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    /// An e-mail's HTML part, when it has one (always with `text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

/// Called with each accepted message (the demo binary prints them).
pub type OnMessage = Box<dyn Fn(&MailMessage) + Send + Sync>;

struct Shared {
    messages: Mutex<Vec<MailMessage>>,
    arrived: Condvar,
    unavailable: AtomicBool,
    /// The status every POST is answered with (0: the ordinary answers).
    forced: AtomicUsize,
    posts: AtomicUsize,
    key: Option<String>,
    on_message: Option<OnMessage>,
}

/// A running mailbox; stops when dropped.
pub struct Mailbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stopping: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

/// How a request was answered.
struct Answer {
    status: u16,
    reason: &'static str,
    body: String,
}

impl Answer {
    fn json(status: u16, reason: &'static str, body: serde_json::Value) -> Answer {
        Answer { status, reason, body: body.to_string() }
    }

    fn error(status: u16, reason: &'static str, message: &str) -> Answer {
        Answer::json(status, reason, serde_json::json!({"error": message}))
    }
}

impl Mailbox {
    /// A mailbox on a free port of 127.0.0.1 that takes any (or no) key.
    pub fn start() -> Mailbox {
        Mailbox::bind("127.0.0.1:0", None, None).expect("binding the mailbox")
    }

    /// A mailbox on a free port of 127.0.0.1 that only accepts `Authorization: Bearer <key>`.
    pub fn start_with_key(key: &str) -> Mailbox {
        Mailbox::bind("127.0.0.1:0", Some(key.to_owned()), None).expect("binding the mailbox")
    }

    /// A mailbox on `addr`, checking `key` if given, calling `on_message` for each message.
    pub fn bind(addr: &str, key: Option<String>, on_message: Option<OnMessage>) -> io::Result<Mailbox> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            messages: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            unavailable: AtomicBool::new(false),
            forced: AtomicUsize::new(0),
            posts: AtomicUsize::new(0),
            key,
            on_message,
        });
        let stopping = Arc::new(AtomicBool::new(false));
        let accept = accept_loop(listener, shared.clone(), stopping.clone(), serve);
        Ok(Mailbox { addr, shared, stopping, accept: Some(accept) })
    }

    /// `http://127.0.0.1:PORT`, the value of the `mail_api_origin` variable.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every message accepted so far, oldest first.
    pub fn messages(&self) -> Vec<MailMessage> {
        self.shared.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// How many `POST /messages` arrived, accepted or not (refused ones count: retries show).
    pub fn posts(&self) -> usize {
        self.shared.posts.load(Ordering::SeqCst)
    }

    /// While `true`, every `POST /messages` is answered 503 and nothing is recorded.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.shared.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// While `Some(status)`, every `POST /messages` is answered `status`: a 2xx keeps the
    /// message (202: a provider that will call back), anything else keeps nothing.
    pub fn answer_with(&self, status: Option<u16>) {
        self.shared.forced.store(status.map_or(0, usize::from), Ordering::SeqCst);
    }

    /// The first message to `to` that satisfies `predicate`, waiting up to `timeout` for it;
    /// panics (listing what did arrive) when none comes.
    pub fn wait_for(&self, to: &str, predicate: impl Fn(&MailMessage) -> bool, timeout: Duration) -> MailMessage {
        let deadline = Instant::now() + timeout;
        let mut messages = self.shared.messages.lock().expect("mailbox lock");
        loop {
            if let Some(found) = messages.iter().find(|m| m.to == to && predicate(m)) {
                return found.clone();
            }
            let now = Instant::now();
            if now >= deadline {
                let seen: Vec<_> = messages.iter().map(|m| (&m.to, &m.subject)).collect();
                panic!("no matching message to {to} within {timeout:?}; received (to, subject): {seen:?}");
            }
            messages = self.shared.arrived.wait_timeout(messages, deadline - now).expect("mailbox lock").0;
        }
    }

    /// Serves until the process ends (for the demo binary).
    pub fn serve_forever(mut self) {
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        stop(self.addr, &self.stopping, self.accept.take());
    }
}

/// Accepts connections on `listener` until `stopping`, each served by `serve` on its own
/// thread (a broken connection only concerns that client).
pub(crate) fn accept_loop<S: Send + Sync + 'static>(
    listener: TcpListener,
    shared: Arc<S>,
    stopping: Arc<AtomicBool>,
    serve: fn(TcpStream, &S) -> io::Result<()>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if stopping.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = stream else { continue };
            let shared = shared.clone();
            std::thread::spawn(move || {
                let _ = serve(stream, &shared);
            });
        }
    })
}

/// Stops the [`accept_loop`] listening on `addr`.
pub(crate) fn stop(addr: SocketAddr, stopping: &AtomicBool, accept: Option<JoinHandle<()>>) {
    stopping.store(true, Ordering::SeqCst);
    // Wake the accept loop so that it sees the flag.
    let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
    if let Some(accept) = accept {
        let _ = accept.join();
    }
}

/// Reads one request from `stream` and answers it.
fn serve(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let answer = match read_request(&mut reader) {
        Ok(request) => handle(&request, shared),
        Err(error) => Answer::error(400, "Bad Request", &format!("malformed request: {error}")),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
        answer.status,
        answer.reason,
        answer.body.len(),
        answer.body
    )?;
    stream.flush()
}

/// One HTTP request as read by [`read_request`].
pub(crate) struct HttpRequest {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    /// Every header, names lowercased, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

/// One line, without its CRLF, counting against `budget`.
fn read_line(reader: &mut impl BufRead, budget: &mut usize) -> io::Result<String> {
    let mut line = String::new();
    let read = reader.by_ref().take(*budget as u64 + 1).read_line(&mut line)?;
    if read == 0 {
        return Err(invalid("connection closed"));
    }
    if read > *budget {
        return Err(invalid("request head too large"));
    }
    *budget -= read;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Reads one request (head and body, plain or chunked) from `reader`.
pub(crate) fn read_request(reader: &mut impl BufRead) -> io::Result<HttpRequest> {
    let mut budget = MAX_HEAD;
    let request_line = read_line(reader, &mut budget)?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(invalid("bad request line"));
    };
    let path = target.split('?').next().unwrap_or(target).to_owned();
    let (mut length, mut chunked, mut authorization) = (None, false, None);
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader, &mut budget)?;
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(invalid("bad header line"));
        };
        let value = value.trim();
        headers.push((name.trim().to_ascii_lowercase(), value.to_owned()));
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = Some(value.parse::<usize>().map_err(|_| invalid("bad content-length"))?),
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            "authorization" => authorization = Some(value.to_owned()),
            _ => {}
        }
    }
    let body = if chunked {
        read_chunked(reader)?
    } else {
        let length = length.unwrap_or(0);
        if length > MAX_BODY {
            return Err(invalid("body too large"));
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    };
    Ok(HttpRequest { method: method.to_owned(), path, authorization, headers, body })
}

/// A `Transfer-Encoding: chunked` body (what a client sends when it does not announce the
/// length, as wasi-http does for a streamed body).
fn read_chunked(reader: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut budget = MAX_HEAD;
    loop {
        let line = read_line(reader, &mut budget)?;
        let size = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| invalid("bad chunk size"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            while !read_line(reader, &mut budget)?.is_empty() {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(invalid("body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        if !read_line(reader, &mut budget)?.is_empty() {
            return Err(invalid("chunk not followed by CRLF"));
        }
    }
}

fn handle(request: &HttpRequest, shared: &Shared) -> Answer {
    match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/messages") => {
            shared.posts.fetch_add(1, Ordering::SeqCst);
            if shared.unavailable.load(Ordering::SeqCst) {
                return Answer::error(503, "Service Unavailable", "the mailbox is down");
            }
            let forced = u16::try_from(shared.forced.load(Ordering::SeqCst)).unwrap_or(0);
            if forced != 0 && !(200..300).contains(&forced) {
                return Answer::error(forced, "Refused", "the provider refuses this message");
            }
            if let Some(key) = &shared.key {
                let expected = format!("Bearer {key}");
                if request.authorization.as_deref() != Some(expected.as_str()) {
                    return Answer::error(401, "Unauthorized", "missing or wrong API key");
                }
            }
            let message: MailMessage = match serde_json::from_slice(&request.body) {
                Ok(message) => message,
                Err(error) => return Answer::error(400, "Bad Request", &format!("not a message: {error}")),
            };
            let id = message.message_id.clone();
            if let Some(on_message) = &shared.on_message {
                on_message(&message);
            }
            if let Ok(mut messages) = shared.messages.lock() {
                messages.push(message);
            }
            shared.arrived.notify_all();
            match forced {
                0 => Answer::json(200, "OK", serde_json::json!({"id": id})),
                status => Answer::json(status, "Accepted", serde_json::json!({"id": id})),
            }
        }
        ("POST", path) if path.starts_with("/webhooks/") => {
            let Ok(event) = serde_json::from_slice::<serde_json::Value>(&request.body) else {
                return Answer::error(400, "Bad Request", "a webhook's body is JSON");
            };
            let header = |name: &str| {
                request.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
            };
            let message = MailMessage {
                message_id: header("webhook-id"),
                from: "webhook".to_owned(),
                to: path.to_owned(),
                subject: event.get("type").and_then(|t| t.as_str()).unwrap_or_default().to_owned(),
                text: format!(
                    "webhook-id: {}\nwebhook-timestamp: {}\nwebhook-signature: {}\n\n{}",
                    header("webhook-id"),
                    header("webhook-timestamp"),
                    header("webhook-signature"),
                    String::from_utf8_lossy(&request.body)
                ),
                html: None,
            };
            if let Some(on_message) = &shared.on_message {
                on_message(&message);
            }
            if let Ok(mut messages) = shared.messages.lock() {
                messages.push(message);
            }
            shared.arrived.notify_all();
            Answer { status: 204, reason: "No Content", body: String::new() }
        }
        ("GET", "/messages") => {
            let messages = shared.messages.lock().map(|m| m.clone()).unwrap_or_default();
            Answer::json(200, "OK", serde_json::to_value(messages).unwrap_or_default())
        }
        _ => Answer::error(404, "Not Found", "no such route"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(mailbox: &Mailbox, headers: &[(&str, &str)], body: &str) -> crate::Reply {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        crate::request("POST", &format!("{}/messages", mailbox.origin()), &all, Some(body.as_bytes()))
    }

    const MESSAGE: &str = r#"{"message_id":"m1","from":"a@b.fr","to":"c@d.fr","subject":"S","text":"T"}"#;

    #[test]
    fn a_posted_message_is_kept_listed_and_awaited() {
        let mailbox = Mailbox::start();
        assert_eq!(post(&mailbox, &[], MESSAGE).status, 200);
        let found = mailbox.wait_for("c@d.fr", |m| m.subject == "S", Duration::from_secs(1));
        assert_eq!(found.text, "T");
        let listed = crate::request("GET", &format!("{}/messages", mailbox.origin()), &[], None);
        assert_eq!(listed.json()[0]["message_id"], "m1");
    }

    #[test]
    fn an_outage_answers_503_and_keeps_nothing() {
        let mailbox = Mailbox::start();
        mailbox.set_unavailable(true);
        assert_eq!(post(&mailbox, &[], MESSAGE).status, 503);
        assert!(mailbox.messages().is_empty());
        assert_eq!(mailbox.posts(), 1);
    }

    #[test]
    fn a_configured_key_is_required_and_bad_bodies_are_refused() {
        let mailbox = Mailbox::start_with_key("k3y");
        assert_eq!(post(&mailbox, &[], MESSAGE).status, 401);
        assert_eq!(post(&mailbox, &[("authorization", "Bearer nope")], MESSAGE).status, 401);
        assert_eq!(post(&mailbox, &[("authorization", "Bearer k3y")], MESSAGE).status, 200);
        assert_eq!(post(&mailbox, &[("authorization", "Bearer k3y")], r#"{"to":"x"}"#).status, 400);
        assert_eq!(mailbox.messages().len(), 1);
    }

    #[test]
    fn a_chunked_body_is_read() {
        let mailbox = Mailbox::start();
        let mut stream = TcpStream::connect(mailbox.addr).expect("connect");
        let (a, b) = MESSAGE.split_at(10);
        write!(
            stream,
            "POST /messages HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x};ext=1\r\n{b}\r\n0\r\n\r\n",
            a.len(),
            b.len()
        )
        .expect("write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert_eq!(mailbox.messages().len(), 1);
    }

    #[test]
    fn a_webhook_is_kept_beside_the_messages_with_its_signature_headers() {
        let mailbox = Mailbox::start();
        let body = r#"{"type":"status-changed","timestamp":"2026-12-07T10:00:00Z","data":{"reference":"2026-000001"}}"#;
        let headers = [
            ("content-type", "application/json"),
            ("webhook-id", "msg_1"),
            ("webhook-timestamp", "1765100000"),
            ("webhook-signature", "v1,abc="),
        ];
        let reply = crate::request("POST", &format!("{}/webhooks/demo", mailbox.origin()), &headers, Some(body.as_bytes()));
        assert_eq!(reply.status, 204, "{}", reply.body);
        let kept = mailbox.messages();
        assert_eq!(kept.len(), 1);
        assert_eq!((kept[0].from.as_str(), kept[0].to.as_str(), kept[0].subject.as_str()), ("webhook", "/webhooks/demo", "status-changed"));
        assert!(kept[0].text.contains("webhook-signature: v1,abc=") && kept[0].text.contains("2026-000001"), "{}", kept[0].text);
        let bad = crate::request("POST", &format!("{}/webhooks/demo", mailbox.origin()), &headers, Some(b"not json"));
        assert_eq!(bad.status, 400);
        assert_eq!(mailbox.messages().len(), 1);
    }
}
