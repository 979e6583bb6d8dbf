//! Duplicates (being written).

use guichet_guest::{ApiError, Commune};
use spin_sdk::http::{Request, Response};

pub fn similar(_req: &Request, _commune: &Commune) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn merge(_req: &Request, _commune: &Commune, _reference: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn follow(_req: &Request, _commune: &Commune, _reference: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

