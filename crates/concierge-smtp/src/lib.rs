//! [`SmtpMailer`]: the production [`Mailer`], over SMTP with lettre.
//!
//! SMTP has no idempotency of its own: the outbox delivers each email at least once and
//! [`SmtpMailer`] sets the `Message-ID` from the entry's idempotency key, so a rare redelivery
//! after a crash carries the same id and mail systems that de-duplicate on it show one email.
//!
//! An email with an HTML body goes as `multipart/alternative` (text, then HTML). Connections
//! come from a pool ([`SmtpConfig::pool_size`]) and sends are held to
//! [`SmtpConfig::max_per_second`], so a large batch of welcome emails does not trip the
//! server's limits.
//!
//! The password is a [`SecretString`]: `Debug` prints `<redacted>`, and errors never carry it.

use async_trait::async_trait;
use concierge_core::*;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use lettre::message::{Mailbox, MultiPart, header::ContentType};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text. Only for a relay on the same machine or in tests.
    None,
    /// Upgrade with STARTTLS (usually port 587). The default.
    #[default]
    StartTls,
    /// TLS from the start (usually port 465).
    Tls,
}

impl SmtpTls {
    /// The port this security usually uses: 465 for [`SmtpTls::Tls`], else 587. The default
    /// port of a deserialised [`SmtpConfig`].
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::Tls => 465,
            SmtpTls::None | SmtpTls::StartTls => 587,
        }
    }

    /// `none`, `starttls` or `tls`.
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpTls::None => "none",
            SmtpTls::StartTls => "starttls",
            SmtpTls::Tls => "tls",
        }
    }

    /// Parses `none`, `starttls` or `tls`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "none" => Some(SmtpTls::None),
            "starttls" => Some(SmtpTls::StartTls),
            "tls" => Some(SmtpTls::Tls),
            _ => None,
        }
    }
}

/// Where and how to send email.
///
/// It deserialises (from JSON, TOML, or a binding's dictionary) as
/// `{"host": …, "port"?: …, "username"?: …, "password"?: …, "tls"?: "none"|"starttls"|"tls",
/// "timeout_seconds"?: …, "pool_size"?: …, "max_per_second"?: …}`: absent fields take the defaults of [`SmtpConfig::new`] (port:
/// [`SmtpTls::default_port`]), unknown keys are refused.
#[derive(Clone, serde::Deserialize)]
#[serde(from = "SmtpSettings")]
pub struct SmtpConfig {
    /// The server's host name.
    pub host: String,
    /// The port.
    pub port: u16,
    /// The user to log in as, if the server wants a login.
    pub username: Option<String>,
    /// The password. Never printed.
    pub password: Option<SecretString>,
    /// Connection security.
    pub tls: SmtpTls,
    /// How long one send may take. Default: 30 seconds.
    pub timeout: Duration,
    /// How many connections to the server are kept open and used at once. Default: 4.
    pub pool_size: u32,
    /// The most emails sent per second; more wait their turn. Default: 10.
    pub max_per_second: u32,
}

impl SmtpConfig {
    /// A server at `host:port`, STARTTLS, no login.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
            username: None,
            password: None,
            tls: SmtpTls::default(),
            timeout: Duration::from_secs(30),
            pool_size: 4,
            max_per_second: 10,
        }
    }

    /// Logs in with `username` and `password`.
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self.password = Some(SecretString::from(password.into()));
        self
    }

    /// Sets the connection security.
    pub fn tls(mut self, tls: SmtpTls) -> Self {
        self.tls = tls;
        self
    }

    /// Sets the timeout of one send.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl SmtpConfig {
    /// Records every value [`SmtpMailer::new`] cannot work with in `checks`, each under
    /// `prefix` and the field's name (e.g. `smtp.port`). Messages name the rule, never the value.
    pub fn check(&self, prefix: &str, checks: &mut concierge_core::validate::Checks) {
        checks.label(&format!("{prefix}host"), &self.host);
        if self.port == 0 {
            checks.fail(&format!("{prefix}port"), "must not be 0");
        }
        if self.username.is_some() != self.password.is_some() {
            checks.fail(
                &format!("{prefix}password"),
                "username and password go together",
            );
        }
        if self.timeout.is_zero() {
            checks.fail(&format!("{prefix}timeout_seconds"), "must be positive");
        }
        if self.pool_size == 0 {
            checks.fail(&format!("{prefix}pool_size"), "must be at least 1");
        }
        if self.max_per_second == 0 {
            checks.fail(&format!("{prefix}max_per_second"), "must be at least 1");
        }
    }
}

