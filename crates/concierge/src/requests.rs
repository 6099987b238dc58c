//! Request types of the facade's operations. Each has a constructor taking what is required and
//! builder methods for the rest, so adding an option later breaks no caller.

use chrono::NaiveDate;
use concierge_core::*;
use secrecy::SecretString;

/// Register a property.
#[derive(Clone, Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProperty {
    /// Display name.
    pub name: String,
    /// Site name (lower-case letters, digits, dashes).
    pub site_name: String,
    /// Settings.
    #[serde(default)]
    pub settings: PropertySettings,
    /// Its id in the PMS, if it has one.
    #[serde(default)]
    pub external: Option<ExternalRef>,
    /// Its IANA time zone (e.g. `Australia/Sydney`): dates and visit windows are judged in it.
    /// Without one, UTC, until one is set or the intercom's building supplies it.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub time_zone: Option<Zone>,
}

impl NewProperty {
    /// A property with default settings.
    pub fn new(name: impl Into<String>, site_name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            site_name: site_name.into(),
            settings: PropertySettings::default(),
            external: None,
            time_zone: None,
        }
    }

    /// The same property in IANA time zone `zone` (refused at registration if unknown).
    pub fn in_zone(mut self, zone: Zone) -> Self {
        self.time_zone = Some(zone);
        self
    }

    /// Sets the settings.
    pub fn settings(mut self, settings: PropertySettings) -> Self {
        self.settings = settings;
        self
    }

    /// Links the property to its record in the PMS.
    pub fn external(mut self, external: ExternalRef) -> Self {
        self.external = Some(external);
        self
    }
}

/// Register a building of a property.
#[derive(Clone, Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBuilding {
    /// The property.
    pub property_id: PropertyId,
    /// Its name.
    pub name: String,
}

impl NewBuilding {
    /// A building called `name`.
    pub fn new(property_id: &PropertyId, name: impl Into<String>) -> Self {
        Self {
            property_id: property_id.clone(),
            name: name.into(),
        }
    }
}

/// Register a unit of a building.
#[derive(Clone, Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    /// The building.
    pub building_id: BuildingId,
    /// The unit's number or name.
    pub number: String,
    /// Its floor, if the building has floors.
    #[serde(default)]
    pub floor: Option<String>,
}

impl NewUnit {
    /// Unit `number` of the building.
    pub fn new(building_id: &BuildingId, number: impl Into<String>) -> Self {
        Self {
            building_id: building_id.clone(),
            number: number.into(),
            floor: None,
        }
    }

    /// Sets the floor.
    pub fn floor(mut self, floor: impl Into<String>) -> Self {
        self.floor = Some(floor.into());
        self
    }
}

/// Move a resident into a unit by hand (R-MOVE-1..3, R-PMS-7).
#[derive(Clone, Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveIn {
    /// The unit.
    pub unit_id: UnitId,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email; required to send the activation email.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Role in the unit.
    #[serde(default)]
    pub role: OccupancyRole,
    /// The move-in date; today when `None`.
    #[serde(default)]
    pub move_in: Option<NaiveDate>,
    /// Send the mobile activation email now (R-MOVE-2).
    #[serde(default)]
    pub send_mobile_activation: bool,
    /// Amenities of the property to give (R-MOVE-3).
    #[serde(default)]
    pub amenities: Vec<AmenityId>,
}

impl MoveIn {
    /// Move `first_name last_name` into the unit.
    pub fn new(
        unit_id: &UnitId,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
    ) -> Self {
        Self {
            unit_id: unit_id.clone(),
            first_name: first_name.into(),
            last_name: last_name.into(),
            email: None,
            phone: None,
            role: OccupancyRole::Primary,
            move_in: None,
            send_mobile_activation: false,
            amenities: Vec::new(),
        }
    }

    /// Sets the email.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Sets the phone.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }

    /// Sets the role.
    pub fn role(mut self, role: OccupancyRole) -> Self {
        self.role = role;
        self
    }

    /// Sets the move-in date.
    pub fn move_in_on(mut self, date: NaiveDate) -> Self {
        self.move_in = Some(date);
        self
    }

    /// Sends the mobile activation email at move-in.
    pub fn send_mobile_activation(mut self, send: bool) -> Self {
        self.send_mobile_activation = send;
        self
    }

