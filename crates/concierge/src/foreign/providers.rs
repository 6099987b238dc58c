//! The provider traits implemented over a [`Caller`]: one type per kind of adapter written in
//! another language. Each method is the trait's, called by its snake_case name with the trait's
//! request as JSON; `write` marks the calls that may change something at the vendor (their
//! default retry class differs, see [`RetryClass::of`]).

use super::Caller;
use super::ForeignCall;
use async_trait::async_trait;
use concierge_core::*;
use secrecy::ExposeSecret;
use std::sync::Arc;

/// A [`PmsProvider`] written in another language.
#[derive(Debug)]
pub struct ForeignPms {
    caller: Caller,
    properties_per_listing: usize,
}

impl ForeignPms {
    /// The PMS adapter `name` reached through `call`; it lists `properties_per_listing`
    /// properties at once (at least 1, and 1 when not given; see
    /// [`PmsProvider::properties_per_listing`]).
    pub fn new(
        name: impl Into<String>,
        properties_per_listing: Option<usize>,
        call: Arc<dyn ForeignCall>,
    ) -> Self {
        Self {
            caller: Caller::new(name.into(), call),
            properties_per_listing: properties_per_listing.unwrap_or(1).max(1),
        }
    }
}

#[async_trait]
impl PmsProvider for ForeignPms {
    fn name(&self) -> &str {
        &self.caller.name
    }

    async fn list_properties(
        &self,
        req: ListPmsPropertiesRequest,
    ) -> ProviderResult<Page<PmsProperty>> {
        self.caller.page("list_properties", &req).await
    }

    async fn list_units(&self, req: ListPmsUnitsRequest) -> ProviderResult<Page<PmsUnit>> {
        self.caller.page("list_units", &req).await
    }

    async fn list_residents(
        &self,
        req: ListPmsResidentsRequest,
    ) -> ProviderResult<Page<PmsResident>> {
        self.caller.page("list_residents", &req).await
    }

    fn properties_per_listing(&self) -> usize {
        self.properties_per_listing
    }
}

/// A [`StrataProvider`] written in another language.
#[derive(Debug)]
pub struct ForeignStrata {
    caller: Caller,
}

impl ForeignStrata {
    /// The strata adapter `name` reached through `call`.
    pub fn new(name: impl Into<String>, call: Arc<dyn ForeignCall>) -> Self {
        Self {
            caller: Caller::new(name.into(), call),
        }
    }
}

#[async_trait]
impl StrataProvider for ForeignStrata {
    fn name(&self) -> &str {
        &self.caller.name
    }

    async fn list_buildings(
        &self,
        req: ListStrataBuildingsRequest,
    ) -> ProviderResult<Page<StrataBuilding>> {
        self.caller.page("list_buildings", &req).await
    }

    async fn get_building(&self, req: GetStrataBuildingRequest) -> ProviderResult<StrataBuilding> {
        self.caller.decoded("get_building", &req, false).await
    }

    async fn list_users(&self, req: ListStrataUsersRequest) -> ProviderResult<Page<StrataUser>> {
        self.caller.page("list_users", &req).await
    }
}

/// An [`IntercomProvider`] written in another language.
#[derive(Debug)]
pub struct ForeignIntercom {
    caller: Caller,
    consent_url: Option<String>,
}

impl ForeignIntercom {
    /// The intercom adapter `name` reached through `call`; `consent_url` is where a building
    /// admin gives the one-time consent, when the intercom needs one.
    pub fn new(
        name: impl Into<String>,
        consent_url: Option<String>,
        call: Arc<dyn ForeignCall>,
    ) -> Self {
        Self {
            caller: Caller::new(name.into(), call),
            consent_url,
        }
    }
}

/// List the buildings an intercom's integration can see (the request of the trait's
/// `list_buildings`, which takes the cursor alone).
#[derive(Clone, Debug, Default, serde::Serialize, schemars::JsonSchema)]
pub struct ListIntercomBuildingsRequest {
    /// Where to start.
    pub cursor: Option<Cursor>,
}

/// Complete the intercom's one-time consent (the request of the trait's `authorize`, whose
/// code is kept secret everywhere but on its way to the adapter).
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct AuthorizeArgs {
    /// The authorization code the building admin was shown. Secret.
    #[schemars(extend("x-sensitive" = true))]
    pub code: String,
}

/// One email to send (the trait's [`EmailMessage`], whose bodies are kept out of its `Debug`).
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct SendEmailArgs {
    /// Sender (the email's `From`).
    pub sender: String,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body. Holds the activation link: never log it or quote it in an error.
    #[schemars(extend("x-sensitive" = true))]
    pub body: String,
    /// HTML body, the alternative to `body`, when there is one. Holds the activation link.
    #[schemars(extend("x-sensitive" = true))]
    pub html_body: Option<String>,
    /// The same key twice sends one email.
    pub idempotency_key: String,
}

