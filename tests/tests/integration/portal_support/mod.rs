//! What the portal's form tests share: Guichet with the portal's secrets, and a small
//! browser (its cookies, the hidden fields of the last page, multipart bodies) driving the
//! pages over real HTTP.

use std::collections::BTreeMap;

use guichet_tests::guichet::{Guichet, PASSWORD};
use guichet_tests::Reply;

/// The portal's secrets in tests.
pub const FILING_SECRET: &str = "portal-filing-test-secret-0123456789";
pub const SESSION_SECRET: &str = "portal-session-test-secret-0123456789";

/// A tiny PDF (what requests accepts as an attachment).
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// Guichet whose portal may file and see sessions.
pub fn start() -> Guichet {
    Guichet::start_with(&[
        ("SPIN_VARIABLE_PORTAL_FILING_SECRET", FILING_SECRET),
        ("SPIN_VARIABLE_PORTAL_SESSION_SECRET", SESSION_SECRET),
    ])
}

/// One part of a multipart form.
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a str, &'a [u8]),
}

/// A browser: cookies kept between pages.
#[derive(Default)]
pub struct Browser {
    cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep(&mut self, reply: &Reply) {
        for (name, value) in &reply.headers {
            if name.eq_ignore_ascii_case("set-cookie") {
                let pair = value.split(';').next().unwrap_or_default();
                if let Some((k, v)) = pair.split_once('=') {
                    if v.is_empty() {
                        self.cookies.remove(k);
                    } else {
                        self.cookies.insert(k.to_owned(), v.to_owned());
                    }
                }
            }
        }
    }

    pub fn get(&mut self, g: &Guichet, path: &str) -> Reply {
        let cookie = self.cookie_header();
        let reply = send(g, "GET", path, &[("cookie", &cookie)], None);
        self.keep(&reply);
        reply
    }

    /// Posts a url-encoded form from this site.
    pub fn post_form(&mut self, g: &Guichet, path: &str, pairs: &[(&str, &str)]) -> Reply {
        let body = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        let cookie = self.cookie_header();
        let origin = g.host.url("");
        let origin = origin.trim_end_matches('/');
        let headers = [
            ("cookie", cookie.as_str()),
            ("origin", origin),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        let reply = send(g, "POST", path, &headers, Some(body.as_bytes()));
        self.keep(&reply);
        reply
    }

    /// Posts a multipart form from `origin` (this site's when `None`).
    pub fn post_multipart(&mut self, g: &Guichet, path: &str, parts: &[Part<'_>], origin: Option<&str>) -> Reply {
        let boundary = "----guichet-test-boundary-7f3a";
        let mut body = Vec::new();
        for part in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match part {
                Part::Text(name, value) => {
                    body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes());
                    body.extend_from_slice(value.as_bytes());
                }
                Part::File(name, file_name, content_type, data) => {
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n")
                            .as_bytes(),
                    );
                    body.extend_from_slice(data);
                }
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let cookie = self.cookie_header();
        let own = g.host.url("");
        let origin = origin.unwrap_or(own.trim_end_matches('/'));
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let headers = [("cookie", cookie.as_str()), ("origin", origin), ("content-type", content_type.as_str())];
        let reply = send(g, "POST", path, &headers, Some(&body));
        self.keep(&reply);
        reply
    }

    /// Signs `email` in on identity's account pages (a browser session).
    pub fn sign_in(&mut self, g: &Guichet, email: &str) {
        let page = self.get(g, "/account/login");
        let csrf = hidden(&page.body, "csrf");
        let reply = self.post_form(g, "/account/login", &[("email", email), ("password", PASSWORD), ("csrf", &csrf)]);
        assert_eq!(reply.status, 303, "sign in: {}", reply.body);
    }
}

/// One request as a browser sends it: redirects are answers (a `303` and its cookies are
/// seen, not followed).
fn send(g: &Guichet, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(std::time::Duration::from_secs(60)))
        .build()
        .into();
    let mut builder = ureq::http::Request::builder().method(method).uri(g.host.url(path));
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let response = match body {
        Some(body) => agent.run(builder.body(body.to_vec()).expect("request")),
        None => agent.run(builder.body(()).expect("request")),
    }
    .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = response.into_body().read_to_string().unwrap_or_default();
    Reply { status, headers, body }
}

/// The value of the hidden field `name` in a page.
pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no hidden {name} in {page}")) + marker.len();
    page[start..].split('"').next().unwrap_or_default().to_owned()
}

/// The text of the element with `id` (up to its closing tag).
pub fn text_of(page: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no #{id} in {page}"));
    let rest = &page[start..];
    let open = rest.find('>').map_or(0, |i| i + 1);
    rest[open..].split('<').next().unwrap_or_default().trim().to_owned()
}

/// `text` percent-encoded for a form body (every byte but letters and digits).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
/// Renders `svg` to pixels and decodes the QR code in it.
pub fn decode_qr(svg: &str) -> String {
    let tree =
        resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).expect("valid SVG");
    let scale = 3.0;
    let size = tree.size();
    let (w, h) = (
        (size.width() * scale).ceil() as u32,
        (size.height() * scale).ceil() as u32,
    );
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).expect("pixmap");
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    let pixels = pixmap.data().to_vec();
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
        let i = (y * w as usize + x) * 4;
        ((u32::from(pixels[i]) + u32::from(pixels[i + 1]) + u32::from(pixels[i + 2])) / 3) as u8
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the receipt");
    grids[0].decode().expect("a readable QR code").1
}
