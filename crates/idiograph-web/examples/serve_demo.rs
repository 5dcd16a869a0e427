//! Builds the demo study in a temporary folder and serves the workbench on it.
//!
//! `cargo run -p idiograph-web --example serve_demo -- [PORT]` (or `IDIOGRAPH_PORT`); port 0,
//! the default, picks a free one. Prints the URL once the server listens.

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("IDIOGRAPH_PORT").ok())
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(0);
    let dir = tempfile::tempdir()?;
    let wb = idiograph_app::build_demo(&dir.path().join("demo.idg"), "researcher").await?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    idiograph_web::serve(wb, addr, |bound| println!("http://{bound}/")).await?;
    Ok(())
}