    /// Gives an amenity.
    pub fn amenity(mut self, amenity: &AmenityId) -> Self {
        self.amenities.push(amenity.clone());
        self
    }
}

/// Which residents to list.
#[derive(Clone, Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ResidentFilter {
    /// Only this property's.
    pub property_id: Option<PropertyId>,
    /// Only this unit's.
    pub unit_id: Option<UnitId>,
    /// Only with this account status now.
    pub status: Option<AccountStatus>,
    /// Only in this phase today (future, current, past).
    pub phase: Option<OccupancyPhase>,
    /// Only from this source.
    pub source: Option<ResidentSource>,
}

impl ResidentFilter {
    /// Every resident of a property.
    pub fn property(property_id: &PropertyId) -> Self {
        Self {
            property_id: Some(property_id.clone()),
            ..Self::default()
        }
    }

    /// Only with this status.
    pub fn status(mut self, status: AccountStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only this unit's.
    pub fn unit(mut self, unit_id: &UnitId) -> Self {
        self.unit_id = Some(unit_id.clone());
        self
    }
}

/// Which smart keys to list: a holder's, a unit's, both, or (with neither) every key.
#[derive(Clone, Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KeyFilter {
    /// Only this holder's (a resident or a spare holder).
    pub holder: Option<KeyHolder>,
    /// Only this unit's.
    pub unit_id: Option<UnitId>,
}

impl KeyFilter {
    /// Only this holder's.
    pub fn holder(mut self, holder: &KeyHolder) -> Self {
        self.holder = Some(holder.clone());
        self
    }

    /// Only this unit's.
    pub fn unit(mut self, unit_id: &UnitId) -> Self {
        self.unit_id = Some(unit_id.clone());
        self
    }
}

/// Activate an account (R-STATUS-3): the token from the activation link, the resident's
/// acceptance of the terms, which must be given, and the resident's new password, required when
/// Concierge keeps passwords (`password_mode` managed, the default) and refused when the host's
/// identity provider does (`external`). Its `Debug` never shows the token or the password.
#[derive(Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Activation {
    /// The token from the activation link.
    #[schemars(extend("x-sensitive" = true))]
    pub token: String,
    /// Whether the resident accepted the terms; activation is refused unless true.
    #[serde(default)]
    pub accept_terms: bool,
    /// The resident's new password: 10 to 256 characters, not only whitespace, not their email
    /// address. Required with managed passwords (the default), refused with external ones.
    /// Stored only as an Argon2id hash; never shown.
    #[serde(default)]
    #[schemars(with = "Option<String>", extend("x-sensitive" = true))]
    pub password: Option<SecretString>,
}

impl Activation {
    /// Activation with `token`; the terms are not accepted until [`Activation::accept_terms`],
    /// and there is no password until [`Activation::password`].
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            accept_terms: false,
            password: None,
        }
    }

    /// Records whether the resident accepted the terms.
    pub fn accept_terms(mut self, accepted: bool) -> Self {
        self.accept_terms = accepted;
        self
    }

    /// Sets the resident's new password.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(SecretString::from(password.into()));
        self
    }
}

impl std::fmt::Debug for Activation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Activation")
            .field("token", &"[redacted]")
            .field("accept_terms", &self.accept_terms)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_activation_never_shows_its_token() {
        let a = Activation::new("res_abc.s3cr3t-token")
            .accept_terms(true)
            .password("pa55-canary-word");
        let shown = format!("{a:?} {a:#?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(!shown.contains("canary"), "{shown}");
        assert!(shown.contains("accept_terms: true"), "{shown}");
    }

    #[test]
    fn an_activation_is_read_from_json_strictly() {
        let a: Activation = serde_json::from_str(r#"{"token":"t","accept_terms":true}"#).unwrap();
        assert_eq!((a.token.as_str(), a.accept_terms), ("t", true));
        assert!(a.password.is_none());
        let a: Activation =
            serde_json::from_str(r#"{"token":"t","password":"correct horse"}"#).unwrap();
        assert!(a.password.is_some());
        assert!(serde_json::from_str::<Activation>(r#"{"token":"t","accept":true}"#).is_err());
    }
}
