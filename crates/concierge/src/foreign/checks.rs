//! The facade's operations running the provider conformance kit ([`concierge_core::kit`])
//! against the handle's adapters, whatever their language: each needs Integrations, full, and
//! takes the adapter's own secrets (its credentials) to look for in its errors; they are used
//! for that and nothing else.

use concierge_core::*;
use secrecy::SecretString;

impl crate::Concierge {
    fn kit_allowed(&self, admin: &Admin, operation: &str) -> Result<()> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            operation,
        )
    }

    /// Runs the kit's PMS checks ([`kit::check_pms`]) against the PMS adapter: reads only.
    pub async fn check_pms_adapter(
        &self,
        admin: &Admin,
        secrets: &[SecretString],
    ) -> Result<kit::AdapterReport> {
        self.kit_allowed(admin, "check_pms_adapter")?;
        let pms = self.configured_pms()?;
        Ok(kit::check_pms(pms.as_ref(), secrets).await)
    }

    /// Runs the kit's strata checks ([`kit::check_strata`]) against the strata adapter: reads
    /// only.
    pub async fn check_strata_adapter(
        &self,
        admin: &Admin,
        secrets: &[SecretString],
    ) -> Result<kit::AdapterReport> {
        self.kit_allowed(admin, "check_strata_adapter")?;
        let strata = self.strata_provider()?;
        Ok(kit::check_strata(strata.as_ref(), secrets).await)
    }

    /// Runs the kit's intercom checks ([`kit::check_intercom`]) against the intercom adapter:
    /// it provisions the kit's placeholder on the intercom's `building` and makes and revokes
    /// one visitor pass, so run it against a test building.
    pub async fn check_intercom_adapter(
        &self,
        admin: &Admin,
        building: &str,
        secrets: &[SecretString],
    ) -> Result<kit::AdapterReport> {
        self.kit_allowed(admin, "check_intercom_adapter")?;
        let intercom = self.intercom_provider()?;
        let run = KeyId::new().to_string();
        Ok(kit::check_intercom(intercom.as_ref(), building, &run, secrets).await)
    }

    /// Runs the kit's key encoder checks ([`kit::check_key_encoder`]) against the key encoder
    /// adapter: it writes one test key on `encoder` and cancels it, so run it against a test
    /// account.
    pub async fn check_key_encoder_adapter(
        &self,
        admin: &Admin,
        encoder: &str,
        secrets: &[SecretString],
    ) -> Result<kit::AdapterReport> {
        self.kit_allowed(admin, "check_key_encoder_adapter")?;
        let key_encoder = self.encoder()?;
        // A fresh id, so each run's test key has an intent of its own.
        let run = KeyId::new().to_string();
        Ok(kit::check_key_encoder(key_encoder.as_ref(), encoder, &run, secrets).await)
    }

    /// Runs the kit's mailer checks ([`kit::check_mailer`]) against the mailer: it sends one
    /// test email to `to`.
    pub async fn check_mailer_adapter(
        &self,
        admin: &Admin,
        to: &str,
        secrets: &[SecretString],
    ) -> Result<kit::AdapterReport> {
        self.kit_allowed(admin, "check_mailer_adapter")?;
        let run = KeyId::new().to_string();
        Ok(kit::check_mailer(self.inner.mailer.as_ref(), to, &run, secrets).await)
    }
}
