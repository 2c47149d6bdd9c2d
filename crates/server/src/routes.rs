//! The HTTP routes (issue 8) over a [`SessionBackend`].

use crate::backend::{Direction, Selector, SessionBackend, SessionError, SessionId};
use crate::{pages, prometheus};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Limits of the HTTP side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// Live sessions plus offers being answered; beyond it `POST` gets 503.
    pub max_connections: usize,
    /// Largest accepted offer body; beyond it 413.
    pub max_body_bytes: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_connections: 32,
            max_body_bytes: 64 * 1024,
        }
    }
}

#[derive(Clone)]
struct AppState {
    backend: Arc<dyn SessionBackend>,
    options: ServeOptions,
    /// Offers admitted but not answered yet: counted against the limit so that
    /// concurrent POSTs cannot overshoot it.
    offers_in_flight: Arc<AtomicUsize>,
}

/// The whole application, for `axum::serve` or for driving with tower in tests.
pub fn router(backend: Arc<dyn SessionBackend>, options: ServeOptions) -> Router {
    let state = AppState {
        backend,
        options,
        offers_in_flight: Arc::new(AtomicUsize::new(0)),
    };
    Router::new()
        .route("/", get(|| async { html(pages::DASHBOARD) }))
        .route("/publish", get(|| async { html(pages::PUBLISH) }))
        .route("/play", get(|| async { html(pages::PLAY) }))
        .route("/whip", post(|s, h, b| create(s, h, b, Direction::Whip)))
        .route("/whep", post(|s, h, b| create(s, h, b, Direction::Whep)))
        .route("/whip/{id}", delete(|s, p| end(s, p, Direction::Whip)))
        .route("/whep/{id}", delete(|s, p| end(s, p, Direction::Whep)))
        .route("/api/connections", get(connections))
        .route("/api/connections/{id}/stats", get(stats))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .with_state(state)
}

fn html(page: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

fn error_response(status: StatusCode, message: impl Into<String>) -> Response {
    let mut body = message.into();
    body.push('\n');
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

impl IntoResponse for SessionError {
    fn into_response(self) -> Response {
        let status = match &self {
            SessionError::BadSdp(_) | SessionError::NoUsableCodec(_) => StatusCode::BAD_REQUEST,
            SessionError::BadSelector(_) => StatusCode::BAD_REQUEST,
            SessionError::TooManyConnections => StatusCode::SERVICE_UNAVAILABLE,
            SessionError::NotFound => StatusCode::NOT_FOUND,
            SessionError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        error_response(status, self.to_string())
    }
}

fn is_sdp_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/sdp"))
}

/// Releases an admission slot when the offer has been answered (or failed).
struct Admission(Arc<AtomicUsize>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `POST /whip` and `POST /whep`.
async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
    direction: Direction,
) -> Response {
    if !is_sdp_content_type(&headers) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the offer must be sent with Content-Type: application/sdp",
        );
    }
    let Ok(offer) = String::from_utf8(body.to_vec()) else {
        return error_response(StatusCode::BAD_REQUEST, "the offer is not UTF-8 text");
    };
    // RFC 8866 §5: a session description starts with its version line.
    if !offer.starts_with("v=") {
        return error_response(
            StatusCode::BAD_REQUEST,
            "the body is not an SDP offer (it must start with \"v=\")",
        );
    }

    // Offers being answered count too, so concurrent POSTs cannot overshoot
    // the limit; the live session and its offer may briefly count twice.
    let in_flight = state.offers_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    let _admission = Admission(state.offers_in_flight.clone());
    if state.backend.list().len() + in_flight > state.options.max_connections {
        return SessionError::TooManyConnections.into_response();
    }

    let result = match direction {
        Direction::Whip => state.backend.publish(offer).await,
        Direction::Whep => state.backend.play(offer).await,
    };
    match result {
        Ok((id, answer)) => {
            let location = format!("/{}/{}", direction.as_str(), id);
            let Ok(location) = HeaderValue::from_str(&location) else {
                return SessionError::Internal("session id is not a valid header value".into())
                    .into_response();
            };
            let mut response = Response::new(Body::from(answer));
            *response.status_mut() = StatusCode::CREATED;
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/sdp"),
            );
            headers.insert(header::LOCATION, location);
            response
        }
        Err(e) => e.into_response(),
    }
}

/// `DELETE /whip/{id}` and `DELETE /whep/{id}`: only the endpoint that created
/// a session ends it.
async fn end(
    State(state): State<AppState>,
    Path(id): Path<String>,
    direction: Direction,
) -> Response {
    let id = SessionId(id);
    let known = state
        .backend
        .list()
        .iter()
        .any(|c| c.id == id && c.direction == direction);
    if !known {
        return SessionError::NotFound.into_response();
    }
    match state.backend.delete(id).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => e.into_response(),
    }
}

fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `GET /api/connections`
async fn connections(State(state): State<AppState>) -> Response {
    let list: Vec<serde_json::Value> = state
        .backend
        .list()
        .into_iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id.0,
                "direction": c.direction.as_str(),
                "state": c.state,
                "created": c.created_ms,
            })
        })
        .collect();
    json_response(rtcscope_stats::json::to_js_json(&list))
}

/// `GET /api/connections/{id}/stats[?selector=sender:TRACK|receiver:TRACK]`
async fn stats(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let selector = match query.get("selector") {
        None => None,
        Some(text) => match Selector::parse(text) {
            Some(selector) => Some(selector),
            None => {
                return SessionError::BadSelector(format!(
                    "{text:?}: expected sender:TRACK or receiver:TRACK"
                ))
                .into_response();
            }
        },
    };
    match state.backend.stats(SessionId(id), selector).await {
        Ok(report) => json_response(rtcscope_stats::json::to_js_json(&report)),
        Err(e) => e.into_response(),
    }
}

/// `GET /metrics`
async fn metrics(State(state): State<AppState>) -> Response {
    let mut reports = Vec::new();
    for connection in state.backend.list() {
        // A session that ended between list() and stats() is simply left out.
        if let Ok(report) = state.backend.stats(connection.id.clone(), None).await {
            reports.push((connection.id.0, report));
        }
    }
    let pairs: Vec<(&str, &rtcscope_stats::RTCStatsReport)> =
        reports.iter().map(|(id, r)| (id.as_str(), r)).collect();
    (
        [(header::CONTENT_TYPE, prometheus::CONTENT_TYPE)],
        prometheus::render(&pairs),
    )
        .into_response()
}
