//! Starts the SMTP sink (`tests/smtp/sink.py`, aiosmtpd on loopback) as a process and reads the
//! messages it received, decoded enough for the tests: headers, text and HTML parts.
//!
//! The sink needs a Python with aiosmtpd: `CONCIERGE_TEST_PYTHON` (set by `tests/run`). Without
//! it, [`python`] says why, and the tests print `SKIPPED: <why>` and return.
#![allow(dead_code)]

use base64::Engine as _;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python that runs the sink, or why there is none.
pub fn python() -> Result<PathBuf, String> {
    let python = std::env::var("CONCIERGE_TEST_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .ok_or("CONCIERGE_TEST_PYTHON is not set (tests/run sets it), so there is no SMTP sink")?;
    let ok = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return Err(format!(
            "{python} cannot import aiosmtpd, so there is no SMTP sink"
        ));
    }
    Ok(PathBuf::from(python))
}

/// A port nothing listens on now (bound, then freed).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running sink; killed when dropped.
pub struct Sink {
    child: Child,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    /// Where it writes what it receives.
    pub folder: PathBuf,
}

impl Sink {
    /// Starts the sink writing into `folder`, on `port` (any free one when `None`), and waits
    /// until it accepts connections.
    pub fn start(python: &Path, folder: &Path, port: Option<u16>) -> Sink {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("smtp/sink.py");
        let mut command = Command::new(python);
        command.arg(&script).arg(folder);
        if let Some(port) = port {
            command.args(["--port", &port.to_string()]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP sink");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the sink's port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the sink did not start: {line:?}"));
        Sink {
            child,
            port,
            folder: folder.to_path_buf(),
        }
    }

    /// Every message received so far, oldest file name first.
    pub fn messages(&self) -> Vec<Received> {
        received(&self.folder)
    }

    /// Waits up to `timeout` for at least `n` messages; returns what arrived.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.messages();
            if got.len() >= n || start.elapsed() > timeout {
                return got;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every message in `folder` (whole files only).
pub fn received(folder: &Path) -> Vec<Received> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
        .iter()
        .map(|p| Received::parse(&std::fs::read_to_string(p).unwrap()))
        .collect()
}

/// One received message.
#[derive(Clone, Debug)]
pub struct Received {
    /// Header names (lower case) and their unfolded values.
    pub headers: HashMap<String, String>,
    /// The `text/plain` part (or body), decoded.
    pub text: Option<String>,
    /// The `text/html` part, decoded.
    pub html: Option<String>,
}

impl Received {
    fn parse(raw: &str) -> Received {
        let (headers, body) = split_headers(raw);
        let content_type = headers.get("content-type").cloned().unwrap_or_default();
        let mut message = Received {
            headers: headers.clone(),
            text: None,
            html: None,
        };
        if let Some(boundary) = boundary_of(&content_type) {
            for part in body.split(&format!("--{boundary}")).skip(1) {
                if part.starts_with("--") {
                    break;
                }
                let (h, b) = split_headers(part.trim_start_matches(['\r', '\n']));
                let decoded = decode(&h, b);
                let ty = h.get("content-type").cloned().unwrap_or_default();
                if ty.starts_with("text/html") {
                    message.html = Some(decoded);
                } else if ty.starts_with("text/plain") {
                    message.text = Some(decoded);
                }
            }
        } else {
            message.text = Some(decode(&headers, body));
        }
        message
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The `Message-ID`.
    pub fn message_id(&self) -> String {
        self.header("message-id").unwrap_or_default().to_owned()
    }

    /// The activation token of the link in the text part (`…token=<token>`).
    pub fn token(&self) -> Option<String> {
        let text = self.text.as_deref()?;
        let start = text.find("token=")? + "token=".len();
        let token: String = text[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        (!token.is_empty()).then_some(token)
    }
}

fn split_headers(raw: &str) -> (HashMap<String, String>, &str) {
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .or_else(|| raw.split_once("\n\n"))
        .unwrap_or((raw, ""));
    let mut headers: HashMap<String, String> = HashMap::new();
    let mut last: Option<String> = None;
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(name) = &last {
                headers
                    .entry(name.clone())
                    .or_default()
                    .push_str(line.trim_start());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            headers.insert(name.clone(), value.trim().to_owned());
            last = Some(name);
        }
    }
    (headers, body)
}

fn boundary_of(content_type: &str) -> Option<String> {
    let start = content_type.find("boundary=")? + "boundary=".len();
    let rest = &content_type[start..];
    let value = rest.split(';').next()?.trim().trim_matches('"');
    Some(value.to_owned())
}

fn decode(headers: &HashMap<String, String>, body: &str) -> String {
    match headers
        .get("content-transfer-encoding")
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("base64") => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .expect("base64 part");
            String::from_utf8(bytes).expect("utf-8 part")
        }
        Some("quoted-printable") => quoted_printable(body),
        _ => body.to_owned(),
    }
}

fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=' && i + 3 <= bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        if let Some(b) = escaped {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("utf-8 part")
}
