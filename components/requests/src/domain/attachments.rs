//! The rules of files attached to a request (photos and PDF from the filing or later, scans
//! of paper mail, attachments of inbound e-mails): only JPEG, PNG, WebP and PDF are taken,
//! and the first bytes must be those of the declared type, so that a file is never served
//! with a type it does not have.
//!
//! - [`check`]: a JSON array of `{"name","content_type","data_base64"}`; errors at
//!   `<field_prefix>[i].<member>`.
//! - [`check_bytes`]: the same rules for bytes that did not come as base64 (e-mail parts,
//!   scans).

use base64::Engine as _;
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::FieldError;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

/// Most files in one filing (or one later upload).
pub const MAX_FILES: usize = 5;
/// Largest file, decoded.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Most files one request may gather over its life (citizen, staff, scans, e-mails).
pub const MAX_PER_REQUEST: i64 = 30;
/// Largest body of a filing or upload: five files of 5 MiB as base64 (4/3, about 33.4 MiB)
/// plus 2 MiB for the form and JSON. It stays under the host's default body cap (40 MiB,
/// `infra/host/src/limits.rs`), which refuses anything larger before the component runs.
pub const MAX_BODY: usize = MAX_FILES * MAX_BYTES.div_ceil(3) * 4 + 2 * 1024 * 1024;
/// Longest file name.
const NAME_MAX: usize = 255;

/// The types taken, with the first bytes each must start with (see [`magic_matches`]).
pub const TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/webp", "application/pdf"];

const ATTACHMENT: Shape = Shape::Object(&[
    Member::required("name", Shape::Text),
    Member::required("content_type", Shape::Text),
    Member::required("data_base64", Shape::Text),
]);

/// An attachment whose name, type, size and content were checked.
#[derive(Debug, Clone)]
pub struct Checked {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
    /// SHA-256 of `data`, hex.
    pub sha256: String,
}

