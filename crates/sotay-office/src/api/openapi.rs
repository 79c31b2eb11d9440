//! The OpenAPI document at `/api/openapi.json`, exact enough that outside tools (schemathesis,
//! generated clients) can rely on it: the handlers' annotations give each operation's body and
//! success, and one modifier (`ErrorResponses`) adds, in one place, every error status the server itself can
//! send for each kind of operation — the same statuses [`super::ApiError`] decides on.

use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder};

use super::handlers;

/// `GET /api/openapi.json`: the OpenAPI description of every endpoint (served from here, beside
/// the document, so that the handlers and the document do not name each other).
#[utoipa::path(get, path = "/api/openapi.json", responses((status = 200, description = "OpenAPI 3.1 JSON")))]
pub async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(document())
}

/// The document: paths from the handlers, then the shared parts.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sotay office API",
        description = "Sync, enrolment, the contribution calculator and health of the Sotay office \
            server. Every error is `{\"error\": {\"code\", \"message\"}}` with a stable code and a \
            Vietnamese message. A path not listed here answers 404 `not_found`; a listed path \
            with another method answers 405 `method_not_allowed` with an `Allow` header. The \
            HTTP layer itself answers a malformed request line with 400 and headers over its \
            limit with 431, both without a JSON body (see docs/sync-protocol.md)."
    ),
    paths(handlers::health, handlers::enroll, handlers::push, handlers::pull, handlers::quote, openapi_json),
    components(schemas(sotay_sync::protocol::ErrorBody)),
    modifiers(&DeviceTokenSecurity, &ErrorResponses)
)]
struct ApiDoc;

/// The built document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

struct DeviceTokenSecurity;

impl utoipa::Modify for DeviceTokenSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "device_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Adds to every operation the error statuses the server's layers and [`super::ApiError`] can
/// send for it, and the optional `x-sotay-protocol` header to the versioned calls.
struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let versioned = path.starts_with("/api/v1/");
            let operations = [
                (item.get.as_mut(), false),
                (item.post.as_mut(), true),
                (item.put.as_mut(), true),
                (item.delete.as_mut(), false),
            ];
            for (operation, has_body) in operations {
                if let Some(operation) = operation {
                    add_errors(operation, versioned, has_body);
                }
            }
        }
    }
}

fn add_errors(operation: &mut Operation, versioned: bool, has_body: bool) {
    let authenticated = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut statuses = vec![
        (
            "400",
            "`invalid_request`: a query, header or body the call does not take",
        ),
        (
            "404",
            "`not_found`: only for paths this document does not list",
        ),
        (
            "405",
            "`method_not_allowed`: another method on this path (`Allow` lists those it takes)",
        ),
        (
            "408",
            "`timeout`: the request took longer than the server allows (60 s)",
        ),
    ];
    if has_body {
        statuses.push((
            "413",
            "`body_too_large`: the body is over its limit (a push: 512 KiB of JSON before gzip)",
        ));
        statuses.push(("415", "`invalid_request`: the body is not JSON (`Content-Type: application/json`, optionally gzip)"));
    }
    if authenticated {
        statuses.push((
            "401",
            "`unauthorized` (no or unknown device token) or `device_revoked`",
        ));
    }
    if versioned {
        statuses.push((
            "426",
            "`protocol_unsupported`: the app speaks another protocol version; update the app",
        ));
        let header = ParameterBuilder::new()
            .name(sotay_sync::protocol::PROTOCOL_HEADER)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "The protocol version the client speaks: `1`, the only one there is.",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["1"])),
            ))
            .build();
        operation
            .parameters
            .get_or_insert_with(Vec::new)
            .push(header);
    }
    for (status, description) in statuses {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| {
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build()
                    .into()
            });
    }
}
