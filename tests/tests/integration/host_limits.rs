//! One client cannot exhaust the host: slow headers and bodies are cut off (408), oversized
//! uploads are refused (413) without the host's memory following them, connections and
//! instances beyond their limits are answered 503, and an outbound call to a server that never
//! answers times out; meanwhile other clients are served.

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use guichet_tests::probe::{connect, enc, read_status};
use guichet_tests::{Host, HostConfig};

fn probe_host(dir: &tempfile::TempDir, env: &[(&str, &str)]) -> Host {
    let config = env.iter().fold(HostConfig::probe_in(dir.path()), |c, (k, v)| c.env(k, v));
    Host::start(config, dir)
}

fn served(host: &Host) -> bool {
    host.get("/probe/hello").status == 200
}

#[test]
fn clients_sending_headers_byte_by_byte_or_nothing_are_cut_off_while_others_are_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = probe_host(&dir, &[("GUICHET_HEADER_TIMEOUT", "2")]);
    let mut idle = connect(&host.base);
    let mut slow = connect(&host.base);
    let base = host.base.clone();
    let dripping = std::thread::spawn(move || {
        // Never finishes its headers: one byte every 200 ms.
        let mut dripper = connect(&base);
        let started = Instant::now();
        for byte in b"GET /probe/hello HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if dripper.write_all(&[*byte]).is_err() {
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Duration::MAX
    });
    slow.write_all(b"GET /probe/hello HTTP/1.1\r\nHost:").expect("partial headers");
    assert!(served(&host), "a normal client is served meanwhile");
    let (status, waited) = read_status(&mut slow, Duration::from_secs(10));
    assert_eq!(status, None, "the connection is closed, not answered");
    assert!(waited < Duration::from_secs(5), "closed after {waited:?}");
    // A connection that sends nothing at all does not hold its place either.
    let (status, waited) = read_status(&mut idle, Duration::from_secs(10));
    assert_eq!(status, None);
    assert!(waited < Duration::from_secs(3), "idle connection closed after {waited:?}");
    let cut = dripping.join().expect("dripping client");
    assert!(cut < Duration::from_secs(8), "the dripping client was cut off after {cut:?}");
    assert!(served(&host));
}

#[test]
fn a_body_sent_byte_by_byte_is_answered_408_while_others_are_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = probe_host(&dir, &[("GUICHET_BODY_TIMEOUT", "2")]);
    let mut slow = connect(&host.base);
    slow.write_all(b"POST /probe/sql3/default HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        .expect("headers");
    let mut writer = slow.try_clone().expect("clone");
    std::thread::spawn(move || {
        for _ in 0..1000 {
            if writer.write_all(b"x").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    assert!(served(&host), "a normal client is served meanwhile");
    let (status, waited) = read_status(&mut slow, Duration::from_secs(15));
    assert_eq!(status, Some(408));
    assert!(waited < Duration::from_secs(6), "answered after {waited:?}");
    assert!(served(&host));
}

/// The host's resident memory in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS")
}

/// Streams a 400 MB chunked upload (the same 64 KiB over and over) until the host stops it;
/// gives the status it answered and how long that took.
fn chunked_upload_flood(base: &str) -> (Option<u16>, Duration) {
    let mut stream = connect(base);
    stream
        .write_all(b"POST /probe/sql3/default HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .expect("headers");
    let mut writer = stream.try_clone().expect("clone");
    std::thread::spawn(move || {
        let chunk = vec![b'a'; 64 * 1024];
        let frame = [format!("{:x}\r\n", chunk.len()).into_bytes(), chunk, b"\r\n".to_vec()].concat();
        for _ in 0..(400_000_000 / (64 * 1024)) {
            if writer.write_all(&frame).is_err() {
                return;
            }
        }
    });
    read_status(&mut stream, Duration::from_secs(30))
}

#[test]
fn concurrent_400_mb_uploads_get_413_quickly_and_leave_the_host_serving_in_bounded_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = probe_host(&dir, &[]);
    let before = rss_kib(host.pid());

    // Announced: refused from the headers, before any of the body is read.
    let mut announced = connect(&host.base);
    announced
        .write_all(b"POST /probe/sql3/default HTTP/1.1\r\nHost: x\r\nContent-Length: 400000000\r\n\r\n")
        .expect("headers");
    let (status, waited) = read_status(&mut announced, Duration::from_secs(10));
    assert_eq!(status, Some(413));
    assert!(waited < Duration::from_secs(2), "answered after {waited:?}");

    // Streamed without a length: refused when the body crosses the cap (40 MiB by default).
    let floods: Vec<_> = (0..4)
        .map(|_| {
            let base = host.base.clone();
            std::thread::spawn(move || chunked_upload_flood(&base))
        })
        .collect();
    let mut peak = before;
    let mut health = 0;
    while !floods.iter().all(|f| f.is_finished()) {
        assert!(served(&host), "a normal client is served during the flood");
        health += 1;
        peak = peak.max(rss_kib(host.pid()));
    }
    for flood in floods {
        let (status, waited) = flood.join().expect("upload thread");
        assert_eq!(status, Some(413));
        assert!(waited < Duration::from_secs(20), "answered after {waited:?}");
    }
    assert!(health > 0);
    // Four bodies of at most 40 MiB each in guest memory, far from 4 x 400 MB.
    assert!(peak - before < 700 * 1024, "host RSS grew from {before} KiB to {peak} KiB");
    assert!(served(&host));
}

#[test]
fn connections_beyond_the_limit_are_answered_503_until_one_closes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = probe_host(&dir, &[("GUICHET_MAX_CONNECTIONS", "3")]);
    let idle: Vec<_> = (0..3).map(|_| connect(&host.base)).collect();
    std::thread::sleep(Duration::from_millis(200));
    let refused = host.get("/probe/hello");
    assert_eq!(refused.status, 503);
    assert_eq!(refused.header("retry-after"), Some("1"));
    drop(idle);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !served(&host) {
        assert!(Instant::now() < deadline, "still refused after the idle connections closed");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_outbound_call_to_a_server_that_never_answers_times_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = probe_host(&dir, &[("GUICHET_OUTBOUND_TIMEOUT", "2")]);
    // Accepts connections (the kernel does) and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://127.0.0.1:{}/never", silent.local_addr().expect("addr").port());
    let started = Instant::now();
    let reply = host.get(&format!("/probe/outbound?url={}", enc(&url)));
    assert_eq!(reply.status, 502, "{}", reply.body);
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert!(served(&host));
}

#[test]
fn a_request_finding_no_free_instance_is_answered_503_and_the_next_one_is_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = probe_host(&dir, &[("GUICHET_MAX_INSTANCES", "1"), ("GUICHET_REQUEST_TIMEOUT", "2")]);
    let base = host.base.clone();
    // Holds the only instance until the request timeout interrupts it.
    let runaway = std::thread::spawn(move || guichet_tests::request("GET", &format!("{base}/probe/spin"), &[], None));
    std::thread::sleep(Duration::from_millis(500));
    let refused = host.get("/probe/hello");
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(runaway.join().expect("runaway request").status, 500);
    assert!(served(&host));
}
