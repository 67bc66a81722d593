//! The life of one user: state, `on_start`, task sets (random / sequential / nested with
//! interrupt), waits or the arrival-rate schedule, `on_stop`.

pub(crate) use super::arrival::ArrivalSchedule;
use super::signal::UserSignal;
use crate::http::{ClassHttp, HttpClient};
use crate::record::Sink;
use crate::task::{Entry, SetKind, SharedFn, TaskSet};
use crate::user::User;
use crate::wait::Wait;
use futures::FutureExt;
use rand::RngExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A class after tag filtering: what its users run.
pub(crate) struct Plan<S> {
    pub(crate) class_name: Arc<str>,
    pub(crate) root: TaskSet<S>,
    pub(crate) state: Arc<dyn Fn() -> S + Send + Sync>,
    pub(crate) on_start: Option<SharedFn<S>>,
    pub(crate) on_stop: Option<SharedFn<S>>,
    pub(crate) wait: Wait,
}

/// Everything run-wide a user needs.
pub(crate) struct RunCtx {
    pub(crate) sink: Arc<Sink>,
    pub(crate) arrival: Option<ArrivalSchedule>,
}

/// What a new user is given.
pub(crate) struct UserEnv {
    pub(crate) http: Arc<ClassHttp>,
    pub(crate) id: u64,
    pub(crate) seed: u64,
    pub(crate) signal: Arc<UserSignal>,
    pub(crate) run: Arc<RunCtx>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flow {
    Continue,
    Interrupted,
    Stop,
}

pub(crate) async fn run_user<S: Send + 'static>(plan: Arc<Plan<S>>, env: UserEnv) {
    let state = (plan.state)();
    let mut user = User::new(
        HttpClient::new(env.http.clone()),
        state,
        env.seed,
        env.id,
        plan.class_name.clone(),
    );
    let mut flow = Flow::Continue;
    if let Some(f) = &plan.on_start {
        flow = call(f, &mut user, &env, "on_start").await;
    }
    if flow != Flow::Stop && !env.signal.is_stopping() {
        run_set(&plan.root, &mut user, &env, plan.wait, true).await;
    }
    if let Some(f) = &plan.on_stop {
        user.interrupt = false;
        call(f, &mut user, &env, "on_stop").await;
    }
}

type FlowFuture<'a> = Pin<Box<dyn Future<Output = Flow> + Send + 'a>>;

fn run_set<'a, S: Send + 'static>(
    set: &'a TaskSet<S>,
    user: &'a mut User<S>,
    env: &'a UserEnv,
    wait: Wait,
    top: bool,
) -> FlowFuture<'a> {
    Box::pin(async move {
        if let Some(f) = &set.on_start {
            if call(f, user, env, "on_start").await == Flow::Stop {
                return Flow::Stop;
            }
        }
        let total: u64 = set.entries.iter().map(|e| u64::from(entry_weight(e))).sum();
        let mut next_index = 0usize;
        let flow = loop {
            if env.signal.is_stopping() {
                break Flow::Stop;
            }
            if top {
                if let Some(schedule) = &env.run.arrival {
                    let Some(intended) = schedule.claim() else {
                        // The schedule is over: idle until the run stops this user.
                        env.signal.stopped().await;
                        break Flow::Stop;
                    };
                    if !sleep_until_or_stop(&env.signal, intended).await {
                        break Flow::Stop;
                    }
                    schedule.mark_started();
                    let lag = Instant::now().saturating_duration_since(intended);
                    user.http.lag_us = Some(u64::try_from(lag.as_micros()).unwrap_or(u64::MAX));
                }
            }
            let entry = match set.kind {
                SetKind::Sequential => {
                    let e = &set.entries[next_index];
                    next_index = (next_index + 1) % set.entries.len();
                    e
                }
                SetKind::Random => pick(&set.entries, total, user),
            };
            // Only pacing waits depend on how long the task took.
            let started = matches!(wait, Wait::Pacing(_)).then(Instant::now);
            let result = match entry {
                Entry::Task(t) => call(&t.func, user, env, &t.name).await,
                Entry::Set { set: inner, .. } => {
                    let inner_wait = inner.wait.unwrap_or(wait);
                    match run_set(inner, user, env, inner_wait, false).await {
                        Flow::Stop => Flow::Stop,
                        // The parent goes on at once after an interrupt (Locust's reschedule).
                        _ => Flow::Interrupted,
                    }
                }
            };
            match result {
                Flow::Stop => break Flow::Stop,
                Flow::Interrupted => continue,
                Flow::Continue => {}
            }
            if user.interrupt {
                user.interrupt = false;
                if !top {
                    break Flow::Interrupted;
                }
            }
            if top && env.run.arrival.is_some() {
                continue;
            }
            let took = started.map_or(Duration::ZERO, |s| s.elapsed());
            let pause = wait.next_wait(&mut user.rng, took);
            if !sleep_or_stop(&env.signal, pause).await {
                break Flow::Stop;
            }
        };
        if let Some(f) = &set.on_stop {
            let interrupted = user.interrupt;
            call(f, user, env, "on_stop").await;
            user.interrupt = interrupted;
        }
        flow
    })
}

