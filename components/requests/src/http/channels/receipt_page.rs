//! The printable receipt of a request: an HTML page (everything from the database escaped)
//! with the reference as a QR code that encodes the public tracking URL. Pure: tested natively.

use guichet_guest::markup::escape;

/// What the receipt shows.
#[derive(Debug, Clone)]
pub struct Receipt<'a> {
    pub lang: &'a str,
    pub commune_name: &'a str,
    pub reference: &'a str,
    pub service_name: &'a str,
    /// `YYYY-MM-DD`.
    pub filed_on: &'a str,
    pub expected_on: Option<&'a str>,
    pub channel: &'a str,
    /// `https://<host>/track?reference=<ref>`: never the tracking code (no secrets in URLs,
    /// and a receipt lying on a counter must not open the request to whoever photographs it).
    pub tracking_url: &'a str,
}

pub use guichet_guest::qr::{svg as qr_svg, tracking_url};

struct Labels {
    title: &'static str,
    reference: &'static str,
    service: &'static str,
    filed: &'static str,
    expected: &'static str,
    channel: &'static str,
    track: &'static str,
    keep: &'static str,
}

const FR: Labels = Labels {
    title: "Récépissé de demande",
    reference: "Référence",
    service: "Démarche",
    filed: "Déposée le",
    expected: "Réponse attendue le",
    channel: "Canal",
    track: "Suivre la demande",
    keep: "Conservez ce récépissé : la référence et votre code de suivi permettent de suivre la demande en ligne.",
};

const EN: Labels = Labels {
    title: "Request receipt",
    reference: "Reference",
    service: "Service",
    filed: "Filed on",
    expected: "Expected answer by",
    channel: "Channel",
    track: "Track the request",
    keep:
        "Keep this receipt: the reference and your tracking code let you follow the request online.",
};

/// The page's style: readable on screen, one clean A4 page in print. No print button: it would
/// need script, which the page's CSP forbids; the browser's own print command does it.
const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#111}\
h1{font-size:1.4rem;margin:0}.commune{font-size:1.1rem;color:#333}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}dt{font-weight:600}\
.ref{font-size:1.6rem;font-weight:700;letter-spacing:.05em}\
.qr{width:12rem;height:12rem}.qr svg{width:100%;height:100%}\
.url{word-break:break-all;font-family:monospace}\
@media print{@page{size:A4;margin:18mm}body{margin:0;max-width:none}.noprint{display:none}a{color:#000;text-decoration:none}}";

/// The whole page.
pub fn render(receipt: &Receipt<'_>, qr: &str) -> String {
    let l = if receipt.lang == "en" { &EN } else { &FR };
    let lang = if receipt.lang == "en" { "en" } else { "fr" };
    let expected = match receipt.expected_on {
        Some(date) => format!("<dt>{}</dt><dd>{}</dd>", l.expected, escape(date)),
        None => String::new(),
    };
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} {reference}</title><style>{STYLE}</style></head><body>\
<header><p class=\"commune\">{commune}</p><h1>{title}</h1></header>\
<main><p class=\"ref\">{reference}</p>\
<dl><dt>{l_reference}</dt><dd>{reference}</dd><dt>{l_service}</dt><dd>{service}</dd>\
<dt>{l_filed}</dt><dd>{filed}</dd>{expected}<dt>{l_channel}</dt><dd>{channel}</dd></dl>\
<figure><div class=\"qr\" role=\"img\" aria-label=\"{l_track}{colon} {url}\">{qr}</div>\
<figcaption>{l_track}{colon} <span class=\"url\">{url}</span></figcaption></figure>\
<p>{keep}</p></main></body></html>",
        title = l.title,
        commune = escape(receipt.commune_name),
        reference = escape(receipt.reference),
        l_reference = l.reference,
        l_service = l.service,
        service = escape(receipt.service_name),
        l_filed = l.filed,
        filed = escape(receipt.filed_on),
        l_channel = l.channel,
        channel = escape(channel_label(receipt.channel, lang)),
        l_track = l.track,
        // French sets a (non-breaking) space before a colon.
        colon = if lang == "en" { ":" } else { "\u{a0}:" },
        url = escape(receipt.tracking_url),
        keep = l.keep,
    )
}

/// How the request came in, in words.
fn channel_label<'a>(channel: &'a str, lang: &str) -> &'a str {
    let en = lang == "en";
    match channel {
        "web" => {
            if en {
                "Online"
            } else {
                "En ligne"
            }
        }
        "open311" => {
            if en {
                "Mobile app"
            } else {
                "Application mobile"
            }
        }
        "counter" => {
            if en {
                "At the counter"
            } else {
                "Au guichet"
            }
        }
        "phone" => {
            if en {
                "By phone"
            } else {
                "Par téléphone"
            }
        }
        "email" => {
            if en {
                "By e-mail"
            } else {
                "Par courriel"
            }
        }
        "mail" => {
            if en {
                "By post"
            } else {
                "Par courrier"
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample<'a>(service: &'a str, url: &'a str) -> Receipt<'a> {
        Receipt {
            lang: "fr",
            commune_name: "Ville-sur-Mer",
            reference: "2026-000123",
            service_name: service,
            filed_on: "2026-12-01",
            expected_on: Some("2026-12-15"),
            channel: "counter",
            tracking_url: url,
        }
    }

    #[test]
    fn the_tracking_url_names_the_reference_and_no_code() {
        assert_eq!(
            tracking_url("https://mairie.example", "2026-000123"),
            "https://mairie.example/track?reference=2026-000123"
        );
    }

    #[test]
    fn the_qr_code_is_inline_svg_without_xml_declaration() {
        let svg = qr_svg("https://mairie.example/track?reference=2026-000123").expect("qr");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("<path"));
    }

    #[test]
    fn the_receipt_escapes_what_comes_from_the_database() {
        let page = render(
            &sample(
                "<script>alert(1)</script>",
                "https://h/track?reference=1&x=\"2\"",
            ),
            "<svg></svg>",
        );
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("reference=1&amp;x=&quot;2&quot;"));
        assert!(page.contains("@media print"));
        assert!(page.contains("Réponse attendue le</dt><dd>2026-12-15"));
    }

    #[test]
    fn the_receipt_speaks_english_when_asked() {
        let mut receipt = sample("Pothole", "https://h/track?reference=2026-000123");
        receipt.lang = "en";
        receipt.expected_on = None;
        let page = render(&receipt, "<svg></svg>");
        assert!(page.contains("<html lang=\"en\">"));
        assert!(page.contains("Request receipt"));
        assert!(!page.contains("Expected answer by"));
    }
}
