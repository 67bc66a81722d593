//! Flows as data: a [`FlowSpec`] is a name, the shipments its customer asks for, and a list of
//! [`Step`]s, each run by a user of one [`Role`]. A step is one async function of the user and
//! the flow's [`MoveCase`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use milmove_runner::User;

use super::case::MoveCase;
use super::hub::{FlowMeta, StepMeta};
use super::role::Role;
use crate::context::MilMoveUser;
use crate::error::TasksError;

/// Why a step failed: a short text without IDs (failures are grouped by it), e.g.
/// `HTTP 409 from PATCH /ghc/v1/move-task-orders/{moveTaskOrderID}/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailure(pub String);

impl std::fmt::Display for StepFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<TasksError> for StepFailure {
    fn from(e: TasksError) -> Self {
        StepFailure(e.to_string())
    }
}

/// What a step returns.
pub type StepResult = Result<(), StepFailure>;

/// A boxed step future borrowing the user and the case for `'a`.
pub type StepFuture<'a> = Pin<Box<dyn Future<Output = StepResult> + Send + 'a>>;

/// Anything callable as a step: implemented for every
/// `async fn(&mut User<MilMoveUser>, &mut MoveCase) -> StepResult`.
pub trait StepFn<'a>: Send + Sync + 'static {
    /// The future the step returns.
    type Fut: Future<Output = StepResult> + Send + 'a;
    /// Runs the step.
    fn call(&self, user: &'a mut User<MilMoveUser>, case: &'a mut MoveCase) -> Self::Fut;
}

impl<'a, F, Fut> StepFn<'a> for F
where
    F: Fn(&'a mut User<MilMoveUser>, &'a mut MoveCase) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = StepResult> + Send + 'a,
{
    type Fut = Fut;
    fn call(&self, user: &'a mut User<MilMoveUser>, case: &'a mut MoveCase) -> Fut {
        self(user, case)
    }
}

trait ErasedStep: Send + Sync {
    fn run<'a>(&'a self, user: &'a mut User<MilMoveUser>, case: &'a mut MoveCase)
        -> StepFuture<'a>;
}

struct Wrap<F>(F);

impl<F: for<'a> StepFn<'a>> ErasedStep for Wrap<F> {
    fn run<'a>(
        &'a self,
        user: &'a mut User<MilMoveUser>,
        case: &'a mut MoveCase,
    ) -> StepFuture<'a> {
        Box::pin(self.0.call(user, case))
    }
}

/// One step of a flow.
#[derive(Clone)]
pub struct Step {
    /// Whose users run it.
    pub role: Role,
    /// Its short name (`review`), used in the report rows.
    pub name: &'static str,
    /// What it does, for `--list` and the README.
    pub about: &'static str,
    run: Arc<dyn ErasedStep>,
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Step")
            .field("role", &self.role)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Step {
    /// Runs the step for `user` on `case`.
    pub fn run<'a>(
        &'a self,
        user: &'a mut User<MilMoveUser>,
        case: &'a mut MoveCase,
    ) -> StepFuture<'a> {
        self.run.run(user, case)
    }
}

/// A flow: a move's life as a list of steps, each handed to the next step's role.
#[derive(Debug, Clone)]
pub struct FlowSpec {
    /// Its name (`single-hhg`), used in `--flows` and in the report rows.
    pub name: &'static str,
    /// What it does, for `--list` and the README.
    pub about: &'static str,
    /// The shipment types its customer asks for.
    pub shipments: &'static [&'static str],
    /// Its steps, in order (the first one is the customer's: it starts the flow).
    pub steps: Vec<Step>,
}

impl FlowSpec {
    /// A flow without steps yet.
    pub fn new(name: &'static str, about: &'static str) -> Self {
        FlowSpec {
            name,
            about,
            shipments: &[],
            steps: Vec::new(),
        }
    }

    /// The shipment types its customer asks for.
    pub fn shipments(mut self, shipments: &'static [&'static str]) -> Self {
        self.shipments = shipments;
        self
    }

    /// Adds a step run by `role`: `func` is an
    /// `async fn(&mut User<MilMoveUser>, &mut MoveCase) -> StepResult`.
    pub fn step<F: for<'a> StepFn<'a>>(
        mut self,
        role: Role,
        name: &'static str,
        about: &'static str,
        func: F,
    ) -> Self {
        self.steps.push(Step {
            role,
            name,
            about,
            run: Arc::new(Wrap(func)),
        });
        self
    }

    /// What the queues need to know of it, with its share of new flows.
    pub fn meta(&self, weight: u32) -> FlowMeta {
        FlowMeta {
            name: self.name,
            shipments: self.shipments,
            steps: self
                .steps
                .iter()
                .map(|s| StepMeta {
                    role: s.role,
                    name: s.name,
                })
                .collect(),
            weight,
        }
    }
}
