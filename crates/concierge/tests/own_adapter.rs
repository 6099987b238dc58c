//! An adapter of one's own (R-SDK-1): a third party implements a provider trait outside the
//! core, here a door intercom kept in memory, hands it to the builder, and the SDK's workflows
//! (link, provision, preflight, visitor passes) run through it unchanged.
#![cfg(feature = "sandbox")]

use async_trait::async_trait;
use concierge::sandbox::SandboxMailer;
use concierge::*;
use std::sync::{Arc, Mutex};

/// A minimal intercom: one building in Auckland, passes kept as (our key, window).
#[derive(Debug, Default)]
struct DeskIntercom {
    passes: Mutex<Vec<(String, TimeWindow)>>,
}

const NAME: &str = "desk-intercom";

fn item(id: &str) -> ExternalRef {
    ExternalRef::new(NAME, id)
}

#[async_trait]
impl IntercomProvider for DeskIntercom {
    fn name(&self) -> &str {
        NAME
    }
    async fn list_buildings(&self, _: Option<Cursor>) -> ProviderResult<Page<IntercomBuilding>> {
        Ok(Page {
            items: vec![Ok(self.building())],
            next: None,
        })
    }
    async fn get_building(
        &self,
        _: GetIntercomBuildingRequest,
    ) -> ProviderResult<IntercomBuilding> {
        Ok(self.building())
    }
    async fn ensure_placeholder(
        &self,
        _: EnsurePlaceholderRequest,
    ) -> ProviderResult<EnsurePlaceholderResponse> {
        Ok(EnsurePlaceholderResponse {
            unit: item("unit-1"),
            tenant: item("tenant-1"),
            created_unit: false,
            created_tenant: false,
        })
    }
    async fn preflight(&self, _: PreflightRequest) -> ProviderResult<PreflightResponse> {
        Ok(PreflightResponse {
            checks: PreflightCheckName::ALL[1..]
                .iter()
                .map(|name| PreflightCheck::new(*name, true, "ok"))
                .collect(),
        })
    }
    async fn list_tenants(
        &self,
        _: ListIntercomTenantsRequest,
    ) -> ProviderResult<Page<IntercomTenant>> {
        Ok(Page::default())
    }
    async fn create_visitor_pass(
        &self,
        req: CreateVisitorPassRequest,
    ) -> ProviderResult<CreateVisitorPassResponse> {
        let mut passes = self.passes.lock().unwrap();
        passes.push((req.idempotency_key.clone(), req.window));
        Ok(CreateVisitorPassResponse {
            external: item(&format!("pass-{}", passes.len())),
            key: None,
            qr_code_url: None,
            instructions_url: None,
            window: req.window,
        })
    }
    async fn revoke_visitor_pass(&self, _: RevokeVisitorPassRequest) -> ProviderResult<()> {
        Ok(())
    }
}

impl DeskIntercom {
    fn building(&self) -> IntercomBuilding {
        IntercomBuilding {
            external: item("b-1"),
            name: "Quay Street".into(),
            time_zone: Some("Pacific/Auckland".into()),
        }
    }
}

// R-SDK-1
#[tokio::test]
async fn an_intercom_adapter_of_ones_own_runs_the_visitor_workflow_unchanged() {
    let intercom = Arc::new(DeskIntercom::default());
    let c = Concierge::builder()
        .mailer(SandboxMailer::new(Default::default()))
        .intercom(intercom.clone())
        .build()
        .unwrap();
    let desk = Admin::full_access("desk-1", "Front desk");
    let mut settings = PropertySettings::default();
    settings.visitors.placeholder_mailbox = Some("intercom@example.org".into());
    let p = c
        .register_property(&desk, NewProperty::new("Quay", "quay").settings(settings))
        .await
        .unwrap();
    let building = c.intercom_buildings(&desk).await.unwrap().remove(0);
    let p = c
        .link_intercom_building(
            &desk,
            LinkIntercomBuilding {
                property_id: p.id.clone(),
                intercom_building_id: building.external.id,
            },
        )
        .await
        .unwrap();
    assert_eq!(p.zone().name(), "Pacific/Auckland");
    c.provision_visitor_site(&desk, &p.id).await.unwrap();
    assert!(c.visitor_preflight(&desk, &p.id).await.unwrap().passed);
    let view = c
        .create_visitor_pass(
            &desk,
            CreateVisitorPass {
                property_id: p.id.clone(),
                visitor_name: "Sam".into(),
                starts_at: VisitTime::parse("2031-06-02T10:00").unwrap(),
                ends_at: VisitTime::parse("2031-06-02T11:00").unwrap(),
                resident_id: None,
                request_key: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(view.pass.state, VisitorPassState::Active);
    assert_eq!(view.pass.external, Some(item("pass-1")));
    // Auckland in June is NZST, UTC+12: the adapter got the window as instants.
    let passes = intercom.passes.lock().unwrap().clone();
    assert_eq!(passes.len(), 1);
    assert_eq!(passes[0].0, view.pass.id.as_str());
    assert_eq!(
        passes[0].1.starts_at.to_rfc3339(),
        "2031-06-01T22:00:00+00:00"
    );
}
