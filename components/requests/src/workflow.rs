//! Workflow (being written).

use guichet_guest::{ApiError, Commune};
use spin_sdk::http::{Request, Response};

pub async fn sweep_overdue(_req: &Request, _commune: &Commune) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn transition(_req: &Request, _commune: &Commune, _reference: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn assign(_req: &Request, _commune: &Commune, _reference: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn note(_req: &Request, _commune: &Commune, _reference: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn message(_req: &Request, _commune: &Commune, _reference: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn reopen(_req: &Request, _commune: &Commune, _reference: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

