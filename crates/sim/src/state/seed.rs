//! Start-up data: duty locations, a contractor, a transportation office, customers with
//! orders and uploaded-orders documents, moves available to the Prime (with a shipment and an
//! approved service item each), moves waiting for counseling or approval, and pending payment
//! requests, so every load-test flow has something to work on immediately.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::model::{unique_now, DutyLocation, Upload};
use super::shipments::NewShipment;
use super::{StateResult, Store};

/// How much to seed.
#[derive(Debug, Clone, Copy)]
pub struct SeedSize {
    /// Moves already approved and available to the Prime.
    pub prime_moves: usize,
    /// Moves in `NEEDS SERVICE COUNSELING` and in `SUBMITTED` (each).
    pub office_moves: usize,
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A US address in camelCase fields.
pub fn sample_address(n: usize) -> Map<String, Value> {
    let cities = [
        ("Beverly Hills", "CA", "90210", "LOS ANGELES"),
        ("Augusta", "GA", "30907", "COLUMBIA"),
        ("San Antonio", "TX", "78209", "BEXAR"),
        ("Norfolk", "VA", "23511", "NORFOLK CITY"),
        ("Fayetteville", "NC", "28303", "CUMBERLAND"),
        ("Colorado Springs", "CO", "80906", "EL PASO"),
    ];
    let (city, state, zip, county) = cities[n % cities.len()];
    obj(json!({
        "streetAddress1": format!("{} Main St", 100 + n),
        "city": city, "state": state, "postalCode": zip, "county": county, "country": "US",
    }))
}

/// A real MilMove duty location to seed.
struct SeedLocation {
    /// The name as MilMove writes it (`Town, ST ZIP`).
    name: &'static str,
    street: &'static str,
    city: &'static str,
    state: &'static str,
    zip: &'static str,
    county: &'static str,
    /// The GBLOC of its transportation office.
    gbloc: &'static str,
    affiliation: &'static str,
}

/// Real MilMove duty locations. Towns, ZIPs and GBLOCs come from MilMove's
/// transportation-office data (Fort Eisenhower, GA 30813 is also its default test duty
/// location).
const DUTY_LOCATIONS: [SeedLocation; 7] = [
    SeedLocation {
        name: "Fort Eisenhower, GA 30813",
        street: "307 Chamberlain Ave",
        city: "Fort Eisenhower",
        state: "GA",
        zip: "30813",
        county: "RICHMOND",
        gbloc: "CNNQ",
        affiliation: "ARMY",
    },
    SeedLocation {
        name: "Fort Sam Houston, TX 78234",
        street: "2484 Stanley Rd",
        city: "San Antonio",
        state: "TX",
        zip: "78234",
        county: "BEXAR",
        gbloc: "HAFC",
        affiliation: "ARMY",
    },
    SeedLocation {
        name: "Fort Bragg, NC 28310",
        street: "2843 Normandy Dr",
        city: "Fort Bragg",
        state: "NC",
        zip: "28310",
        county: "CUMBERLAND",
        gbloc: "BKAS",
        affiliation: "ARMY",
    },
    SeedLocation {
        name: "Fort Carson, CO 80913",
        street: "1661 O'Connell Blvd",
        city: "Fort Carson",
        state: "CO",
        zip: "80913",
        county: "EL PASO",
        gbloc: "KKFA",
        affiliation: "ARMY",
    },
    SeedLocation {
        name: "JB Lewis-McChord, WA 98433",
        street: "2150 Liggett Ave",
        city: "Joint Base Lewis-McChord",
        state: "WA",
        zip: "98433",
        county: "PIERCE",
        gbloc: "JEAT",
        affiliation: "ARMY",
    },
    SeedLocation {
        name: "Fort Hood, TX 76544",
        street: "18010 TJ Mills Blvd",
        city: "Fort Hood",
        state: "TX",
        zip: "76544",
        county: "BELL",
        gbloc: "HBAT",
        affiliation: "ARMY",
    },
    SeedLocation {
        name: "MCAS Yuma, AZ 85369",
        street: "Spears St",
        city: "Yuma",
        state: "AZ",
        zip: "85369",
        county: "YUMA",
        gbloc: "LKNQ",
        affiliation: "MARINES",
    },
];

/// The entitlement MilMove gives an E-5 (JTR weights; SIT days, pro-gear and OCIE as its
/// defaults), in the camelCase names the Prime, Support and GHC APIs share.
pub fn default_entitlement(dependents: bool) -> Map<String, Value> {
    let weight = if dependents { 9000 } else { 7000 };
    obj(json!({
        "authorizedWeight": weight, "totalWeight": weight, "dependentsAuthorized": dependents,
        "totalDependents": if dependents { 1 } else { 0 },
        "nonTemporaryStorage": true, "privatelyOwnedVehicle": true, "gunSafe": false,
        "proGearWeight": 2000, "proGearWeightSpouse": if dependents { 500 } else { 0 },
        "requiredMedicalEquipmentWeight": 1000,
        "organizationalClothingAndIndividualEquipment": true, "storageInTransit": 90,
        "unaccompaniedBaggageAllowance": 0, "weightRestriction": 0, "ubWeightRestriction": 0,
    }))
}

impl Store {
    /// Creates an empty store with the seeded reference data and `size` worth of moves.
    pub fn seeded(size: SeedSize) -> StateResult<Store> {
        Self::seeded_with(size, super::evict::Limits::default())
    }

