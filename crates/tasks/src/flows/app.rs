//! A lifecycle run's pieces for the app: the hub built from the flags, the hooks that tell it
//! when the test starts and stops, and the summary printed at the end.

use std::path::Path;
use std::sync::Arc;

use milmove_runner::Hooks;

use super::catalog;
use super::hub::{FlowHub, HubConfig};
use super::role::Role;

/// The flows of one run.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    /// The process's queues and counters.
    pub hub: Arc<FlowHub>,
}

impl Lifecycle {
    /// The flows of `mix` (`--flows`), at most `max_flows` in flight, done once each completed
    /// `complete_each` times (when given), logging each finished flow to `log` (when given).
    pub fn new(
        mix: &str,
        max_flows: usize,
        complete_each: Option<u64>,
        log: Option<&Path>,
    ) -> Result<Self, String> {
        if max_flows == 0 {
            return Err("--max-flows must be at least 1".to_string());
        }
        let weights = catalog::parse_mix(mix)?;
        let metas = catalog::all()
            .iter()
            .zip(weights)
            .map(|(flow, weight)| flow.meta(weight))
            .collect();
        if complete_each == Some(0) {
            return Err("--complete-each-flow must be at least 1".to_string());
        }
        let config = HubConfig {
            max_flows,
            complete_each,
            ..HubConfig::default()
        };
        let mut hub = FlowHub::new(metas, config);
        if let Some(path) = log {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            let file = std::fs::File::create(path)
                .map_err(|e| format!("cannot write --flow-log {}: {e}", path.display()))?;
            hub = hub.with_log(Box::new(std::io::BufWriter::new(file)));
        }
        Ok(Lifecycle { hub: Arc::new(hub) })
    }

    /// The roles the mix needs (customers always: they start the flows).
    pub fn roles(&self) -> Vec<Role> {
        let mut roles = self.hub.roles_in_use();
        if !roles.contains(&Role::Customer) {
            roles.insert(0, Role::Customer);
        }
        roles
    }

    /// Hooks recording the flows' rows into the run's statistics from the start, and what was
    /// left unfinished at the stop.
    pub fn hooks(&self) -> Hooks {
        let (start, stop) = (self.hub.clone(), self.hub.clone());
        Hooks::default()
            .on_test_start(move |info| start.test_started(info.stats.clone()))
            .on_test_stop(move |info| stop.test_stopped(&info.stats))
    }

    /// The summary printed after the run (empty before it stopped).
    pub fn summary(&self) -> String {
        self.hub.summary()
    }
}