/// The serialised form of an [`SmtpConfig`].
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SmtpConfig")]
struct SmtpSettings {
    /// The server's host name.
    host: String,
    /// The port. Default: 465 when `tls` is `tls`, else 587.
    port: Option<u16>,
    /// The user to log in as, if the server wants a login (then `password` is required too).
    username: Option<String>,
    /// The password. Never printed.
    #[schemars(with = "Option<String>")]
    password: Option<SecretString>,
    /// Connection security: `none`, `starttls` or `tls`. Default `starttls`.
    tls: Option<SmtpTls>,
    /// How long one send may take, in seconds. Default 30.
    timeout_seconds: Option<u64>,
    /// How many connections to the server are kept open and used at once. Default 4.
    pool_size: Option<u32>,
    /// The most emails sent per second; more wait their turn. Default 10.
    max_per_second: Option<u32>,
}

impl From<SmtpSettings> for SmtpConfig {
    fn from(s: SmtpSettings) -> Self {
        let tls = s.tls.unwrap_or_default();
        let mut c = SmtpConfig::new(s.host, s.port.unwrap_or(tls.default_port())).tls(tls);
        c.username = s.username;
        c.password = s.password;
        if let Some(seconds) = s.timeout_seconds {
            c.timeout = Duration::from_secs(seconds);
        }
        if let Some(n) = s.pool_size {
            c.pool_size = n;
        }
        if let Some(n) = s.max_per_second {
            c.max_per_second = n;
        }
        c
    }
}

impl schemars::JsonSchema for SmtpConfig {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        SmtpSettings::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        SmtpSettings::json_schema(generator)
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("tls", &self.tls)
            .field("timeout", &self.timeout)
            .field("pool_size", &self.pool_size)
            .field("max_per_second", &self.max_per_second)
            .finish()
    }
}

/// The transport's builder for `config`: security, port, timeout, pool and login.
fn transport_builder(
    config: &SmtpConfig,
) -> Result<lettre::transport::smtp::AsyncSmtpTransportBuilder> {
    let builder = match config.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
        SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
            .map_err(|e| Error::invalid("smtp.host", format!("cannot use STARTTLS: {e}")))?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
            .map_err(|e| Error::invalid("smtp.host", format!("cannot use TLS: {e}")))?,
    };
    let mut builder = builder
        .port(config.port)
        .timeout(Some(config.timeout))
        .pool_config(PoolConfig::new().max_size(config.pool_size));
    if let (Some(user), Some(password)) = (&config.username, &config.password) {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.expose_secret().to_owned(),
        ));
    }
    Ok(builder)
}

/// Sends email over SMTP.
pub struct SmtpMailer {
    config: SmtpConfig,
    /// Made on the first send, inside the runtime that sends: lettre's pool runs a task on it.
    transport: tokio::sync::OnceCell<Pooled>,
    rate: DefaultDirectRateLimiter,
}

/// The pooled transport and the runtime its tasks run on.
struct Pooled {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    runtime: tokio::runtime::Handle,
}

impl Drop for SmtpMailer {
    fn drop(&mut self) {
        // Dropping the pool spawns its clean-up on the runtime: give it the one it ran on, so a
        // mailer dropped outside any runtime (a binding's thread) does not panic.
        if let Some(pooled) = self.transport.take() {
            let _entered = pooled.runtime.enter();
            drop(pooled.transport);
        }
    }
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `config`. Connects lazily, on the first send.
    pub fn new(config: SmtpConfig) -> Result<Self> {
        let mut checks = concierge_core::validate::Checks::new();
        config.check("smtp.", &mut checks);
        checks.finish()?;
        // Made here only to refuse a host the transport cannot use; the pooled transport is
        // built on the first send.
        transport_builder(&config)?;
        let per_second = NonZeroU32::new(config.max_per_second).unwrap_or(NonZeroU32::MIN);
        Ok(Self {
            transport: tokio::sync::OnceCell::new(),
            rate: RateLimiter::direct(Quota::per_second(per_second)),
            config,
        })
    }

    async fn transport(&self) -> ProviderResult<&AsyncSmtpTransport<Tokio1Executor>> {
        let pooled = self
            .transport
            .get_or_try_init(|| async {
                let transport = transport_builder(&self.config)
                    .map_err(|e| self.error(ProviderErrorKind::Rejected, e.to_string()))?
                    .build();
                Ok::<_, ProviderError>(Pooled {
                    transport,
                    runtime: tokio::runtime::Handle::current(),
                })
            })
            .await?;
        Ok(&pooled.transport)
    }