/// Checks a JSON list of attachments (see the module documentation).
pub fn check(list: &Json, field_prefix: &str) -> Result<Vec<Checked>, Vec<FieldError>> {
    let Some(items) = list.as_array() else {
        return Err(vec![FieldError::new(
            field_prefix,
            "invalid_type",
            "must be a list of {name, content_type, data_base64}",
        )]);
    };
    let mut errors = Vec::new();
    if items.len() > MAX_FILES {
        errors.push(FieldError::new(
            field_prefix,
            "too_many",
            format!("at most {MAX_FILES} files at a time"),
        ));
    }
    let mut checked = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = shape::index(field_prefix, i);
        let before = errors.len();
        shape::check(item, &ATTACHMENT, &path, &mut errors);
        if errors.len() > before {
            continue;
        }
        let text = |member: &str| item.get(member).and_then(Json::as_str).unwrap_or_default();
        let encoded: String = text("data_base64")
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        // Early refusal before decoding: base64 is 4/3 of the bytes.
        if encoded.len() > (MAX_BYTES / 3 + 1) * 4 {
            errors.push(too_large(&shape::join(&path, "data_base64")));
            continue;
        }
        let data = match base64::engine::general_purpose::STANDARD.decode(encoded.as_bytes()) {
            Ok(data) => data,
            Err(_) => {
                errors.push(FieldError::new(
                    shape::join(&path, "data_base64"),
                    "invalid_base64",
                    "must be the file's bytes in base64 (RFC 4648, with padding)",
                ));
                continue;
            }
        };
        match check_bytes(text("name"), text("content_type"), data, &path) {
            Ok(file) => {
                if checked.iter().any(|c: &Checked| c.name == file.name) {
                    errors.push(FieldError::new(
                        shape::join(&path, "name"),
                        "duplicate",
                        "another file of this list has the same name",
                    ));
                }
                checked.push(file);
            }
            Err(mut found) => errors.append(&mut found),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

/// Checks one file's name, declared type, size and first bytes; errors at `path.name`,
/// `path.content_type`, `path.data_base64`.
pub fn check_bytes(
    name: &str,
    content_type: &str,
    data: Vec<u8>,
    path: &str,
) -> Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = name.trim();
    let name_path = shape::join(path, "name");
    if name.is_empty() {
        errors.push(FieldError::new(&name_path, "required", "is required"));
    } else if name.chars().count() > NAME_MAX {
        errors.push(FieldError::new(
            &name_path,
            "too_long",
            format!("must be at most {NAME_MAX} characters"),
        ));
    } else if guichet_guest::text::clean(name, guichet_guest::text::Lines::One).is_none() {
        // A right-to-left override makes `photo\u{202E}fdp.exe` read as `photoexe.pdf`.
        errors.push(guichet_guest::text::error(
            &name_path,
            guichet_guest::text::Lines::One,
        ));
    } else if name.contains(['/', '\\']) {
        errors.push(FieldError::new(
            &name_path,
            "invalid_format",
            "must be a file name, without slashes",
        ));
    }
    let content_type = content_type.trim().to_ascii_lowercase();
    let type_path = shape::join(path, "content_type");
    let data_path = shape::join(path, "data_base64");
    if !TYPES.contains(&content_type.as_str()) {
        errors.push(FieldError::new(
            &type_path,
            "forbidden_type",
            format!("must be one of: {}", TYPES.join(", ")),
        ));
    } else if !magic_matches(&content_type, &data) {
        errors.push(FieldError::new(
            &type_path,
            "type_mismatch",
            format!("the file's content is not {content_type}"),
        ));
    }
    if data.is_empty() {
        errors.push(FieldError::new(&data_path, "empty", "the file is empty"));
    } else if data.len() > MAX_BYTES {
        errors.push(too_large(&data_path));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let sha256 = Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Checked {
        name: name.to_owned(),
        content_type,
        data,
        sha256,
    })
}

fn too_large(path: &str) -> FieldError {
    FieldError::new(
        path,
        "too_large",
        format!("a file must be at most {} MiB", MAX_BYTES / (1024 * 1024)),
    )
}

/// Whether `data` starts as a file of `content_type` does.
pub fn magic_matches(content_type: &str, data: &[u8]) -> bool {
    match content_type {
        "image/jpeg" => data.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => data.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        "image/webp" => data.len() >= 12 && data.starts_with(b"RIFF") && &data[8..12] == b"WEBP",
        "application/pdf" => data.starts_with(b"%PDF-"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn codes(list: Json) -> Vec<(String, String)> {
        guichet_guest::FieldError::codes(check(&list, "attachments"))
    }

    #[test]
    fn a_png_that_is_a_png_is_taken() {
        let files = check(
            &json!([{"name": "trou.png", "content_type": "image/png", "data_base64": b64(PNG)}]),
            "attachments",
        )
        .expect("valid");
        assert_eq!(files[0].data, PNG);
        assert_eq!(files[0].sha256.len(), 64);
    }

    #[test]
    fn a_forbidden_or_disguised_file_is_refused_by_its_field() {
        assert_eq!(
            codes(json!([
                {"name": "a.exe", "content_type": "application/x-msdownload", "data_base64": b64(b"MZ..")},
                {"name": "b.jpg", "content_type": "image/jpeg", "data_base64": b64(PNG)},
                {"name": "c.pdf", "content_type": "application/pdf", "data_base64": "%%%"},
                {"name": "d.pdf", "content_type": "application/pdf"},
            ])),
            vec![
                (
                    "attachments[0].content_type".to_owned(),
                    "forbidden_type".to_owned()
                ),
                (
                    "attachments[1].content_type".to_owned(),
                    "type_mismatch".to_owned()
                ),
                (
                    "attachments[2].data_base64".to_owned(),
                    "invalid_base64".to_owned()
                ),
                (
                    "attachments[3].data_base64".to_owned(),
                    "required".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn too_many_or_too_large_files_are_refused() {
        let one = json!({"name": "x.pdf", "content_type": "application/pdf", "data_base64": b64(b"%PDF-1.4")});
        let six: Vec<Json> = (0..6)
            .map(|i| {
                let mut f = one.clone();
                f["name"] = json!(format!("{i}.pdf"));
                f
            })
            .collect();
        assert_eq!(
            codes(Json::Array(six)),
            vec![("attachments".to_owned(), "too_many".to_owned())]
        );
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_BYTES + 1, b' ');
        assert_eq!(
            codes(
                json!([{"name": "big.pdf", "content_type": "application/pdf", "data_base64": b64(&big)}])
            ),
            vec![(
                "attachments[0].data_base64".to_owned(),
                "too_large".to_owned()
            )]
        );
    }

    #[test]
    fn webp_and_jpeg_are_recognised_by_their_first_bytes() {
        assert!(magic_matches("image/webp", b"RIFF\0\0\0\0WEBPVP8 "));
        assert!(!magic_matches("image/webp", b"RIFF\0\0\0\0AVI LIST"));
        assert!(magic_matches("image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(!magic_matches("image/jpeg", b"<svg"));
    }
}
