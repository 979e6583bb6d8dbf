//! Filing a request (being written).

use guichet_guest::{ApiError, Commune};
use spin_sdk::http::{Request, Response};

pub async fn file(_req: &Request, _commune: &Commune) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

