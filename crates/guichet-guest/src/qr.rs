//! The tracking page's address printed on receipts, and its QR code (feature `qr`: the
//! `qrcode` crate), one rule for requests' printed receipt and the portal's receipt page.

/// The tracking URL printed (and QR-encoded) on the receipt of `reference`, at `origin` (the
/// commune's configured public origin, [`crate::tenant::CommuneInfo::public_origin`]). It
/// names the reference only, never the tracking code.
pub fn tracking_url(origin: &str, reference: &str) -> String {
    format!("{origin}/track?reference={reference}")
}

/// `data` as an inline SVG QR code (no XML declaration, so it can sit inside HTML). Error
/// correction M survives a crumpled or badly printed receipt.
#[cfg(feature = "qr")]
pub fn svg(data: &str) -> anyhow::Result<String> {
    use qrcode::render::svg;
    use qrcode::{EcLevel, QrCode};
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(match image.find("<svg") {
        Some(start) => image[start..].to_owned(),
        None => image,
    })
}
