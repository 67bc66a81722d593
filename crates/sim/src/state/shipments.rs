//! Shipments, their addresses and agents.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::model::{unique_now, Agent, Shipment};
use super::{check_etag, not_found, transitions, StateError, StateResult, Store};

/// What a client sends to create a shipment (already validated against the spec).
#[derive(Debug, Default, Clone)]
pub struct NewShipment {
    /// Shipment type.
    pub shipment_type: String,
    /// Scalar fields to keep (dates, weights, remarks).
    pub fields: Map<String, Value>,
    /// Pickup address fields.
    pub pickup_address: Option<Map<String, Value>>,
    /// Destination address fields.
    pub destination_address: Option<Map<String, Value>>,
    /// Agents' fields.
    pub agents: Vec<Map<String, Value>>,
}

impl Store {
    /// Creates a shipment (status `SUBMITTED`) on a move available to the Prime. An approved
    /// move goes to `APPROVALS REQUESTED`, as in MilMove.
    pub fn create_shipment(&self, move_id: &Uuid, new: NewShipment) -> StateResult<Shipment> {
        self.prime_move(move_id)?;
        self.insert_shipment(move_id, new, "SUBMITTED")
    }

    /// Creates a shipment in `status` on an existing move without the Prime visibility check
    /// (customer shipments start as `DRAFT`).
    pub fn insert_shipment(
        &self,
        move_id: &Uuid,
        new: NewShipment,
        status: &str,
    ) -> StateResult<Shipment> {
        self.get_move(move_id)?;
        let now = unique_now();
        let id = Uuid::new_v4();
        let pickup_address_id = new.pickup_address.map(|a| self.add_address(a));
        let destination_address_id = new.destination_address.map(|a| self.add_address(a));
        let mut agent_ids = Vec::new();
        for fields in new.agents {
            let agent = Agent {
                id: Uuid::new_v4(),
                shipment_id: id,
                fields,
                created_at: now,
                updated_at: now,
            };
            agent_ids.push(agent.id);
            self.agents.insert(agent.id, agent);
        }
        let shipment = Shipment {
            id,
            move_id: *move_id,
            shipment_type: new.shipment_type,
            status: status.to_string(),
            fields: new.fields,
            pickup_address_id,
            destination_address_id,
            agent_ids,
            approved_date: None,
            created_at: now,
            updated_at: now,
        };
        self.shipments.insert(id, shipment.clone());
        self.moves.update(move_id, |m| {
            m.shipment_ids.push(id);
            if m.status == "APPROVED" {
                m.status = "APPROVALS REQUESTED".to_string();
                m.updated_at = unique_now();
            }
        });
        self.child_added(move_id);
        Ok(shipment)
    }

    /// A shipment by id.
    pub fn get_shipment(&self, id: &Uuid) -> StateResult<Shipment> {
        self.shipments
            .get(id)
            .ok_or_else(|| not_found("shipment", id))
    }

    /// Merges scalar fields into a shipment (If-Match required).
    pub fn update_shipment(
        &self,
        id: &Uuid,
        if_match: &str,
        fields: &Map<String, Value>,
    ) -> StateResult<Shipment> {
        self.shipments
            .update(id, |s| {
                check_etag(if_match, &s.updated_at, "shipment")?;
                for (k, v) in fields {
                    s.fields.insert(k.clone(), v.clone());
                }
                s.updated_at = unique_now();
                Ok(s.clone())
            })
            .unwrap_or_else(|| Err(not_found("shipment", id)))
    }

