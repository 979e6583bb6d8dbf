//! The HTTP entry point of a component.

/// Declares the component's `wasi:http/incoming-handler` export, calling `$handler`
/// (`async fn(Request) -> Result<Response, ApiError>`) and turning its error into the JSON
/// error response.
///
/// spin-sdk's `#[http_component]` expands to wit-bindgen export glue, which is `unsafe` code;
/// the workspace denies `unsafe_code`, so the glue lives in a module that allows it, written
/// once here rather than in every component.
#[macro_export]
macro_rules! http_entry {
    ($handler:path) => {
        #[allow(
            unsafe_code,
            reason = "spin-sdk's #[http_component] expands to unsafe wit-bindgen glue"
        )]
        mod __guichet_http_entry {
            #[::spin_sdk::http_component]
            async fn handle(req: ::spin_sdk::http::Request) -> ::spin_sdk::http::Response {
                let answer = match $crate::relay::accept(req) {
                    ::std::result::Result::Ok(req) => $handler(req).await,
                    ::std::result::Result::Err(error) => ::std::result::Result::Err(error),
                };
                match answer {
                    ::std::result::Result::Ok(response) => response,
                    ::std::result::Result::Err(error) => $crate::ApiError::to_response(&error),
                }
            }
        }
    };
}
