//! The OpenAPI 3.1 document of `/api/v1`, built from [`ENDPOINTS`] so it cannot drift
//! from the list the access tests walk.

use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, Paths};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ComponentsBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder, Ref, Required};

use super::{Endpoint, ENDPOINTS};
use crate::auth::SESSION_COOKIE;
use crate::error::ErrorBody;

fn method(m: &str) -> HttpMethod {
    match m {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

fn string_param(name: &str, at: ParameterIn, required: bool, doc: &str) -> ParameterBuilder {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(at)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(doc))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
}

fn error_response(what: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(what).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build(),
    )
}

fn operation(e: &Endpoint) -> utoipa::openapi::path::Operation {
    let mut op = OperationBuilder::new()
        .summary(Some(e.summary))
        .operation_id(Some(format!(
            "{}_{}",
            e.method.to_ascii_lowercase(),
            e.path
                .trim_start_matches("/api/v1/")
                .replace(['/', '.'], "_")
                .replace(['{', '}'], "")
        )))
        .tag(if e.path.contains("{shop}") {
            "shop"
        } else {
            "account"
        })
        .response(
            "200",
            ResponseBuilder::new().description("OK").content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                    .build(),
            ),
        )
        .response(
            "400",
            error_response("Bad request (names the field and reason)"),
        );
    for seg in e.path.split('/').filter(|s| s.starts_with('{')) {
        let name = seg.trim_matches(['{', '}']);
        let doc = match name {
            "shop" => "Shop id",
            "name" => "User name",
            _ => "Id",
        };
        op = op.parameter(string_param(name, ParameterIn::Path, true, doc));
    }
    for (name, doc) in e.query {
        op = op.parameter(string_param(name, ParameterIn::Query, false, doc));
    }
    if let Some(example) = e.body {
        let ct = if example.starts_with('<') {
            "application/octet-stream"
        } else {
            "application/json"
        };
        let example = serde_json::from_str(example).ok();
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(ct, ContentBuilder::new().example(example).build())
                .build(),
        ));
    }
    if !e.public {
        op = op
            .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
            .security(SecurityRequirement::new("session", Vec::<String>::new()))
            .response("401", error_response("No valid session or token"))
            .response(
                "403",
                error_response("Role too low in this shop, or missing CSRF token"),
            );
        if let Some(role) = e.role {
            op = op
                .description(Some(format!("Needs role `{}` in the shop.", role.as_str())))
                .response("404", error_response("No such shop among those granted"));
        }
    }
    op.build()
}

/// The OpenAPI document.
pub fn openapi() -> OpenApi {
    let mut paths = Paths::new();
    for e in ENDPOINTS {
        paths.add_path_operation(e.path, vec![method(e.method)], operation(e));
    }
    let components = ComponentsBuilder::new()
        .schema_from::<ErrorBody>()
        .schema_from::<crate::error::ErrorDetail>()
        .security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        )
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        )
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Vitrine API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Douyin shop operations: reviews, targets, alerts, paid traffic, users, experiments, imports. \
                     Authenticate with a session (POST /api/v1/login; send X-CSRF-Token on writes) or \
                     `Authorization: Bearer <token>`. Errors are `{\"error\": {\"code\", \"message\"}}`.",
                )),
        )
        .paths(paths)
        .components(Some(components))
        .build()
}

/// `GET /api/v1/openapi.json`.
pub(crate) async fn document() -> Response {
    Json(openapi()).into_response()
}
