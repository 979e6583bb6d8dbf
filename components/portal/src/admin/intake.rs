//! `/admin/intake/...`: filing for a caller at the counter or on the phone, the inbound e-mail
//! triage list, scanned letters (issue #14 item 3). To be built.

use guichet_guest::ApiError;
use spin_sdk::http::Response;

use super::Staff;

pub async fn route(staff: &Staff<'_, '_>, rest: &[&str]) -> Result<Response, ApiError> {
    let _ = (staff, rest);
    Err(ApiError::NotFound)
}
