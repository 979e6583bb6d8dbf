//! The receipt of a filing made on the portal: the reference, the tracking code (shown once
//! here, and in the message requests sends), the service, the expected date, and a QR code of
//! the tracking page's address (`<public origin>/track?reference=`, never the code: a
//! receipt photographed on a counter must not open the request).

use askama::Template;
use guichet_guest::clients::portal::Filed;
use guichet_guest::context::Ctx;
use guichet_guest::{qr, ApiError};
use spin_sdk::http::Response;

use crate::i18n;
use crate::page::{self, Chrome};

#[derive(Template)]
#[template(path = "receipt.html")]
struct Receipt {
    chrome: Chrome,
    reference: String,
    tracking_code: String,
    service: String,
    expected_on: Option<String>,
    tracking_url: String,
    /// The QR code as inline SVG (drawn by the `qrcode` crate from the URL above).
    qr: String,
}

/// The receipt page of `filed`.
pub fn filed(ctx: &Ctx<'_>, filed: &Filed) -> Result<Response, ApiError> {
    let lang = Chrome::lang(ctx);
    let t = i18n::texts(lang);
    let tracking_url = qr::tracking_url(ctx.public_origin(), &filed.reference);
    let svg = qr::svg(&tracking_url)?.replacen(
        "<svg ",
        "<svg role=\"img\" aria-labelledby=\"qr-caption\" focusable=\"false\" ",
        1,
    );
    let page = Receipt {
        chrome: Chrome::new(ctx, t.receipt_title),
        reference: filed.reference.clone(),
        tracking_code: filed.tracking_code.clone(),
        service: i18n::pick(lang, &filed.service_name).to_owned(),
        expected_on: filed.expected_on.clone(),
        tracking_url,
        qr: svg,
    };
    let mut response = page::answer(201, &page.chrome, &page)?;
    // The tracking code is on this page: no cache may keep it.
    response.set_header("cache-control", "no-store");
    Ok(response)
}