    fn error(&self, kind: ProviderErrorKind, message: impl Into<String>) -> ProviderError {
        ProviderError::new("smtp", "send", kind, message)
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    fn name(&self) -> &str {
        "smtp"
    }

    async fn send(&self, message: EmailMessage) -> ProviderResult<SendEmailResponse> {
        let from: Mailbox = message.from.parse().map_err(|e| {
            self.error(
                ProviderErrorKind::Rejected,
                format!("the sender address is invalid: {e}"),
            )
        })?;
        let to: Mailbox = message.to.parse().map_err(|e| {
            self.error(
                ProviderErrorKind::Rejected,
                format!("the recipient address is invalid: {e}"),
            )
        })?;
        let message_id = format!(
            "<{}@concierge>",
            message.idempotency_key.replace(['<', '>', ' '], "")
        );
        let builder = Message::builder()
            .from(from)
            .to(to)
            .subject(message.subject)
            .message_id(Some(message_id.clone()));
        let email = match message.html_body {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(message.body, html)),
            None => builder.header(ContentType::TEXT_PLAIN).body(message.body),
        }
        .map_err(|e| {
            self.error(
                ProviderErrorKind::Rejected,
                format!("cannot build the email: {e}"),
            )
        })?;
        let transport = self.transport().await?;
        self.rate.until_ready().await;
        match transport.send(email).await {
            Ok(_) => Ok(SendEmailResponse { message_id }),
            Err(e) => {
                let kind = if e.is_timeout() {
                    ProviderErrorKind::Timeout
                } else if e.is_permanent() {
                    ProviderErrorKind::Rejected
                } else if e.is_transient() {
                    ProviderErrorKind::Unavailable
                } else {
                    ProviderErrorKind::Connection
                };
                let at = format!("{}:{}", self.config.host, self.config.port);
                let failure = self.error(kind, format!("SMTP server {at}: {e}"));
                // The server's reply, when it gave one (its SMTP code is the vendor code), or
                // the transport: an email is idempotent by its Message-ID, so a lost answer is
                // worth retrying, not an unknown outcome.
                let failure = match e.status() {
                    Some(code) => {
                        let mut f = failure.with_vendor_code(code.to_string());
                        f.source_of_failure = FailureSource::Response;
                        f
                    }
                    None => failure.from_transport(false),
                };
                Err(failure.with_source(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "canary-SMTP-pa55word-7f3a";

    fn config(port: u16) -> SmtpConfig {
        SmtpConfig::new("127.0.0.1", port)
            .credentials("desk@example.org", CANARY)
            .tls(SmtpTls::None)
            .timeout(Duration::from_secs(2))
    }

    // R-SDK-2
    #[test]
    fn the_password_never_appears_in_debug_output() {
        let cfg = config(2525);
        assert!(!format!("{cfg:?}").contains(CANARY));
        assert!(!format!("{cfg:#?}").contains(CANARY));
        let mailer = SmtpMailer::new(cfg).unwrap();
        assert!(!format!("{mailer:?}").contains(CANARY));
        assert!(format!("{mailer:?}").contains("<redacted>"));
    }

    // R-SDK-2
    #[tokio::test]
    async fn an_unreachable_server_is_a_typed_retryable_error_without_the_password() {
        // A port nothing listens on: bind one, then free it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mailer = SmtpMailer::new(config(port)).unwrap();
        let err = mailer
            .send(EmailMessage {
                from: "desk@example.org".into(),
                to: "ada@example.org".into(),
                subject: "hello".into(),
                body: "hello".into(),
                html_body: None,
                idempotency_key: "k1".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.provider, "smtp");
        assert_eq!(err.operation, "send");
        assert!(err.retryable(), "{err}");
        assert_eq!(err.source_of_failure, FailureSource::Transport);
        assert_eq!(err.retry, RetryClass::Transient);
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(CANARY));
        assert!(shown.contains(&format!("127.0.0.1:{port}")));
    }

    /// A server that answers every SMTP command with `reply`.
    async fn refusing_server(reply: &'static str) -> u16 {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let (read, mut write) = socket.into_split();
            write.write_all(b"220 refusing ESMTP\r\n").await.unwrap();
            let mut lines = BufReader::new(read).lines();
            while let Ok(Some(_)) = lines.next_line().await {
                if write.write_all(reply.as_bytes()).await.is_err() {
                    break;
                }
            }
        });
        port
    }

    // R-SDK-2
    #[tokio::test]
    async fn a_server_refusal_is_its_response_with_the_smtp_code_and_permanent() {
        let port = refusing_server("550 5.7.1 relaying denied\r\n").await;
        let mut cfg = config(port);
        cfg.username = None;
        cfg.password = None;
        let mailer = SmtpMailer::new(cfg).unwrap();
        let err = mailer
            .send(EmailMessage {
                from: "desk@example.org".into(),
                to: "ada@example.org".into(),
                subject: "hello".into(),
                body: "hello".into(),
                html_body: None,
                idempotency_key: "k1".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.source_of_failure, FailureSource::Response, "{err}");
        assert_eq!(err.vendor_code.as_deref(), Some("550"));
        assert_eq!(err.retry, RetryClass::Permanent);
    }

    #[test]
    fn a_username_without_a_password_is_refused() {
        let mut cfg = SmtpConfig::new("mail.example.org", 587);
        cfg.username = Some("desk".into());
        let err = SmtpMailer::new(cfg).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation);
    }
}
