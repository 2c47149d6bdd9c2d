//! `rtcscope serve`: the WHIP/WHEP server with the stats API, Prometheus
//! metrics and the live pages (`rtcscope-server` over real peer connections).

use rtcscope_server::{PeerBackend, PeerBackendConfig, ServeOptions};
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

pub struct Args {
    pub listen: SocketAddr,
    pub max_connections: usize,
    pub udp_ip: IpAddr,
}

pub fn run(args: &Args) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rtcscope serve: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rtcscope serve: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: &Args) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let backend = Arc::new(PeerBackend::new(PeerBackendConfig {
        udp_ip: args.udp_ip,
        max_connections: args.max_connections,
    }));
    let options = ServeOptions {
        max_connections: args.max_connections,
        ..ServeOptions::default()
    };
    // The line scripts wait for: the address actually bound (port 0 resolved).
    println!(
        "rtcscope serve: http://{} (media over UDP on {})",
        listener.local_addr()?,
        args.udp_ip
    );
    rtcscope_server::serve_until(listener, backend, options, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
