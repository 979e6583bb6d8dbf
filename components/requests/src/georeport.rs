//! Open311 GeoReport v2 requests (being written).

use guichet_guest::open311;
use spin_sdk::http::{Request, Response};

pub async fn respond(req: &Request) -> Response {
    open311::not_found(req.path())
}