fn entry_weight<S>(e: &Entry<S>) -> u32 {
    match e {
        Entry::Task(t) => t.weight,
        Entry::Set { weight, .. } => *weight,
    }
}

/// Weighted random choice (the filter guarantees at least one entry with weight > 0).
fn pick<'e, S>(entries: &'e [Entry<S>], total: u64, user: &mut User<S>) -> &'e Entry<S> {
    if entries.len() == 1 || total == 0 {
        return &entries[0];
    }
    let mut r = user.rng.random_range(0..total);
    for e in entries {
        let w = u64::from(entry_weight(e));
        if r < w {
            return e;
        }
        r -= w;
    }
    &entries[entries.len() - 1]
}

/// Run one task function; errors become exceptions, panics too; `StopUser` stops the user.
async fn call<S: Send + 'static>(
    f: &SharedFn<S>,
    user: &mut User<S>,
    env: &UserEnv,
    name: &str,
) -> Flow {
    env.signal.set_busy(true);
    let outcome = AssertUnwindSafe(f.call_boxed(user)).catch_unwind().await;
    env.signal.set_busy(false);
    match outcome {
        Ok(Ok(())) => Flow::Continue,
        Ok(Err(e)) if e.is_stop_user() => Flow::Stop,
        Ok(Err(e)) => {
            report_exception(env, &user.class_name, name, &e.to_string());
            Flow::Continue
        }
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_string());
            report_exception(env, &user.class_name, name, &format!("panic: {msg}"));
            Flow::Continue
        }
    }
}

fn report_exception(env: &UserEnv, class: &str, task: &str, msg: &str) {
    tracing::debug!(class, task, "task error: {msg}");
    let traceback = format!("{class} > {task}");
    env.run.sink.stats.record_exception(msg, &traceback);
}

/// Sleep `d` unless the user is told to stop first; `false` = stop.
async fn sleep_or_stop(signal: &UserSignal, d: Duration) -> bool {
    if d.is_zero() {
        // Yield only when this task has used its scheduling budget, so a user whose tasks
        // never wait cannot starve the others, at no cost otherwise.
        tokio::task::coop::consume_budget().await;
        return !signal.is_stopping();
    }
    match Instant::now().checked_add(d) {
        Some(deadline) => sleep_until_or_stop(signal, deadline).await,
        None => {
            signal.stopped().await;
            false
        }
    }
}

async fn sleep_until_or_stop(signal: &UserSignal, deadline: Instant) -> bool {
    if signal.is_stopping() {
        return false;
    }
    if deadline <= Instant::now() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep_until(deadline.into()) => !signal.is_stopping(),
        _ = signal.stopped() => false,
    }
}
