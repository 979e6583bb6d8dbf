//! Channels (being written).

use guichet_guest::{ApiError, Commune};
use spin_sdk::http::{Request, Response};

pub async fn counter_filing(_req: &Request, _commune: &Commune) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn inbound_mail(_req: &Request, _commune: &Commune) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub fn triage_list(_req: &Request, _commune: &Commune) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn triage_resolve(_req: &Request, _commune: &Commune, _id: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn call_log(_req: &Request, _commune: &Commune, _reference: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn paper_scan(_req: &Request, _commune: &Commune, _reference: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub fn receipt(_req: &Request, _commune: &Commune, _reference: &str) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

