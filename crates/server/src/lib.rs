//! rtcscope's HTTP side (issue 8): WHIP/WHEP endpoints, the stats API,
//! Prometheus metrics and the live stats pages, over a [`SessionBackend`] that
//! owns the actual peer connections.

pub mod backend;
pub mod pages;
pub mod peer_backend;
pub mod prometheus;
pub mod routes;

pub use backend::{
    BoxFuture, ConnectionInfo, Direction, Selector, SessionBackend, SessionError, SessionId,
};
pub use peer_backend::{PeerBackend, PeerBackendConfig};
pub use routes::{ServeOptions, router};

use std::io;
use std::sync::Arc;

/// Serves the application on `listener` until the process ends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    backend: Arc<dyn SessionBackend>,
    options: ServeOptions,
) -> io::Result<()> {
    axum::serve(listener, router(backend, options)).await
}

/// Like [`serve`], but stops accepting when `shutdown` completes and returns
/// once the requests in progress are answered (for Ctrl-C handling).
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    backend: Arc<dyn SessionBackend>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(listener, router(backend, options))
        .with_graceful_shutdown(shutdown)
        .await
}
