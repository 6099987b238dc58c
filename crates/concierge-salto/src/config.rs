//! The adapter's configuration: connection settings, polling, and every HTTP route the vendor
//! reference does not confirm (tagged \[INF\], \[3P\] or \[UNK\] there), as templates.

use crate::names::{Placeholder, template_problem};
use concierge_core::validate::Checks;
use concierge_http::{ExposeSecret, RetryPolicy, SecretString};
use std::fmt;
use std::time::Duration;

/// Nebula's HTTP/JSON base URL, version included. \[3P\]
pub const DEFAULT_BASE_URL: &str = "https://nebula.saltoapis.com/v1";
/// SALTO's OAuth2 token endpoint (client credentials, form-encoded). \[DOC\]
pub const DEFAULT_TOKEN_URL: &str = "https://account.saltosystems.com/oauth2/token";
/// The scope Nebula needs. \[DOC\]
pub const DEFAULT_SCOPE: &str = "https://saltoapis.com/auth/nebula";
/// The first wait between two polls of an encoding operation.
pub const DEFAULT_POLL_INITIAL: Duration = Duration::from_millis(500);
/// The longest wait between two polls (the wait doubles from [`DEFAULT_POLL_INITIAL`]).
pub const DEFAULT_POLL_MAX: Duration = Duration::from_secs(5);
/// The time one HTTP attempt may take unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Encoders asked for per page (`page_size`).
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest page size accepted by [`SaltoConfig`].
pub const MAX_PAGE_SIZE: u32 = 1000;

/// The HTTP routes, as templates appended to the base URL.
///
/// Placeholders, each replaced by a value whose path segments are percent-encoded (the `/`
/// between segments is kept):
///
/// | placeholder | value | e.g. |
/// | --- | --- | --- |
/// | `{installation}` | the installation id | `inst-1` |
/// | `{user}` | the user's resource name | `installations/inst-1/users/intent-1` |
/// | `{card_key}` | the user's card key's resource name | `installations/inst-1/users/intent-1/card-key` |
/// | `{operation}` | the operation's resource name, as Nebula returned it | `operations/op-1` |
/// | `{encoder}` | the encoder's resource name | `installations/inst-1/encoders/enc-1` |
///
/// A template may use only the placeholders its route knows (listed per field); any other is
/// refused by [`SaltoEncoder::new`](crate::SaltoEncoder::new). The defaults follow Google's
/// HTTP/JSON conventions (AIP-131 to 136), which SALTO's SDK descriptors hint at but do not
/// publish: verify them on a sandbox.
///
/// Deserialised field by field: an absent route keeps its default, an unknown key is refused.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Routes {
    /// `UserService.GetUser` (`GET`). Knows `{installation}`, `{user}`. Default `/{user}`.
    /// \[INF\]
    pub get_user: String,
    /// `UserService.CreateUser` (`POST`, body the `User`, `user_id` as a query parameter).
    /// Knows `{installation}`. Default `/installations/{installation}/users`. \[INF\]
    pub create_user: String,
    /// `UserService.EncodeCardKey` (`POST`, body `{"encoder": ...}`). Knows `{installation}`,
    /// `{user}`, `{card_key}`. Default `/{card_key}:encode`. \[INF\]
    pub encode_card_key: String,
    /// `UserService.CancelCardKey` (`POST`, empty body). Knows `{installation}`, `{user}`,
    /// `{card_key}`. Default `/{card_key}:cancel`. \[INF\]
    pub cancel_card_key: String,
    /// `OperationService.GetOperation` (`GET`). Knows `{installation}`, `{operation}`. Default
    /// `/{operation}`. \[INF\]
    pub get_operation: String,
    /// `OperationService.CancelOperation` (`POST`, empty body). Knows `{installation}`,
    /// `{operation}`. Default `/{operation}:cancel`. \[INF\]
    pub cancel_operation: String,
    /// `EncoderService.ListEncoders` (`GET`, `page_size` and `page_token` as query parameters).
    /// Knows `{installation}`. Default `/installations/{installation}/encoders`. \[INF\]
    pub list_encoders: String,
    /// `EncoderService.GetEncoder` (`GET`). Knows `{installation}`, `{encoder}`. Default
    /// `/{encoder}`. \[INF\]
    pub get_encoder: String,
}

