//! The master's status summary: phase, users, workers, losses.

use super::registry::{self, WorkerState};
use super::{Master, MasterPhase, MasterStatus};
use std::collections::BTreeMap;
use std::time::Duration;

impl Master {
    /// Where the current test stands.
    pub fn status(&self) -> MasterStatus {
        let st = self.shared.state.lock();
        let live: Vec<&registry::WorkerEntry> =
            st.workers.values().filter(|w| !w.is_lost()).collect();
        let users = live.iter().map(|w| w.info.users).sum();
        let mut users_by_class = BTreeMap::new();
        for w in &live {
            for (c, n) in &w.info.users_by_class {
                *users_by_class.entry(c.clone()).or_insert(0) += n;
            }
        }
        let possibly_missing_requests = st
            .workers
            .values()
            .map(|w| w.info.possibly_missing_requests)
            .sum();
        let (phase, test_id, target, spawn_rate) = match &st.test {
            None => (MasterPhase::Ready, 0, 0, 0.0),
            Some(t) => {
                let phase = if t.running {
                    let at_share = live.iter().all(|w| {
                        w.test_id == t.id
                            && w.info.state == WorkerState::Running
                            && w.last_share.as_ref().is_some_and(|s| {
                                s.users_by_class.values().sum::<u64>() == w.info.users
                            })
                    });
                    if at_share && t.started.elapsed() > Duration::from_millis(100) {
                        MasterPhase::Running
                    } else {
                        MasterPhase::Spawning
                    }
                } else if live.iter().all(|w| w.stopped_stop_id == t.stop_id) {
                    MasterPhase::Stopped
                } else {
                    MasterPhase::Stopping
                };
                (phase, t.id, t.users, t.spawn_rate)
            }
        };
        MasterStatus {
            phase,
            test_id,
            users,
            target,
            spawn_rate,
            users_by_class,
            workers: live.len(),
            lost_workers: st.workers.len() - live.len(),
            possibly_missing_requests,
            cut_requests: st.cut_requests,
            cut_users: st.cut_users,
        }
    }
}
