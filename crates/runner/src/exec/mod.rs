//! The executor: users as tokio tasks, the control loop, dispatch by weight, the runner API.

pub(crate) mod arrival;
pub(crate) mod control;
pub mod dispatch;
pub(crate) mod runner;
pub(crate) mod share;
pub(crate) mod signal;
pub(crate) mod user_loop;