impl Default for Routes {
    fn default() -> Self {
        Self {
            get_user: "/{user}".into(),
            create_user: "/installations/{installation}/users".into(),
            encode_card_key: "/{card_key}:encode".into(),
            cancel_card_key: "/{card_key}:cancel".into(),
            get_operation: "/{operation}".into(),
            cancel_operation: "/{operation}:cancel".into(),
            list_encoders: "/installations/{installation}/encoders".into(),
            get_encoder: "/{encoder}".into(),
        }
    }
}

impl Routes {
    /// Each route: its name, its template and the placeholders it knows.
    pub(crate) fn each(&self) -> [(&'static str, &str, &'static [Placeholder]); 8] {
        use Placeholder::*;
        [
            ("get_user", &self.get_user, &[Installation, User]),
            ("create_user", &self.create_user, &[Installation]),
            (
                "encode_card_key",
                &self.encode_card_key,
                &[Installation, User, CardKey],
            ),
            (
                "cancel_card_key",
                &self.cancel_card_key,
                &[Installation, User, CardKey],
            ),
            (
                "get_operation",
                &self.get_operation,
                &[Installation, Operation],
            ),
            (
                "cancel_operation",
                &self.cancel_operation,
                &[Installation, Operation],
            ),
            ("list_encoders", &self.list_encoders, &[Installation]),
            ("get_encoder", &self.get_encoder, &[Installation, Encoder]),
        ]
    }
}

/// How to reach a SALTO Nebula (Homelok) installation, and the adapter's choices.
///
/// Build it with [`SaltoConfig::new`] and adjust the public fields. `Debug` prints the client
/// secret as `<redacted>`.
///
/// ```
/// use concierge_http::SecretString;
/// use concierge_salto::SaltoConfig;
/// use std::time::Duration;
///
/// let mut config = SaltoConfig::new("inst-1", "client-id", SecretString::from("client-secret"));
/// config.poll_max = Duration::from_secs(2);
/// config.routes.get_operation = "/{operation}".into();
/// assert!(!format!("{config:?}").contains("client-secret"));
/// ```
///
/// It deserialises (from JSON, TOML, or a binding's dictionary) from the shape of its JSON
/// schema ([`schemars::JsonSchema`]): `installation`, `client_id` and `client_secret` required,
/// every other field optional with the default of [`SaltoConfig::new`], durations as plain
/// numbers (`poll_initial_ms`, `poll_max_ms`, `timeout_seconds`), unknown keys refused.
#[derive(Clone, serde::Deserialize)]
#[serde(from = "SaltoSettings")]
#[non_exhaustive]
pub struct SaltoConfig {
    /// Nebula's HTTP/JSON base URL, version included. Default [`DEFAULT_BASE_URL`].
    pub base_url: String,
    /// The OAuth2 token endpoint. Default [`DEFAULT_TOKEN_URL`].
    pub token_url: String,
    /// The OAuth2 client id (issued by SALTO's technical contact).
    pub client_id: String,
    /// The OAuth2 client secret. Never logged, printed or put in an error.
    pub client_secret: SecretString,
    /// The scope asked for, space separated; empty for none. Default [`DEFAULT_SCOPE`].
    pub scope: String,
    /// The installation's id (the `{i}` of `installations/{i}`).
    pub installation: String,
    /// The first wait between two polls of an encoding operation; it doubles up to
    /// [`poll_max`](Self::poll_max). Default 500 ms.
    pub poll_initial: Duration,
    /// The longest wait between two polls. Default 5 s.
    pub poll_max: Duration,
    /// Encoders asked for per page. Default 100.
    pub page_size: u32,
    /// The HTTP routes. Default [`Routes::default`].
    pub routes: Routes,
    /// The time one HTTP attempt may take. Default 30 s.
    pub timeout: Duration,
    /// Retries of timeouts, connection failures, 408, 429 and 5xx (by the transport), and of
    /// `409`/`ABORTED` concurrency conflicts (by the adapter). Default [`RetryPolicy::default`].
    pub retry: RetryPolicy,
    /// Whether a card key's `outdated` flag makes [`key_state`](concierge_core::KeyEncoder::key_state)
    /// answer `Outdated`. Default `false`: in Nebula `outdated` means "has pending updates" (the
    /// card still works and picks them up at the next online point), not cancelled or superseded.
    /// \[adapter's choice\]
    pub outdated_flag_is_superseded: bool,
}

