//! A minimal HTTP/1.1 GET client over a tokio `TcpStream`, so the tests depend on no HTTP
//! client crate.

#![allow(dead_code)]

use concierge_buildium_sim::{BuildiumSimulator, SimConfig, SimHandle};
use serde_json::Value;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn total(&self) -> usize {
        self.header("X-Total-Count")
            .expect("an X-Total-Count header")
            .parse()
            .expect("a numeric X-Total-Count")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn items(&self) -> Vec<Value> {
        match self.json() {
            Value::Array(items) => items,
            other => panic!("expected an array, got {other}"),
        }
    }
}

/// A GET with arbitrary headers.
pub async fn raw_get(addr: SocketAddr, path_and_query: &str, headers: &[(&str, &str)]) -> Resp {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut request =
        format!("GET {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    parse(&raw)
}

fn parse(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header terminator");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("a status line");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = String::from_utf8_lossy(&data[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
}

/// An authorised GET.
pub async fn get(sim: &SimHandle, path_and_query: &str) -> Resp {
    raw_get(
        sim.addr(),
        path_and_query,
        &[
            ("x-buildium-client-id", sim.client_id()),
            ("x-buildium-client-secret", sim.client_secret()),
        ],
    )
    .await
}

/// Every record of a listing, page by page (`query` without `limit`/`offset`), checking
/// `X-Total-Count` on each page.
pub async fn get_all(sim: &SimHandle, path: &str, query: &str, limit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut total = None;
    loop {
        let sep = if query.is_empty() { "" } else { "&" };
        let url = format!("{path}?{query}{sep}limit={limit}&offset={}", out.len());
        let resp = get(sim, &url).await;
        assert_eq!(
            resp.status,
            200,
            "{url}: {}",
            String::from_utf8_lossy(&resp.body)
        );
        let page_total = resp.total();
        assert_eq!(
            *total.get_or_insert(page_total),
            page_total,
            "total changed"
        );
        let items = resp.items();
        assert!(items.len() <= limit);
        let done = items.is_empty() || out.len() + items.len() >= page_total;
        out.extend(items);
        if done {
            return out;
        }
    }
}

/// A simulator without rate limiting (tests make many quick requests).
pub async fn start(config: SimConfig) -> SimHandle {
    BuildiumSimulator::start(SimConfig {
        rate_limit_per_sec: None,
        ..config
    })
    .await
    .expect("the simulator starts")
}

pub fn ids(items: &[Value], field: &str) -> Vec<i64> {
    items
        .iter()
        .map(|v| v[field].as_i64().expect("an integer id"))
        .collect()
}