    /// [`Store::seeded`] with a memory bound.
    pub fn seeded_with(size: SeedSize, limits: super::evict::Limits) -> StateResult<Store> {
        let mut store = Store {
            contractor_id: Uuid::new_v4(),
            office_id: Uuid::new_v4(),
            limits,
            ..Store::default()
        };
        let now = unique_now();
        for d in DUTY_LOCATIONS {
            let address_id = store.add_address(obj(json!({
                "streetAddress1": d.street, "city": d.city, "state": d.state,
                "postalCode": d.zip, "county": d.county, "country": "US",
            })));
            store.duty_locations.push(DutyLocation {
                id: Uuid::new_v4(),
                name: d.name.to_string(),
                address_id,
                affiliation: d.affiliation.into(),
                gbloc: d.gbloc.into(),
                postal_code: d.zip.into(),
                created_at: now,
            });
        }
        for i in 0..size.prime_moves {
            let mv = store.seed_move(i, "SUBMITTED")?;
            store.approve_move(&mv, None)?;
            let shipment = store.create_shipment(&mv, store.seed_shipment(i))?;
            let item = store.create_service_item(
                &mv,
                None,
                "MTOServiceItemBasic",
                "MS",
                obj(json!({"modelType": "MTOServiceItemBasic", "reServiceCode": "MS"})),
            )?;
            let tag = super::model::etag(&item.updated_at);
            store.set_service_item_status(&item.id, &tag, "APPROVED", None)?;
            let tag = super::model::etag(&shipment.updated_at);
            store.set_shipment_status(&shipment.id, &tag, "APPROVED", None)?;
            if i % 2 == 0 {
                store.create_payment_request(&mv, vec![item.id], false)?;
            }
        }
        for i in 0..size.office_moves {
            // A customer submits a move with its shipments: they wait for counseling too.
            let counseling = store.seed_move(i, "NEEDS SERVICE COUNSELING")?;
            store.insert_shipment(&counseling, store.seed_shipment(i), "SUBMITTED")?;
            let mv = store.seed_move(i, "SUBMITTED")?;
            store.moves.update(&mv, |m| m.available_to_prime_at = None);
            store.insert_shipment(&mv, store.seed_shipment(i), "SUBMITTED")?;
        }
        Ok(store)
    }

    fn seed_shipment(&self, i: usize) -> NewShipment {
        let date = chrono::Utc::now().date_naive() + chrono::Days::new(30 + i as u64 % 30);
        NewShipment {
            shipment_type: "HHG".into(),
            fields: obj(json!({
                "requestedPickupDate": date.to_string(),
                "primeEstimatedWeight": 4000 + (i % 10) * 100,
                "customerRemarks": "seeded by milmove-sim",
            })),
            pickup_address: Some(sample_address(i)),
            destination_address: Some(sample_address(i + 1)),
            agents: vec![obj(json!({
                "firstName": "Rita", "lastName": "Releaser", "agentType": "RELEASING_AGENT",
                "email": "rita@example.com", "phone": "555-555-5555",
            }))],
        }
    }

    /// Creates a user, customer, orders (with an uploaded orders document) and a move.
    pub fn seed_move(&self, i: usize, status: &str) -> StateResult<Uuid> {
        let user_id = Uuid::new_v4();
        let customer = self.create_customer(
            user_id,
            obj(json!({
                "first_name": "Seeded", "last_name": format!("Customer{i}"),
                "edipi": format!("{:010}", 1_000_000 + i),
                "affiliation": "ARMY", "telephone": "555-555-5555",
                "personal_email": format!("seeded{i}@example.com"),
                "residential_address": residential_address(i),
            })),
        );
        let origin = &self.duty_locations[i % self.duty_locations.len()];
        let dest = &self.duty_locations[(i + 1) % self.duty_locations.len()];
        let today = chrono::Utc::now().date_naive();
        let orders = self.create_orders(
            customer.id,
            obj(json!({
                "orders_type": "PERMANENT_CHANGE_OF_STATION",
                "issue_date": today.to_string(),
                "report_by_date": (today + chrono::Days::new(60)).to_string(),
                "has_dependents": false, "spouse_has_pro_gear": false,
                "origin_duty_location_id": origin.id.to_string(),
                "new_duty_location_id": dest.id.to_string(),
                "grade": "E-5", "orders_number": format!("ORD{i:06}"),
                "tac": "F8J1", "sac": "E2-SAC", "department_indicator": "ARMY",
                "entitlement": default_entitlement(false),
            })),
        )?;
        let now = unique_now();
        self.add_upload(Upload {
            id: Uuid::new_v4(),
            document_id: Some(orders.uploaded_orders_id),
            filename: "orders.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: 10_596,
            checksum: "seeded".into(),
            created_at: now,
        });
        Ok(self.create_move(orders.id, status)?.id)
    }
}

/// A customer's home address (internal `Address`, with its id).
fn residential_address(i: usize) -> Value {
    let mut address = sample_address(i);
    address.insert("id".into(), json!(Uuid::new_v4()));
    Value::Object(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_prime_and_office_moves() {
        let store = Store::seeded(SeedSize {
            prime_moves: 4,
            office_moves: 2,
        })
        .unwrap();
        assert_eq!(store.prime_move_ids(None).len(), 4);
        assert_eq!(store.moves.len(), 8);
        assert_eq!(store.payment_requests.len(), 2);
        assert_eq!(store.duty_locations.len(), DUTY_LOCATIONS.len());
    }
}
