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
#[derive(Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    description = "How to reach a SALTO Nebula (Homelok) installation, and the \
    adapter's choices: `installation`, `client_id` and `client_secret` required, every other \
    field optional with its default, unknown keys refused."
)]
#[non_exhaustive]
pub struct SaltoConfig {
    /// Nebula's HTTP/JSON base URL, version included. Default
    /// `https://nebula.saltoapis.com/v1` (`DEFAULT_BASE_URL`).
    #[serde(default = "defaults::base_url")]
    pub base_url: String,
    /// The OAuth2 token endpoint. Default `https://account.saltosystems.com/oauth2/token`
    /// (`DEFAULT_TOKEN_URL`).
    #[serde(default = "defaults::token_url")]
    pub token_url: String,
    /// The OAuth2 client id (issued by SALTO's technical contact).
    pub client_id: String,
    /// The OAuth2 client secret. Never logged, printed or put in an error.
    #[schemars(with = "String")]
    pub client_secret: SecretString,
    /// The scope asked for, space separated; empty for none. Default
    /// `https://saltoapis.com/auth/nebula` (`DEFAULT_SCOPE`).
    #[serde(default = "defaults::scope")]
    pub scope: String,
    /// The installation's id (the `{i}` of `installations/{i}`).
    pub installation: String,
    /// The first wait between two polls of an encoding operation; it doubles up to `poll_max`
    /// (`poll_max_ms`). Serialised as `poll_initial_ms`, whole milliseconds. Default 500 ms.
    #[serde(
        rename = "poll_initial_ms",
        default = "defaults::poll_initial",
        with = "concierge_http::serde_duration::millis"
    )]
    #[schemars(with = "u64")]
    pub poll_initial: Duration,
    /// The longest wait between two polls. Serialised as `poll_max_ms`, whole milliseconds.
    /// Default 5 s.
    #[serde(
        rename = "poll_max_ms",
        default = "defaults::poll_max",
        with = "concierge_http::serde_duration::millis"
    )]
    #[schemars(with = "u64")]
    pub poll_max: Duration,
    /// Encoders asked for per page, 1 to 1000. Default 100.
    #[serde(default = "defaults::page_size")]
    pub page_size: u32,
    /// The HTTP routes, as templates; each absent route keeps its default. Default
    /// `Routes::default()`.
    #[serde(default)]
    pub routes: Routes,
    /// The time one HTTP attempt may take; serialised as `timeout_seconds`, a number of seconds
    /// (fractions allowed). Default 30 s.
    #[serde(
        rename = "timeout_seconds",
        default = "defaults::timeout",
        with = "concierge_http::serde_duration::seconds"
    )]
    #[schemars(with = "f64")]
    pub timeout: Duration,
    /// Retries of timeouts, connection failures, 408, 429 and 5xx (by the transport), and of
    /// `409`/`ABORTED` concurrency conflicts (by the adapter). Default `RetryPolicy::default()`:
    /// 5 attempts, 200 ms initial backoff, 10 s maximum.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Whether a card key's `outdated` flag makes `KeyEncoder::key_state` answer `Outdated`.
    /// Default `false`: in Nebula `outdated` means "has pending updates" (the card still works
    /// and picks them up at the next online point), not cancelled or superseded.
    /// \[adapter's choice\]
    #[serde(default = "defaults::outdated_flag_is_superseded")]
    pub outdated_flag_is_superseded: bool,
}

/// The default of each field [`SaltoConfig::new`] does not take, used by `new` and by
/// deserialisation alike. Fields whose default is their type's `Default` (the routes and the
/// retry policy) use that instead.
mod defaults {
    use super::*;

    pub(super) fn base_url() -> String {
        DEFAULT_BASE_URL.to_string()
    }

    pub(super) fn token_url() -> String {
        DEFAULT_TOKEN_URL.to_string()
    }

    pub(super) fn scope() -> String {
        DEFAULT_SCOPE.to_string()
    }

    pub(super) fn poll_initial() -> Duration {
        DEFAULT_POLL_INITIAL
    }

    pub(super) fn poll_max() -> Duration {
        DEFAULT_POLL_MAX
    }

    pub(super) fn page_size() -> u32 {
        DEFAULT_PAGE_SIZE
    }

    pub(super) fn timeout() -> Duration {
        DEFAULT_TIMEOUT
    }

    pub(super) fn outdated_flag_is_superseded() -> bool {
        false
    }
}

