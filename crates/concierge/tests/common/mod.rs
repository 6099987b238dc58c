//! Shared arrange steps for the facade's scenario tests.
#![allow(dead_code)]

use concierge::sandbox::Sandbox;
use concierge::*;
use std::sync::Arc;

pub struct World {
    pub sandbox: Sandbox,
    pub store: Arc<MemoryStore>,
    pub concierge: Concierge,
    pub admin: Admin,
    pub property: Property,
    pub building: Building,
    pub unit: Unit,
}

pub async fn world() -> World {
    world_with(PropertySettings::default()).await
}

pub async fn world_with(settings: PropertySettings) -> World {
    let sandbox = Sandbox::new(7);
    let store = Arc::new(MemoryStore::new());
    let concierge = Concierge::builder()
        .sandbox(&sandbox)
        .store_arc(store.clone())
        .build()
        .unwrap();
    let admin = Admin::full_access("front-desk-1", "Front desk");
    let property = concierge
        .register_property(
            &admin,
            NewProperty::new("Harbour View", "harbour-view").settings(settings),
        )
        .await
        .unwrap();
    let building = concierge
        .register_building(&admin, NewBuilding::new(&property.id, "Tower A"))
        .await
        .unwrap();
    let unit = concierge
        .register_unit(&admin, NewUnit::new(&building.id, "1204").floor("12"))
        .await
        .unwrap();
    World {
        sandbox,
        store,
        concierge,
        admin,
        property,
        building,
        unit,
    }
}

impl World {
    pub async fn move_in_ada(&self, send_activation: bool) -> Resident {
        self.concierge
            .move_in(
                &self.admin,
                MoveIn::new(&self.unit.id, "Ada", "Lovelace")
                    .email("ada@example.org")
                    .send_mobile_activation(send_activation),
            )
            .await
            .unwrap()
    }

    pub fn token_for(&self, email: &str) -> String {
        self.sandbox
            .mailer()
            .last_activation_token(email)
            .expect("an activation email was sent")
    }

    pub async fn residents(&self) -> Vec<Resident> {
        self.concierge
            .list_residents(
                &self.admin,
                ResidentFilter::property(&self.property.id),
                PageRequest::first(),
            )
            .await
            .unwrap()
            .items
    }
}