impl SaltoConfig {
    /// A configuration for `installation` with every default.
    pub fn new(
        installation: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            token_url: DEFAULT_TOKEN_URL.to_string(),
            client_id: client_id.into(),
            client_secret,
            scope: DEFAULT_SCOPE.to_string(),
            installation: installation.into(),
            poll_initial: DEFAULT_POLL_INITIAL,
            poll_max: DEFAULT_POLL_MAX,
            page_size: DEFAULT_PAGE_SIZE,
            routes: Routes::default(),
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            outdated_flag_is_superseded: false,
        }
    }

    /// Records every value `SaltoEncoder::new` cannot work with in `checks`, each under
    /// `prefix` and the field's name (e.g. `salto.page_size`). Messages name the rule, never
    /// the value.
    pub fn check(&self, prefix: &str, checks: &mut Checks) {
        let field = |name: &str| format!("{prefix}{name}");
        if self.client_id.trim().is_empty() {
            checks.fail(&field("client_id"), "must not be empty");
        }
        if self.client_secret.expose_secret().is_empty() {
            checks.fail(&field("client_secret"), "must not be empty");
        }
        let installation = self.installation.trim();
        if installation.is_empty()
            || installation.contains('/')
            || installation != self.installation
        {
            checks.fail(
                &field("installation"),
                "must be an installation id (the {i} of installations/{i})",
            );
        }
        if self.poll_initial.is_zero() {
            checks.fail(&field("poll_initial_ms"), "must be positive");
        }
        if self.poll_max < self.poll_initial {
            checks.fail(&field("poll_max_ms"), "must be at least poll_initial_ms");
        }
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            checks.fail(
                &field("page_size"),
                format!("must be between 1 and {MAX_PAGE_SIZE}"),
            );
        }
        if self.timeout.is_zero() {
            checks.fail(&field("timeout_seconds"), "must be positive");
        }
        for (route, template, known) in self.routes.each() {
            if let Some(problem) = template_problem(template, known) {
                checks.fail(&field(&format!("routes.{route}")), problem);
            }
        }
    }

    /// The values `SaltoEncoder::new` cannot work with, as one message.
    pub(crate) fn problems(&self) -> Option<String> {
        let mut checks = Checks::new();
        self.check("", &mut checks);
        checks.finish().err().map(|e| e.to_string())
    }
}

/// The serialised form of a [`SaltoConfig`]. Absent fields take the defaults of
/// [`SaltoConfig::new`].
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SaltoConfig")]
struct SaltoSettings {
    /// Nebula's HTTP/JSON base URL, version included. Default
    /// `https://nebula.saltoapis.com/v1`.
    base_url: Option<String>,
    /// The OAuth2 token endpoint. Default `https://account.saltosystems.com/oauth2/token`.
    token_url: Option<String>,
    /// The OAuth2 client id (issued by SALTO's technical contact).
    client_id: String,
    /// The OAuth2 client secret. Never logged, printed or put in an error.
    #[schemars(with = "String")]
    client_secret: SecretString,
    /// The scope asked for, space separated; empty for none. Default
    /// `https://saltoapis.com/auth/nebula`.
    scope: Option<String>,
    /// The installation's id (the `{i}` of `installations/{i}`).
    installation: String,
    /// The first wait between two polls of an encoding operation, in milliseconds; it doubles
    /// up to `poll_max_ms`. Default 500.
    poll_initial_ms: Option<u64>,
    /// The longest wait between two polls, in milliseconds. Default 5000.
    poll_max_ms: Option<u64>,
    /// Encoders asked for per page, 1 to 1000. Default 100.
    page_size: Option<u32>,
    /// The HTTP routes, as templates; each absent route keeps its default.
    routes: Option<Routes>,
    /// The time one HTTP attempt may take, in seconds. Default 30.
    timeout_seconds: Option<u64>,
    /// Retries of transient failures. Default: 5 attempts, 200 ms initial backoff, 10 s maximum.
    retry: Option<RetryPolicy>,
    /// Whether a card key's `outdated` flag means the key was superseded. Default false.
    outdated_flag_is_superseded: Option<bool>,
}

