//! `/admin/dashboard`: backlog, overdue and time to close (issue #14 item 5). To be built.

use guichet_guest::ApiError;
use spin_sdk::http::Response;

use super::Staff;

pub async fn route(staff: &Staff<'_, '_>, rest: &[&str]) -> Result<Response, ApiError> {
    let _ = (staff, rest);
    Err(ApiError::NotFound)
}
