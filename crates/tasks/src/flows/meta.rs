//! What the hub is told about flows and steps, and its settings.

use super::role::Role;

/// What the hub knows of a step: who runs it and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepMeta {
    /// The role whose users run it.
    pub role: Role,
    /// Its short name (`review`, `approve-move`).
    pub name: &'static str,
}

/// What the hub knows of a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowMeta {
    /// Its name (`single-hhg`).
    pub name: &'static str,
    /// The shipment types its customer asks for.
    pub shipments: &'static [&'static str],
    /// Its steps, in order.
    pub steps: Vec<StepMeta>,
    /// Its share of the new flows (0: never started).
    pub weight: u32,
}

/// Settings of one process's hub.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Flows in flight at most (queued or in a step).
    pub max_flows: usize,
    /// How many moves made by flows are remembered as theirs (oldest forgotten first).
    pub owned_moves: usize,
    /// When set, the lifecycle is done once every flow of the mix completed this many times
    /// (its users then stop).
    pub complete_each: Option<u64>,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            max_flows: DEFAULT_MAX_FLOWS,
            owned_moves: 100_000,
            complete_each: None,
        }
    }
}

/// The default bound on flows in flight per process.
pub const DEFAULT_MAX_FLOWS: usize = 500;
