//! How a resident comes to exist: one constructor per way (a manual move-in, the PMS sync, the
//! strata import), each with its own mobile-access rule, so that the rules live in one place and
//! the record is written out once.

use crate::account::Account;
use crate::domain::*;
use crate::ids::*;
use chrono::{DateTime, NaiveDate, Utc};

/// Who arrives and where: what every way of arriving has.
#[derive(Clone, Debug)]
pub struct Arrival {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email, needed to invite.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// The occupancy.
    pub occupancy: Occupancy,
}

impl Resident {
    /// A resident moved in by hand (R-MOVE-1..3), with the amenities given. Mobile access is
    /// granted at once when the activation email is sent (R-MOVE-2) or the property grants it
    /// automatically (R-PMS-3): there is no later sync to grant it to a manual resident.
    pub fn moved_in(
        property: &Property,
        who: Arrival,
        amenities: Vec<AmenityId>,
        send_activation: bool,
        now: DateTime<Utc>,
    ) -> Self {
        let grant = send_activation || property.settings.auto_grant_mobile_access;
        Self::arrive(&property.id, who, ResidentSource::Manual, None, grant, now)
            .with_amenities(amenities)
    }

    /// A resident the PMS lists (R-PMS-1). Mobile access is granted at once only when the
    /// property grants it automatically and the occupancy has begun on the property's date
    /// `today`; a future resident gets it from the sync that sees the date arrive (R-PMS-3).
    pub fn from_pms(
        property: &Property,
        who: Arrival,
        external: ExternalRef,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Self {
        let grant = property.settings.auto_grant_mobile_access
            && who.occupancy.phase(today) == OccupancyPhase::Current;
        Self::arrive(
            &property.id,
            who,
            ResidentSource::Pms,
            Some(external),
            grant,
            now,
        )
    }

    /// A strata user imported (R-STRATA-2), with their user types. No mobile access: a strata
    /// resident activates their account first.
    pub fn from_strata(
        property: &PropertyId,
        who: Arrival,
        external: ExternalRef,
        user_types: StrataUserTypes,
        now: DateTime<Utc>,
    ) -> Self {
        let mut r = Self::arrive(
            property,
            who,
            ResidentSource::Strata,
            Some(external),
            false,
            now,
        );
        r.user_types = user_types;
        r
    }

    /// The one literal: a new resident, Not Invited.
    fn arrive(
        property: &PropertyId,
        who: Arrival,
        source: ResidentSource,
        external: Option<ExternalRef>,
        grant_mobile_access: bool,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: ResidentId::new(),
            property_id: property.clone(),
            first_name: who.first_name,
            last_name: who.last_name,
            email: who.email,
            phone: who.phone,
            occupancy: who.occupancy,
            source,
            external,
            account: Account::new(),
            mobile_access: if grant_mobile_access {
                MobileAccess::Granted { at: now }
            } else {
                MobileAccess::NotGranted
            },
            amenities: Vec::new(),
            user_types: Default::default(),
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }

    fn with_amenities(mut self, amenities: Vec<AmenityId>) -> Self {
        self.amenities = amenities;
        self
    }
}
