//! Buildium's wire messages, field for field as in the vendor's OpenAPI file (every schema
//! there has `additionalProperties: false`; nullable fields are sent as `null`).
//!
//! Nesting: `LeaseMessage.CurrentTenants[]` are full `TenantMessage`s whose `Leases` is `null`,
//! and `TenantMessage.Leases[]` are full `LeaseMessage`s whose `CurrentTenants` is `null`
//! [assumed: the vendor file does not say how deep the real API nests].

use crate::generate::{BUILDINGS, CITIES, MANAGERS, STREETS};
use crate::model::{
    Lease, MoveOut, Portfolio, Property, Tenant, TenantStatus, Unit, format_date, format_ts, mix,
};
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AddressMessage {
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub address_line3: Option<String>,
    pub city: Option<&'static str>,
    pub state: Option<&'static str>,
    pub postal_code: Option<String>,
    pub country: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PhoneNumberMessage {
    pub number: Option<String>,
    #[serde(rename = "Type")]
    pub kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PropertyManagerMessage {
    pub id: i32,
    pub first_name: Option<&'static str>,
    pub last_name: Option<&'static str>,
    pub company_name: Option<&'static str>,
    pub is_company: bool,
    pub profile_photo_url: Option<&'static str>,
    pub email: Option<&'static str>,
    pub phone_numbers: Option<Vec<PhoneNumberMessage>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RentalMessage<'a> {
    pub id: i32,
    pub name: Option<&'a str>,
    pub structure_description: Option<&'static str>,
    pub number_units: i32,
    pub is_active: bool,
    pub operating_bank_account_id: i32,
    pub reserve: f64,
    pub address: Option<AddressMessage>,
    pub year_built: Option<i32>,
    pub rental_type: &'static str,
    pub rental_sub_type: &'static str,
    pub rental_manager: Option<PropertyManagerMessage>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RentalUnitMessage {
    pub id: i32,
    pub property_id: i32,
    pub building_name: Option<&'static str>,
    pub unit_number: Option<String>,
    pub description: Option<&'static str>,
    pub market_rent: Option<f64>,
    pub address: Option<AddressMessage>,
    pub unit_bedrooms: Option<&'static str>,
    pub unit_bathrooms: Option<&'static str>,
    pub unit_size: Option<i32>,
    pub is_unit_listed: Option<bool>,
    pub is_unit_occupied: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct EmergencyContactMessage {
    pub name: Option<String>,
    pub relationship_description: Option<&'static str>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TenantMessage<'a> {
    pub id: i32,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub alternate_email: Option<&'a str>,
    pub phone_numbers: Option<Vec<PhoneNumberMessage>>,
    pub created_date_time: Option<String>,
    pub emergency_contact: Option<EmergencyContactMessage>,
    pub date_of_birth: Option<String>,
    #[serde(rename = "SMSOptInStatus")]
    pub sms_opt_in_status: Option<&'static str>,
    pub address: Option<AddressMessage>,
    pub alternate_address: Option<AddressMessage>,
    pub mailing_preference: Option<&'static str>,
    pub leases: Option<Vec<LeaseMessage<'a>>>,
    pub comment: Option<&'static str>,
    pub tax_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LeaseAccountDetailMessage {
    pub security_deposit: Option<f64>,
    pub rent: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CosignerMessage<'a> {
    pub id: i32,
    pub first_name: Option<&'static str>,
    pub last_name: Option<&'static str>,
    pub email: Option<&'a str>,
    pub alternate_email: Option<&'static str>,
    pub phone_numbers: Option<Vec<PhoneNumberMessage>>,
    pub created_date_time: Option<String>,
    pub address: Option<AddressMessage>,
    pub alternate_address: Option<AddressMessage>,
    pub mailing_preference: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LeaseMoveOutDataMessage {
    pub tenant_id: i32,
    pub move_out_date: String,
    pub notice_given_date: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LeaseTenantMessage {
    pub id: i32,
    pub status: &'static str,
    pub move_in_date: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LeaseMessage<'a> {
    pub id: i32,
    pub property_id: i32,
    pub unit_id: i32,
    pub unit_number: Option<String>,
    pub lease_from_date: Option<String>,
    pub lease_to_date: Option<String>,
    pub lease_type: &'static str,
    pub lease_status: &'static str,
    pub is_eviction_pending: bool,
    pub term_type: &'static str,
    pub renewal_offer_status: Option<&'static str>,
    pub current_tenants: Option<Vec<TenantMessage<'a>>>,
    pub current_number_of_occupants: i32,
    pub account_details: Option<LeaseAccountDetailMessage>,
    pub cosigners: Option<Vec<CosignerMessage<'a>>>,
    pub automatically_move_out_tenants: bool,
    pub created_date_time: String,
    pub last_updated_date_time: Option<String>,
    pub move_out_data: Option<Vec<LeaseMoveOutDataMessage>>,
    pub payment_due_day: i32,
    pub tenants: Option<Vec<LeaseTenantMessage>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ApiError {
    pub key: Option<String>,
    pub value: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ApiErrorResponse {
    pub user_message: Option<String>,
    pub error_code: Option<&'static str>,
    pub errors: Option<Vec<ApiError>>,
}

const BEDROOMS: [&str; 5] = ["Studio", "OneBed", "TwoBed", "ThreeBed", "FourBed"];
const BATHROOMS: [&str; 4] = ["NotSet", "OneBath", "TwoBath", "ThreeBath"];
const PHONE_TYPES: [&str; 4] = ["Cell", "Cell", "Home", "Office"];
const RELATIONSHIPS: [&str; 4] = ["Parent", "Sibling", "Spouse", "Friend"];

/// Renders records against the simulator's today.
pub(crate) struct Render<'a> {
    pub p: &'a Portfolio,
    pub today: NaiveDate,
}

fn money(amount: u32) -> f64 {
    f64::from(amount)
}

impl<'a> Render<'a> {
    pub(crate) fn new(p: &'a Portfolio) -> Self {
        Self {
            p,
            today: p.today(),
        }
    }

    /// A value derived from a record id and the seed, so it needs no storage.
    fn derived(&self, id: i32, salt: u64) -> u64 {
        mix(self.p.seed ^ mix((id as u64) << 8 | salt))
    }

    fn property_address(&self, property: &Property, line2: Option<String>) -> AddressMessage {
        let (city, state, zip, _) = CITIES[property.city as usize];
        AddressMessage {
            address_line1: Some(format!(
                "{} {}",
                property.street_no, STREETS[property.street as usize]
            )),
            address_line2: line2,
            address_line3: None,
            city: Some(city),
            state: Some(state),
            postal_code: Some(format!("{zip}{:02}", property.id % 100)),
            country: "UnitedStates",
        }
    }

    pub(crate) fn rental(&self, property: &'a Property) -> RentalMessage<'a> {
        let manager = property.manager.map(|m| {
            let (first, last, email, phone) = MANAGERS[m as usize];
            PropertyManagerMessage {
                id: 300 + i32::from(m),
                first_name: Some(first),
                last_name: Some(last),
                company_name: Some(""),
                is_company: false,
                profile_photo_url: None,
                email: Some(email),
                phone_numbers: Some(vec![PhoneNumberMessage {
                    number: Some(phone.to_owned()),
                    kind: "Office",
                }]),
            }
        });
        RentalMessage {
            id: property.id,
            name: Some(&property.name),
            structure_description: None,
            number_units: (property.units.end - property.units.start) as i32,
            is_active: property.active,
            operating_bank_account_id: property.bank_account,
            reserve: money(property.reserve),
            address: Some(self.property_address(property, None)),
            year_built: Some(i32::from(property.year_built)),
            rental_type: "Residential",
            rental_sub_type: property.sub_type.as_str(),
            rental_manager: manager,
        }
    }

    pub(crate) fn unit(&self, index: usize) -> RentalUnitMessage {
        let unit: &Unit = &self.p.units[index];
        let property = &self.p.properties[unit.property as usize];
        let number = unit.number.to_string();
        RentalUnitMessage {
            id: unit.id,
            property_id: property.id,
            building_name: BUILDINGS[unit.building as usize],
            unit_number: Some(number.clone()),
            description: None,
            market_rent: Some(money(unit.rent)),
            address: Some(self.property_address(property, Some(format!("Unit {number}")))),
            unit_bedrooms: Some(BEDROOMS[usize::from(unit.bedrooms).min(BEDROOMS.len() - 1)]),
            unit_bathrooms: Some(BATHROOMS[usize::from(unit.bathrooms).min(BATHROOMS.len() - 1)]),
            unit_size: Some(i32::from(unit.size)),
            is_unit_listed: Some(unit.listed),
            is_unit_occupied: Some(self.p.unit_occupied(index, self.today)),
        }
    }

    fn phone_numbers(&self, id: i32, phone: Option<&str>) -> Option<Vec<PhoneNumberMessage>> {
        Some(
            phone
                .map(|number| PhoneNumberMessage {
                    number: Some(number.to_owned()),
                    kind: PHONE_TYPES[(self.derived(id, 1) % PHONE_TYPES.len() as u64) as usize],
                })
                .into_iter()
                .collect(),
        )
    }

    /// The address of the tenant's most recent live lease's unit.
    fn tenant_address(&self, tenant: &Tenant) -> Option<AddressMessage> {
        let lease = self.p.live_leases(tenant).last()?;
        let property = &self.p.properties[lease.property as usize];
        Some(self.property_address(property, Some(format!("Unit {}", lease.unit_number))))
    }

    /// `nested`: render inside a lease (`Leases` is then `null`).
    pub(crate) fn tenant(&self, tenant: &'a Tenant, nested: bool) -> TenantMessage<'a> {
        let h = self.derived(tenant.id, 2);
        let emergency = (h % 10 < 3).then(|| {
            let first = crate::generate::FIRST_NAMES[(h >> 8) as usize % 32];
            let last = tenant.last.as_ref();
            EmergencyContactMessage {
                name: Some(format!("{first} {last}")),
                relationship_description: Some(RELATIONSHIPS[(h >> 16) as usize % 4]),
                phone: Some(format!("(555) 555-{:04}", (h >> 24) % 10_000)),
                email: None,
            }
        });
        let birth = (h >> 32) % 10 < 7;
        let date_of_birth = birth
            .then(|| {
                NaiveDate::from_ymd_opt(
                    1950 + ((h >> 36) % 55) as i32,
                    1 + ((h >> 44) % 12) as u32,
                    1 + ((h >> 48) % 28) as u32,
                )
            })
            .flatten()
            .map(format_date);
        let leases = (!nested).then(|| {
            self.p
                .live_leases(tenant)
                .map(|lease| self.lease(lease, true))
                .collect()
        });
        TenantMessage {
            id: tenant.id,
            first_name: tenant.first.as_deref(),
            last_name: Some(&tenant.last),
            email: tenant.email.as_deref(),
            alternate_email: None,
            phone_numbers: self.phone_numbers(tenant.id, tenant.phone.as_deref()),
            created_date_time: Some(format_ts(tenant.created)),
            emergency_contact: emergency,
            date_of_birth,
            sms_opt_in_status: Some("NotSet"),
            address: self.tenant_address(tenant),
            alternate_address: None,
            mailing_preference: Some("PrimaryAddress"),
            leases,
            comment: None,
            tax_id: None,
        }
    }

    /// Tenants listed in `CurrentTenants`: everyone not moved out (current and future).
    pub(crate) fn current_tenants(&self, lease: &'a Lease) -> impl Iterator<Item = &'a Tenant> {
        let today = self.today;
        let p = self.p;
        lease
            .tenants
            .iter()
            .filter(move |t| lease.tenant_status(t, today) != TenantStatus::MovedOut)
            .map(move |t| &p.tenants[t.tenant as usize])
    }

    /// `nested`: render inside a tenant (`CurrentTenants` is then `null`).
    pub(crate) fn lease(&self, lease: &'a Lease, nested: bool) -> LeaseMessage<'a> {
        let status = lease.status(self.today);
        let current: Vec<&Tenant> = self.current_tenants(lease).collect();
        let occupants = current.len() as i32;
        let current_tenants =
            (!nested).then(|| current.into_iter().map(|t| self.tenant(t, true)).collect());
        let cosigners = lease
            .cosigner
            .as_deref()
            .map(|c| CosignerMessage {
                id: c.id,
                first_name: Some(c.first),
                last_name: Some(c.last),
                email: Some(&c.email),
                alternate_email: None,
                phone_numbers: Some(vec![PhoneNumberMessage {
                    number: Some(c.phone.to_string()),
                    kind: "Cell",
                }]),
                created_date_time: Some(format_ts(c.created)),
                address: None,
                alternate_address: None,
                mailing_preference: "PrimaryAddress",
            })
            .into_iter()
            .collect();
        LeaseMessage {
            id: lease.id,
            property_id: self.p.properties[lease.property as usize].id,
            unit_id: lease.unit_id,
            unit_number: Some(lease.unit_number.to_string()),
            lease_from_date: Some(format_date(lease.from)),
            lease_to_date: lease.to.map(format_date),
            lease_type: lease.lease_type.as_str(),
            lease_status: status.as_str(),
            is_eviction_pending: lease.eviction_pending,
            term_type: if lease.lease_type == crate::LeaseType::AtWill {
                "MonthToMonth"
            } else {
                "Standard"
            },
            renewal_offer_status: None,
            current_tenants,
            current_number_of_occupants: occupants,
            account_details: Some(LeaseAccountDetailMessage {
                security_deposit: Some(money(lease.rent)),
                rent: Some(money(lease.rent)),
            }),
            cosigners: Some(cosigners),
            automatically_move_out_tenants: lease.auto_move_out,
            created_date_time: format_ts(lease.created),
            last_updated_date_time: Some(format_ts(lease.updated)),
            move_out_data: Some(self.move_outs(lease).collect()),
            payment_due_day: 1,
            tenants: Some(
                lease
                    .tenants
                    .iter()
                    .map(|t| LeaseTenantMessage {
                        id: self.p.tenants[t.tenant as usize].id,
                        status: lease.tenant_status(t, self.today).as_str(),
                        move_in_date: t.move_in.map(format_date),
                    })
                    .collect(),
            ),
        }
    }

    pub(crate) fn move_outs(
        &self,
        lease: &'a Lease,
    ) -> impl Iterator<Item = LeaseMoveOutDataMessage> + 'a {
        let p = self.p;
        lease.move_outs.iter().map(move |m| move_out_message(p, m))
    }

    pub(crate) fn move_out(&self, m: &MoveOut) -> LeaseMoveOutDataMessage {
        move_out_message(self.p, m)
    }
}

fn move_out_message(p: &Portfolio, m: &MoveOut) -> LeaseMoveOutDataMessage {
    LeaseMoveOutDataMessage {
        tenant_id: p.tenants[m.tenant as usize].id,
        move_out_date: format_date(m.date),
        notice_given_date: m.notice.map(format_date),
    }
}

/// An `ApiErrorResponse` body.
pub(crate) fn error_body(
    message: &str,
    code: &'static str,
    errors: &[(String, String)],
) -> Vec<u8> {
    let body = ApiErrorResponse {
        user_message: Some(message.to_owned()),
        error_code: Some(code),
        errors: Some(
            errors
                .iter()
                .map(|(k, v)| ApiError {
                    key: Some(k.clone()),
                    value: Some(v.clone()),
                })
                .collect(),
        ),
    };
    serde_json::to_vec(&body).unwrap_or_default()
}
