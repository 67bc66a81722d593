//! The MilMove [`ClassFactory`]: what "start a test" means for the apps, from the command line
//! or the web UI — resolve the host text exactly as `--host` does (`sim` starts the stand-in,
//! once per process), load the specs (once), and build the chosen classes with their weights.

use std::any::Any;
use std::path::PathBuf;
use std::sync::Arc;

use milmove_hosts::Environment;
use milmove_runner::control::{
    check_url_host, BoxFuture, BuiltRun, Catalogue, ClassChoice, ClassFactory, ClassInfo,
    ControlError, StartParams, TaskNode,
};
use milmove_runner::{TagFilter, Wait};
use parking_lot::Mutex;

use super::args::AppArgs;
use super::select::{candidates, AppKind, Selected};
use super::target::{SimTarget, Target};
use super::{build_lifecycle_classes, BuildOptions, SimStart};
use crate::apis::Apis;
use crate::catalog::{ClassSpec, SetSpec, TaskSpec};
use crate::flows::app::Lifecycle;

/// Builds MilMove classes for start parameters.
pub struct MilMoveFactory {
    kind: AppKind,
    args: AppArgs,
    spec_dir: PathBuf,
    wait: Wait,
    start_sim: Mutex<Option<SimStart>>,
    sim: tokio::sync::Mutex<Option<(SimTarget, SimGuard)>>,
    apis: tokio::sync::Mutex<Option<Arc<Apis>>>,
    lifecycle: Option<Arc<Lifecycle>>,
}

