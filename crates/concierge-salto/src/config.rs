//! The adapter's configuration: connection settings, polling, and every HTTP route the vendor
//! reference does not confirm (tagged \[INF\], \[3P\] or \[UNK\] there), as templates.

use crate::names::{Placeholder, template_problem};
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone)]
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

    /// The values `SaltoEncoder::new` cannot work with.
    pub(crate) fn problems(&self) -> Option<String> {
        if self.client_id.trim().is_empty() {
            return Some("the client id is empty".into());
        }
        if self.client_secret.expose_secret().is_empty() {
            return Some("the client secret is empty".into());
        }
        let installation = self.installation.trim();
        if installation.is_empty()
            || installation.contains('/')
            || installation != self.installation
        {
            return Some(
                "the installation must be an installation id (the {i} of installations/{i})".into(),
            );
        }
        if self.poll_initial.is_zero() || self.poll_max < self.poll_initial {
            return Some("poll_initial must be positive and poll_max at least poll_initial".into());
        }
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            return Some(format!(
                "the page size must be between 1 and {MAX_PAGE_SIZE}, not {}",
                self.page_size
            ));
        }
        for (route, template, known) in self.routes.each() {
            if let Some(problem) = template_problem(template, known) {
                return Some(format!("route {route}: {problem}"));
            }
        }
        None
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
}
