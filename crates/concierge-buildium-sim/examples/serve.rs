//! Serves a simulated Buildium account until Ctrl-C, for poking at with curl:
//!
//! ```text
//! cargo run -p concierge-buildium-sim --example serve -- [properties] [units_per_property] [seed]
//! curl -H 'x-buildium-client-id: sim-client-id' -H 'x-buildium-client-secret: sim-client-secret' \
//!      'http://127.0.0.1:<port>/v1/leases?limit=2'
//! ```

use concierge_buildium_sim::{BuildiumSimulator, SimConfig};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numeric arguments"))
        .collect();
    let arg = |i: usize, default: u64| args.get(i).copied().unwrap_or(default);
    let config = SimConfig {
        properties: arg(0, 3) as usize,
        units_per_property: arg(1, 8) as usize,
        seed: arg(2, 1),
        ..SimConfig::default()
    };
    let sim = BuildiumSimulator::start(config).await?;
    println!("{} serving {:?}", sim.base_url(), sim.counts());
    println!(
        "headers: x-buildium-client-id: {}, x-buildium-client-secret: {}",
        sim.client_id(),
        sim.client_secret()
    );
    tokio::signal::ctrl_c().await?;
    sim.stop().await;
    Ok(())
}