impl SaltoConfig {
    /// A configuration for `installation` with every default.
    pub fn new(
        installation: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> Self {
        Self {
            base_url: defaults::base_url(),
            token_url: defaults::token_url(),
            client_id: client_id.into(),
            client_secret,
            scope: defaults::scope(),
            installation: installation.into(),
            poll_initial: defaults::poll_initial(),
            poll_max: defaults::poll_max(),
            page_size: defaults::page_size(),
            routes: Routes::default(),
            timeout: defaults::timeout(),
            retry: RetryPolicy::default(),
            outdated_flag_is_superseded: defaults::outdated_flag_is_superseded(),
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

impl fmt::Debug for SaltoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaltoConfig")
            .field("base_url", &concierge_http::redact_url(&self.base_url))
            .field("token_url", &concierge_http::redact_url(&self.token_url))
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

    fn from_json(extra: serde_json::Value) -> Result<SaltoConfig, serde_json::Error> {
        let mut value = serde_json::json!({
            "installation": "inst-1", "client_id": "id", "client_secret": "s3cret-value",
        });
        for (k, v) in extra.as_object().unwrap() {
            value[k] = v.clone();
        }
        serde_json::from_value(value)
    }

    #[test]
    fn the_required_fields_alone_give_the_config_of_new() {
        let c = from_json(serde_json::json!({})).unwrap();
        assert_eq!(format!("{c:?}"), format!("{:?}", config()));
        assert_eq!(c.client_secret.expose_secret(), "s3cret-value");
        for missing in ["installation", "client_id", "client_secret"] {
            let mut value = serde_json::json!({
                "installation": "inst-1", "client_id": "id", "client_secret": "s3cret-value",
            });
            value.as_object_mut().unwrap().remove(missing);
            let err = serde_json::from_value::<SaltoConfig>(value).err().unwrap();
            assert!(err.to_string().contains(missing), "{err}");
        }
        let err = from_json(serde_json::json!({"scop": "x"})).err().unwrap();
        assert!(err.to_string().contains("scop"), "{err}");
        // The Rust field names are not the serialised ones.
        let err = from_json(serde_json::json!({"poll_max": 5})).err().unwrap();
        assert!(
            err.to_string().contains("unknown field `poll_max`"),
            "{err}"
        );
    }

    #[test]
    fn durations_are_plain_numbers_the_timeout_fractional() {
        let c = from_json(serde_json::json!({
            "timeout_seconds": 0.5, "poll_initial_ms": 250, "poll_max_ms": 1500,
        }))
        .unwrap();
        assert_eq!(c.timeout, Duration::from_millis(500));
        assert_eq!(c.poll_initial, Duration::from_millis(250));
        assert_eq!(c.poll_max, Duration::from_millis(1500));
        for (key, bad) in [
            ("timeout_seconds", serde_json::json!(-1)),
            ("timeout_seconds", serde_json::json!(-0.5)),
            ("poll_initial_ms", serde_json::json!(-1)),
            ("poll_max_ms", serde_json::json!(1.5)),
        ] {
            let err = from_json(serde_json::json!({ key: bad }));
            assert!(err.is_err(), "{key}: {bad} accepted");
        }
        use serde::de::IntoDeserializer;
        for secs in [f64::NAN, f64::INFINITY, -1.0] {
            let d: serde::de::value::F64Deserializer<serde::de::value::Error> =
                secs.into_deserializer();
            assert!(
                concierge_http::serde_duration::seconds::deserialize(d).is_err(),
                "{secs}"
            );
        }
    }

    #[test]
    fn the_schema_states_the_defaults_and_the_required_fields() {
        let schema = serde_json::to_value(schemars::schema_for!(SaltoConfig)).unwrap();
        let props = &schema["properties"];
        assert_eq!(
            schema["required"],
            serde_json::json!(["client_id", "client_secret", "installation"])
        );
        assert_eq!(schema["additionalProperties"], serde_json::json!(false));
        assert_eq!(props["timeout_seconds"]["type"], "number");
        assert_eq!(props["timeout_seconds"]["default"], 30.0);
        assert_eq!(props["poll_initial_ms"]["type"], "integer");
        assert_eq!(props["poll_initial_ms"]["default"], 500);
        assert_eq!(props["poll_max_ms"]["default"], 5000);
        assert_eq!(props["scope"]["default"], DEFAULT_SCOPE);
    }
}
