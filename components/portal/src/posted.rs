//! A form the citizen posted, read once: `application/x-www-form-urlencoded` (forms without
//! files) or `multipart/form-data` (parsed by the `multer` crate), after the origin and
//! content-type rule of every form (`guichet_guest::forms`).

use guichet_guest::forms::{self, Refusal, MULTIPART, URLENCODED};
use guichet_guest::{ApiError, FieldError};
use spin_sdk::http::Request;

/// Largest posted form: five files of 5 MB (requests' limits) and the answers.
pub const MAX_BODY: usize = 26 * 1024 * 1024;
/// Most parts a multipart form may have.
const MAX_PARTS: usize = 200;

/// One file of a multipart form.
pub struct Upload {
    /// The control's name (`answers.<code>`).
    pub field: String,
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// A posted form: its text values in order, and its files.
pub struct Posted {
    pairs: Vec<(String, String)>,
    pub uploads: Vec<Upload>,
}

impl Posted {
    /// Reads the form of `req` (403 from another site, 415 not a form, 400 unreadable).
    pub async fn read(req: &Request) -> Result<Posted, ApiError> {
        forms::check(req, &[URLENCODED, MULTIPART]).map_err(refused)?;
        let body = req.body();
        if body.len() > MAX_BODY {
            return Err(ApiError::field(
                "body",
                "too_large",
                format!("the form must be at most {MAX_BODY} bytes"),
            ));
        }
        let content_type = req
            .header("content-type")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        if content_type
            .trim_start()
            .to_ascii_lowercase()
            .starts_with(MULTIPART)
        {
            multipart(content_type, body.to_vec()).await
        } else {
            let pairs = form_urlencoded::parse(body).into_owned().collect();
            Ok(Posted {
                pairs,
                uploads: Vec::new(),
            })
        }
    }

    /// The first value named `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value named `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::CrossOrigin => ApiError::Forbidden {
            message: "this form was not sent from this site",
        },
        Refusal::UnsupportedType => ApiError::field(
            "content-type",
            "unsupported",
            "must be application/x-www-form-urlencoded or multipart/form-data",
        ),
    }
}

fn malformed(message: String) -> ApiError {
    ApiError::BadRequest {
        errors: vec![FieldError::general("malformed_form", message)],
    }
}

async fn multipart(content_type: &str, body: Vec<u8>) -> Result<Posted, ApiError> {
    let boundary = multer::parse_boundary(content_type).map_err(|e| malformed(e.to_string()))?;
    let stream = futures_util::stream::once(async move {
        Ok::<_, std::convert::Infallible>(bytes::Bytes::from(body))
    });
    let mut reader = multer::Multipart::new(stream, boundary);
    let mut posted = Posted {
        pairs: Vec::new(),
        uploads: Vec::new(),
    };
    let mut parts = 0;
    while let Some(field) = reader
        .next_field()
        .await
        .map_err(|e| malformed(e.to_string()))?
    {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(malformed(format!("at most {MAX_PARTS} parts")));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field
            .content_type()
            .map(|m| m.essence_str().to_owned())
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let data = field.bytes().await.map_err(|e| malformed(e.to_string()))?;
        match file_name {
            Some(file_name) => {
                if !file_name.is_empty() || !data.is_empty() {
                    posted.uploads.push(Upload {
                        field: name,
                        file_name: base_name(&file_name),
                        content_type,
                        data: data.to_vec(),
                    });
                }
            }
            None => {
                let text = String::from_utf8(data.to_vec())
                    .map_err(|_| malformed(format!("{name} is not UTF-8")))?;
                posted.pairs.push((name, text));
            }
        }
    }
    Ok(posted)
}

/// The last segment of a file name (old browsers send `C:\...\photo.jpg`).
fn base_name(name: &str) -> String {
    name.rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_loses_the_folders_some_browsers_send() {
        assert_eq!(base_name("C:\\Users\\me\\card.pdf"), "card.pdf");
        assert_eq!(base_name("/tmp/card.pdf"), "card.pdf");
        assert_eq!(base_name("card.pdf"), "card.pdf");
    }
}
