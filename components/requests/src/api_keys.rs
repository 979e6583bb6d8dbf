//! Open311 API keys (being written).

use guichet_guest::{ApiError, Commune};
use spin_sdk::http::{Request, Response};

pub fn list(_req: &Request, _commune: &Commune) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub fn create(_req: &Request, _commune: &Commune) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub fn revoke(_req: &Request, _commune: &Commune, _id: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