/// Keeps the stand-in running (its handle is `Send`, and only touched under the mutex).
struct SimGuard(#[allow(dead_code)] std::sync::Mutex<Box<dyn Any + Send>>);

impl MilMoveFactory {
    /// A factory for the app `kind` with its command line.
    pub fn new(
        kind: AppKind,
        args: AppArgs,
        spec_dir: PathBuf,
        wait: Wait,
        start_sim: SimStart,
    ) -> Self {
        Self {
            kind,
            args,
            spec_dir,
            wait,
            start_sim: Mutex::new(Some(start_sim)),
            sim: tokio::sync::Mutex::new(None),
            apis: tokio::sync::Mutex::new(None),
            lifecycle: None,
        }
    }

    /// Runs the lifecycle flows (`--lifecycle`): the roles' classes take part in them.
    pub fn lifecycle(mut self, lifecycle: Option<Arc<Lifecycle>>) -> Self {
        self.lifecycle = lifecycle;
        self
    }

    async fn sim(&self) -> Result<SimTarget, ControlError> {
        let mut sim = self.sim.lock().await;
        if let Some((target, _)) = sim.as_ref() {
            return Ok(target.clone());
        }
        let start =
            self.start_sim.lock().take().ok_or_else(|| {
                ControlError::BadInput("the stand-in could not be started".into())
            })?;
        let (target, guard) = start(self.spec_dir.clone())
            .await
            .map_err(ControlError::BadInput)?;
        tracing::info!(
            "stand-in started: prime/support {}, office {}, customer {}",
            target.hosts.mtls_url,
            target.hosts.office_url,
            target.hosts.customer_url
        );
        *sim = Some((target.clone(), SimGuard(std::sync::Mutex::new(guard))));
        Ok(target)
    }

    async fn apis(&self) -> Result<Arc<Apis>, ControlError> {
        let mut apis = self.apis.lock().await;
        if let Some(a) = apis.as_ref() {
            return Ok(a.clone());
        }
        let dir = self.spec_dir.clone();
        let loaded = tokio::task::spawn_blocking(move || Apis::from_dir(&dir))
            .await
            .map_err(|e| ControlError::BadInput(format!("loading the specs failed: {e}")))?
            .map_err(|e| ControlError::BadInput(e.to_string()))?;
        *apis = Some(loaded.clone());
        Ok(loaded)
    }

    async fn build_run(
        &self,
        params: &StartParams,
        choices: &[ClassChoice],
    ) -> Result<BuiltRun, ControlError> {
        let host_text = if params.host.trim().is_empty() {
            "sim".to_string()
        } else {
            params.host.trim().to_string()
        };
        let env: Environment = host_text
            .parse()
            .map_err(|e: milmove_hosts::HostError| ControlError::BadInput(e.to_string()))?;
        if let Environment::Url(url) = &env {
            check_url_host(url.as_str().trim_end_matches('/')).await?;
        }
        let selected: Vec<Selected> = candidates(self.kind, &self.args)
            .into_iter()
            .filter_map(|mut s| {
                let choice = choices.iter().find(|c| c.name == s.spec.name)?;
                s.weight = choice.weight;
                (s.weight > 0).then_some(s)
            })
            .collect();
        if selected.is_empty() {
            return Err(ControlError::BadInput("no user class chosen".into()));
        }
        let sim = if env == Environment::Sim {
            Some(self.sim().await?)
        } else {
            None
        };
        let apis = self.apis().await?;
        let needs_mutual = selected.iter().any(|s| s.spec.mutual_tls);
        let needs_plain = selected.iter().any(|s| !s.spec.mutual_tls);
        let target = Target::new(
            env.clone(),
            &self.args,
            sim.as_ref(),
            needs_mutual,
            needs_plain,
        )
        .map_err(ControlError::BadInput)?;
        let tags = TagFilter::new(params.tags.clone(), params.exclude_tags.clone());
        let build = BuildOptions {
            store_size: self.args.store_size,
            wait: self.wait,
            lifecycle: self.lifecycle.as_deref(),
            tags: &tags,
        };
        let classes = build_lifecycle_classes(&selected, &target, &apis, &build)
            .map_err(ControlError::BadInput)?;
        let host_detail = match &sim {
            Some(sim) => format!("sim ({})", sim.hosts.mtls_url),
            None => env.to_string(),
        };
        Ok(BuiltRun {
            classes,
            host: None,
            host_detail,
            guard: None,
        })
    }
}

impl ClassFactory for MilMoveFactory {
    fn catalogue(&self) -> Catalogue {
        Catalogue {
            classes: candidates(self.kind, &self.args)
                .iter()
                .map(|s| class_info(&s.spec, s.weight))
                .collect(),
        }
    }

    fn build<'a>(
        &'a self,
        params: &'a StartParams,
        classes: &'a [ClassChoice],
    ) -> BoxFuture<'a, Result<BuiltRun, ControlError>> {
        Box::pin(self.build_run(params, classes))
    }
}

fn task_node(t: &TaskSpec, sequential: bool) -> TaskNode {
    TaskNode {
        name: t.name.clone(),
        weight: if sequential { 1 } else { t.weight },
        tags: t.tags.iter().map(|s| s.to_string()).collect(),
        sequential: false,
        children: Vec::new(),
    }
}

fn set_node(s: &SetSpec) -> TaskNode {
    TaskNode {
        name: s.name.to_string(),
        weight: s.weight,
        tags: s.tags.iter().map(|t| t.to_string()).collect(),
        sequential: s.sequential,
        children: s.tasks.iter().map(|t| task_node(t, s.sequential)).collect(),
    }
}

/// A catalogue entry of a MilMove class.
pub fn class_info(spec: &ClassSpec, weight: u32) -> ClassInfo {
    let single_workflow = spec.tasks.is_empty() && spec.sets.len() == 1;
    let tasks = if single_workflow {
        set_node(&spec.sets[0]).children
    } else {
        spec.tasks
            .iter()
            .map(|t| task_node(t, false))
            .chain(spec.sets.iter().map(set_node))
            .collect()
    };
    ClassInfo {
        name: spec.name.to_string(),
        weight,
        fixed_count: None,
        tags: spec.tags.iter().map(|t| t.to_string()).collect(),
        tasks,
    }
}
