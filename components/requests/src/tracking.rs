//! Tracking (being written).

use guichet_guest::{ApiError, Commune};
use spin_sdk::http::{Request, Response};

pub fn mine(_req: &Request, _commune: &Commune) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub fn track(_req: &Request, _commune: &Commune) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub fn show(_req: &Request, _commune: &Commune, _reference: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

