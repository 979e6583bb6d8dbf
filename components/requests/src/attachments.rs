//! Attachments (being written).

use guichet_guest::{ApiError, Commune};
use spin_sdk::http::{Request, Response};

pub async fn add(_req: &Request, _commune: &Commune, _reference: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub fn download(_req: &Request, _commune: &Commune, _reference: &str, _id: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

