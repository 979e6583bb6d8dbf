//! The account pages' two static files, compiled in: the script that reads an e-mailed
//! link's fragment, and the style sheet. Public and cacheable (an hour, with an `ETag`), since
//! they hold nothing personal.

use guichet_guest::{response, ApiError};
use spin_sdk::http::{Method, Request, Response};

use super::PageError;

const LINK_JS: &str = include_str!("assets/link.js");
const ACCOUNT_CSS: &str = include_str!("assets/account.css");
const MAX_AGE: u32 = 3600;

/// `GET /account/assets/{name}`.
pub fn serve(req: &Request, name: &str) -> Result<Response, PageError> {
    if *req.method() != Method::Get {
        return Err(PageError::Api(ApiError::MethodNotAllowed { allow: "GET" }));
    }
    let (content_type, body) = match name {
        "link.js" => ("text/javascript; charset=utf-8", LINK_JS),
        "account.css" => ("text/css; charset=utf-8", ACCOUNT_CSS),
        _ => return Err(PageError::Api(ApiError::NotFound)),
    };
    Ok(response::cacheable(
        req,
        content_type,
        body.as_bytes().to_vec(),
        MAX_AGE,
    ))
}
