//! `rtcscope serve`: the WHIP/WHEP server with the stats API, Prometheus
//! metrics and the live pages (`rtcscope-server` over real peer connections).

use rtcscope_peer::pipeline::RealMediaConfig;
use rtcscope_server::{PeerBackend, PeerBackendConfig, ServeOptions};
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

pub struct Args {
    pub listen: SocketAddr,
    pub max_connections: usize,
    pub udp_ip: IpAddr,
    pub video_size: (usize, usize),
    pub fps: u32,
}

/// `WIDTHxHEIGHT`, each 16..=1920 (even, as H.264 4:2:0 wants).
pub fn parse_size(text: &str) -> Result<(usize, usize), String> {
    let (w, h) = text
        .split_once('x')
        .ok_or_else(|| format!("{text:?}: expected WIDTHxHEIGHT"))?;
    let parse = |v: &str| -> Result<usize, String> {
        let n: usize = v.parse().map_err(|_| format!("{v:?} is not a number"))?;
        if !(16..=1920).contains(&n) || !n.is_multiple_of(2) {
            return Err(format!("{n}: sizes are even, 16 to 1920"));
        }
        Ok(n)
    };
    Ok((parse(w)?, parse(h)?))
}

pub fn run(args: &Args) -> ExitCode {
    // Every peer connection is one task (encoding and decoding included):
    // worker threads let connections and the HTTP side run side by side.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
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
        real_media: Some(RealMediaConfig {
            width: args.video_size.0,
            height: args.video_size.1,
            fps: args.fps.clamp(1, 60),
            ..RealMediaConfig::default()
        }),
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

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_parse_and_odd_or_huge_ones_are_refused() {
        assert_eq!(parse_size("640x480"), Ok((640, 480)));
        assert_eq!(parse_size("320x240"), Ok((320, 240)));
        for bad in ["640", "641x480", "640x0", "4000x480", "axb", "640x480x2"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
