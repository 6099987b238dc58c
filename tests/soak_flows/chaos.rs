//! A TCP proxy that resets connections, put in front of a simulator or the SMTP sink so the
//! soak suite sees what no HTTP-level fault plan can make: a connection torn down by the network.
//!
//! Each chunk going to the server is dropped with a reset before it arrives with probability
//! `rate / 2` (the request never reached the vendor); each chunk coming back is dropped with a
//! reset with probability `rate / 2` (the vendor did the work, the reply is lost). A reset closes
//! the client's socket with `SO_LINGER` 0, so the client sees `ECONNRESET`, not a clean close.

use rand::{Rng, SeedableRng, rngs::StdRng};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running proxy; it stops when dropped.
pub struct Chaos {
    /// Where clients connect.
    pub addr: SocketAddr,
    resets: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Chaos {
    /// Proxies `127.0.0.1:<free port>` to `upstream`, resetting with probability `rate` per
    /// exchange (decisions from a generator seeded with `seed`).
    pub async fn start(upstream: SocketAddr, rate: f64, seed: u64) -> Chaos {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let resets = Arc::new(AtomicU64::new(0));
        let rng = Arc::new(Mutex::new(StdRng::seed_from_u64(seed)));
        let counter = resets.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (rng, counter) = (rng.clone(), counter.clone());
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        relay(client, server, rate, &rng, &counter).await;
                    }
                });
            }
        });
        Chaos { addr, resets, task }
    }

    /// How many connections it has reset.
    pub fn resets(&self) -> u64 {
        self.resets.load(Ordering::Relaxed)
    }
}

impl Drop for Chaos {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies both ways until the server closes, or a drawn fault resets the client.
async fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    rate: f64,
    rng: &Mutex<StdRng>,
    resets: &AtomicU64,
) {
    let fault = || rng.lock().expect("rng").random_bool(rate / 2.0);
    let reset = |client: TcpStream| {
        resets.fetch_add(1, Ordering::Relaxed);
        let _ = client.set_zero_linger();
        drop(client);
    };
    let (mut up, mut down) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
    let mut client_open = true;
    loop {
        tokio::select! {
            read = client.read(&mut up), if client_open => match read {
                Ok(0) | Err(_) => {
                    client_open = false;
                    let _ = server.shutdown().await;
                }
                Ok(n) => {
                    if fault() {
                        return reset(client);
                    }
                    if server.write_all(&up[..n]).await.is_err() {
                        return;
                    }
                }
            },
            read = server.read(&mut down) => match read {
                Ok(0) | Err(_) => {
                    let _ = client.shutdown().await;
                    return;
                }
                Ok(n) => {
                    if fault() {
                        return reset(client);
                    }
                    if client.write_all(&down[..n]).await.is_err() {
                        return;
                    }
                }
            },
        }
    }
}