impl From<SaltoSettings> for SaltoConfig {
    fn from(s: SaltoSettings) -> Self {
        let mut c = SaltoConfig::new(s.installation, s.client_id, s.client_secret);
        if let Some(v) = s.base_url {
            c.base_url = v;
        }
        if let Some(v) = s.token_url {
            c.token_url = v;
        }
        if let Some(v) = s.scope {
            c.scope = v;
        }
        if let Some(v) = s.poll_initial_ms {
            c.poll_initial = Duration::from_millis(v);
        }
        if let Some(v) = s.poll_max_ms {
            c.poll_max = Duration::from_millis(v);
        }
        if let Some(v) = s.page_size {
            c.page_size = v;
        }
        if let Some(v) = s.routes {
            c.routes = v;
        }
        if let Some(v) = s.timeout_seconds {
            c.timeout = Duration::from_secs(v);
        }
        if let Some(v) = s.retry {
            c.retry = v;
        }
        if let Some(v) = s.outdated_flag_is_superseded {
            c.outdated_flag_is_superseded = v;
        }
        c
    }
}

impl schemars::JsonSchema for SaltoConfig {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        SaltoSettings::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        SaltoSettings::json_schema(generator)
    }
}

impl fmt::Debug for SaltoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaltoConfig")
            .field("base_url", &self.base_url)
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("scope", &self.scope)
            .field("installation", &self.installation)
            .field("poll_initial", &self.poll_initial)
            .field("poll_max", &self.poll_max)
            .field("page_size", &self.page_size)
            .field("routes", &self.routes)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field(
                "outdated_flag_is_superseded",
                &self.outdated_flag_is_superseded,
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SaltoConfig {
        SaltoConfig::new("inst-1", "id", SecretString::from("s3cret-value"))
    }

    #[test]
    fn defaults_follow_the_vendor_reference() {
        let c = config();
        assert_eq!(c.base_url, "https://nebula.saltoapis.com/v1");
        assert_eq!(c.token_url, "https://account.saltosystems.com/oauth2/token");
        assert_eq!(c.scope, "https://saltoapis.com/auth/nebula");
        assert_eq!(c.poll_initial, Duration::from_millis(500));
        assert_eq!(c.poll_max, Duration::from_secs(5));
        assert_eq!(c.routes.encode_card_key, "/{card_key}:encode");
        assert_eq!(c.routes.cancel_operation, "/{operation}:cancel");
        assert!(c.problems().is_none(), "{:?}", c.problems());
    }

    #[test]
    fn debug_redacts_the_client_secret() {
        let shown = format!("{:?}", config());
        assert!(!shown.contains("s3cret-value"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn a_route_using_a_placeholder_it_does_not_know_is_refused() {
        let mut c = config();
        c.routes.create_user = "/installations/{installation}/users/{user}".into();
        let problem = c.problems().unwrap();
        assert!(problem.contains("create_user"), "{problem}");
        assert!(problem.contains("{user}"), "{problem}");
        let mut c = config();
        c.routes.get_operation = "/{operaton}".into();
        assert!(c.problems().unwrap().contains("get_operation"));
        let mut c = config();
        c.routes.get_user = "users/{user".into();
        assert!(c.problems().is_some());
    }

    #[test]
    fn unusable_values_are_refused() {
        let mut c = config();
        c.installation = "installations/inst-1".into();
        assert!(c.problems().is_some());
        let mut c = config();
        c.poll_max = Duration::from_millis(1);
        assert!(c.problems().is_some());
        let mut c = config();
        c.page_size = 0;
        assert!(c.problems().is_some());
        let mut c = config();
        c.client_secret = SecretString::from("");
        assert!(c.problems().is_some());
    }

    #[test]
    fn deserialises_with_the_defaults_of_new_and_refuses_unknown_keys() {
        let c: SaltoConfig = serde_json::from_value(serde_json::json!({
            "installation": "inst-1", "client_id": "id", "client_secret": "s3cret-value",
            "poll_max_ms": 2000, "routes": {"get_user": "/users/{user}"},
        }))
        .unwrap();
        assert_eq!(c.poll_max, Duration::from_secs(2));
        assert_eq!(c.poll_initial, DEFAULT_POLL_INITIAL);
        assert_eq!(c.routes.get_user, "/users/{user}");
        assert_eq!(c.routes.create_user, Routes::default().create_user);
        assert!(c.problems().is_none());
        for bad in [
            serde_json::json!({"installation": "i", "client_id": "id", "client_secret": "s", "pol_max_ms": 1}),
            serde_json::json!({"installation": "i", "client_id": "id", "client_secret": "s", "routes": {"get_usr": "/x"}}),
        ] {
            assert!(serde_json::from_value::<SaltoConfig>(bad).is_err());
        }
    }
}
