//! `/admin/requests/{ref}...`: one request, for agents (issue #14 item 2). To be built.

use guichet_guest::ApiError;
use spin_sdk::http::Response;

use super::Staff;

pub async fn route(staff: &Staff<'_, '_>, rest: &[&str]) -> Result<Response, ApiError> {
    let _ = (staff, rest);
    Err(ApiError::NotFound)
}
