//! Agents' queue (being written).

use guichet_guest::{ApiError, Commune};
use spin_sdk::http::{Request, Response};

pub fn list(_req: &Request, _commune: &Commune) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub fn figures(_req: &Request, _commune: &Commune) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub fn csv(_req: &Request, _commune: &Commune) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