#[async_trait]
impl IntercomProvider for ForeignIntercom {
    fn name(&self) -> &str {
        &self.caller.name
    }

    fn consent_url(&self) -> Option<String> {
        self.consent_url.clone()
    }

    async fn authorize(&self, req: AuthorizeIntercomRequest) -> ProviderResult<()> {
        // The adapter needs the code itself; it crosses to the adapter's language and nowhere
        // else (the arguments are never logged).
        let args = AuthorizeArgs {
            code: req.code.expose_secret().to_owned(),
        };
        self.caller.raw("authorize", &args, true).await.map(drop)
    }

    async fn list_buildings(
        &self,
        cursor: Option<Cursor>,
    ) -> ProviderResult<Page<IntercomBuilding>> {
        self.caller
            .page("list_buildings", &ListIntercomBuildingsRequest { cursor })
            .await
    }

    async fn get_building(
        &self,
        req: GetIntercomBuildingRequest,
    ) -> ProviderResult<IntercomBuilding> {
        self.caller.decoded("get_building", &req, false).await
    }

    async fn ensure_placeholder(
        &self,
        req: EnsurePlaceholderRequest,
    ) -> ProviderResult<EnsurePlaceholderResponse> {
        self.caller.decoded("ensure_placeholder", &req, true).await
    }

    async fn preflight(&self, req: PreflightRequest) -> ProviderResult<PreflightResponse> {
        self.caller.decoded("preflight", &req, false).await
    }

    async fn list_tenants(
        &self,
        req: ListIntercomTenantsRequest,
    ) -> ProviderResult<Page<IntercomTenant>> {
        self.caller.page("list_tenants", &req).await
    }

    async fn create_visitor_pass(
        &self,
        req: CreateVisitorPassRequest,
    ) -> ProviderResult<CreateVisitorPassResponse> {
        self.caller.decoded("create_visitor_pass", &req, true).await
    }

    async fn revoke_visitor_pass(&self, req: RevokeVisitorPassRequest) -> ProviderResult<()> {
        self.caller
            .raw("revoke_visitor_pass", &req, true)
            .await
            .map(drop)
    }
}

/// A [`KeyEncoder`] written in another language.
#[derive(Debug)]
pub struct ForeignKeyEncoder {
    caller: Caller,
}

impl ForeignKeyEncoder {
    /// The key encoder adapter `name` reached through `call`.
    pub fn new(name: impl Into<String>, call: Arc<dyn ForeignCall>) -> Self {
        Self {
            caller: Caller::new(name.into(), call),
        }
    }
}

#[async_trait]
impl KeyEncoder for ForeignKeyEncoder {
    fn name(&self) -> &str {
        &self.caller.name
    }

    async fn list_encoders(
        &self,
        req: ListEncodersRequest,
    ) -> ProviderResult<ListEncodersResponse> {
        self.caller.decoded("list_encoders", &req, false).await
    }

    async fn encode_key(&self, req: EncodeKeyRequest) -> ProviderResult<EncodeKeyResponse> {
        self.caller.decoded("encode_key", &req, true).await
    }

    async fn key_state(&self, req: KeyStateRequest) -> ProviderResult<KeyStateResponse> {
        self.caller.decoded("key_state", &req, false).await
    }

    async fn cancel_key(&self, req: CancelKeyRequest) -> ProviderResult<()> {
        self.caller.raw("cancel_key", &req, true).await.map(drop)
    }
}

/// A [`Mailer`] written in another language.
#[derive(Debug)]
pub struct ForeignMailer {
    caller: Caller,
}

impl ForeignMailer {
    /// The mailer adapter `name` reached through `call`.
    pub fn new(name: impl Into<String>, call: Arc<dyn ForeignCall>) -> Self {
        Self {
            caller: Caller::new(name.into(), call),
        }
    }
}

#[async_trait]
impl Mailer for ForeignMailer {
    fn name(&self) -> &str {
        &self.caller.name
    }

    async fn send(&self, message: EmailMessage) -> ProviderResult<SendEmailResponse> {
        // The bodies may hold an activation link: the adapter must have them to send them,
        // and they cross to its language and nowhere else.
        let args = SendEmailArgs {
            sender: message.from,
            to: message.to,
            subject: message.subject,
            body: message.body,
            html_body: message.html_body,
            idempotency_key: message.idempotency_key,
        };
        self.caller.decoded("send", &args, true).await
    }
}