    /// Changes a shipment's status following MilMove's rules (409 otherwise). Approval needs
    /// the move approved (or approvals requested).
    pub fn set_shipment_status(
        &self,
        id: &Uuid,
        if_match: &str,
        status: &str,
        reason: Option<&str>,
    ) -> StateResult<Shipment> {
        let move_id = self.get_shipment(id)?.move_id;
        if status == "APPROVED" {
            let mv = self.get_move(&move_id)?;
            if mv.status != "APPROVED" && mv.status != "APPROVALS REQUESTED" {
                return Err(StateError::Conflict(format!(
                    "cannot approve a shipment on a move in status {}",
                    mv.status
                )));
            }
        }
        if status == "REJECTED" && reason.is_none_or(str::is_empty) {
            return Err(StateError::Invalid {
                field: "rejectionReason".into(),
                message: "a rejection reason is required".into(),
            });
        }
        self.shipments
            .update(id, |s| {
                check_etag(if_match, &s.updated_at, "shipment")?;
                if !transitions::shipment_can(&s.status, status) {
                    return Err(StateError::Conflict(format!(
                        "shipment status {} cannot change to {status}",
                        s.status
                    )));
                }
                let now = unique_now();
                s.status = status.to_string();
                if status == "APPROVED" {
                    s.approved_date = Some(now);
                }
                if let Some(r) = reason {
                    s.fields
                        .insert("rejectionReason".into(), Value::String(r.to_string()));
                }
                s.updated_at = now;
                Ok(s.clone())
            })
            .unwrap_or_else(|| Err(not_found("shipment", id)))
    }

    /// Updates one of a shipment's addresses (If-Match of the address).
    pub fn update_shipment_address(
        &self,
        shipment_id: &Uuid,
        address_id: &Uuid,
        if_match: &str,
        fields: &Map<String, Value>,
    ) -> StateResult<super::model::Address> {
        let shipment = self.get_shipment(shipment_id)?;
        if shipment.pickup_address_id != Some(*address_id)
            && shipment.destination_address_id != Some(*address_id)
        {
            return Err(not_found("address", address_id));
        }
        self.addresses
            .update(address_id, |a| {
                check_etag(if_match, &a.updated_at, "address")?;
                for (k, v) in fields {
                    if k != "id" && k != "eTag" {
                        a.fields.insert(k.clone(), v.clone());
                    }
                }
                a.updated_at = unique_now();
                Ok(a.clone())
            })
            .unwrap_or_else(|| Err(not_found("address", address_id)))
    }

    /// Updates an agent of a shipment (If-Match of the agent).
    pub fn update_agent(
        &self,
        shipment_id: &Uuid,
        agent_id: &Uuid,
        if_match: &str,
        fields: &Map<String, Value>,
    ) -> StateResult<Agent> {
        self.get_shipment(shipment_id)?;
        self.agents
            .update(agent_id, |a| {
                if a.shipment_id != *shipment_id {
                    return Err(not_found("agent", agent_id));
                }
                check_etag(if_match, &a.updated_at, "agent")?;
                for (k, v) in fields {
                    if k != "id" && k != "eTag" && k != "mtoShipmentID" {
                        a.fields.insert(k.clone(), v.clone());
                    }
                }
                a.updated_at = unique_now();
                Ok(a.clone())
            })
            .unwrap_or_else(|| Err(not_found("agent", agent_id)))
    }

    /// Adds an agent to a shipment (at most two, as MilMove allows).
    pub fn create_agent(
        &self,
        shipment_id: &Uuid,
        fields: Map<String, Value>,
    ) -> StateResult<Agent> {
        let now = unique_now();
        let agent = Agent {
            id: Uuid::new_v4(),
            shipment_id: *shipment_id,
            fields,
            created_at: now,
            updated_at: now,
        };
        self.shipments
            .update(shipment_id, |s| {
                if s.agent_ids.len() >= 2 {
                    return Err(StateError::Conflict(
                        "a shipment can have at most two agents".into(),
                    ));
                }
                s.agent_ids.push(agent.id);
                Ok(())
            })
            .unwrap_or_else(|| Err(not_found("shipment", shipment_id)))?;
        self.agents.insert(agent.id, agent.clone());
        Ok(agent)
    }
}
