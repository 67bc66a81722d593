//! User classes: what kind of user, how many of them, and what they do.

use crate::control::{ClassInfo, TaskNode};
use crate::exec::user_loop::{self, Plan, UserEnv};
use crate::filter::{filter_set, TagFilter};
use crate::http::{ClientHook, ClientSettings};
use crate::task::{erase, Task, TaskFn, TaskSet};
use crate::wait::Wait;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A finished user class, ready to hand to [`run_cli`](crate::run_cli) or a [`Runner`](crate::Runner).
/// Build one with [`UserClass::builder`] or [`UserClass::with_state`].
#[derive(Clone)]
pub struct UserClass {
    pub(crate) name: String,
    pub(crate) weight: u32,
    pub(crate) fixed_count: Option<u32>,
    pub(crate) host: Option<String>,
    pub(crate) client_hook: Option<ClientHook>,
    pub(crate) client_settings: Option<ClientSettings>,
    pub(crate) reqwest_only: bool,
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
    pub(crate) imp: Arc<dyn ClassImpl>,
}

impl std::fmt::Debug for UserClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserClass")
            .field("name", &self.name)
            .field("weight", &self.weight)
            .field("fixed_count", &self.fixed_count)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl UserClass {
    /// Start building a class whose per-user state is `S::default()`.
    pub fn builder<S: Default + Send + 'static>(name: impl Into<String>) -> UserClassBuilder<S> {
        UserClassBuilder::new(name.into(), Arc::new(S::default))
    }

    /// Start building a class whose per-user state comes from `state` (called once per user).
    pub fn with_state<S: Send + 'static>(
        name: impl Into<String>,
        state: impl Fn() -> S + Send + Sync + 'static,
    ) -> UserClassBuilder<S> {
        UserClassBuilder::new(name.into(), Arc::new(state))
    }

    /// The class name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The class weight (ignored when `fixed_count` is set).
    pub fn weight(&self) -> u32 {
        self.weight
    }

    /// The fixed number of users, if any.
    pub fn fixed_count(&self) -> Option<u32> {
        self.fixed_count
    }

    /// The class's own host, if set.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// Whether any task of the class may run under `tags` (a class with none is left out of
    /// a run, as [`Runner`](crate::Runner) does).
    pub fn has_runnable_tasks(&self, tags: &TagFilter) -> bool {
        self.imp.prepare(&self.name, tags, &mut |_| {}).is_some()
    }

    /// How the class is dispatched (name, weight, fixed count).
    pub fn dispatch_class(&self) -> crate::DispatchClass {
        crate::DispatchClass {
            name: self.name.clone(),
            weight: self.weight,
            fixed_count: self.fixed_count,
        }
    }

    /// The class's TLS client configuration, if it gave one ([`UserClassBuilder::tls`]).
    pub fn tls(&self) -> Option<&Arc<rustls::ClientConfig>> {
        self.tls.as_ref()
    }

    /// The same class with another weight (e.g. chosen on the web UI's start form).
    pub fn with_weight(mut self, weight: u32) -> Self {
        self.weight = weight;
        self
    }

    /// The class as a catalogue entry: name, weight, and its task tree.
    pub fn info(&self) -> ClassInfo {
        ClassInfo {
            name: self.name.clone(),
            weight: self.weight,
            fixed_count: self.fixed_count,
            tags: Vec::new(),
            tasks: self.imp.describe(),
        }
    }
}

/// The type-erased part of a class (its tasks and state type).
pub(crate) trait ClassImpl: Send + Sync {
    /// Apply the tag filter; `None` when nothing is runnable (already reported through `warn`).
    fn prepare(
        &self,
        class_name: &str,
        filter: &TagFilter,
        warn: &mut dyn FnMut(String),
    ) -> Option<Arc<dyn UserFactory>>;

    /// The class's task tree (names, weights, tags), for catalogues and `/tasks`.
    fn describe(&self) -> Vec<TaskNode>;
}

/// Starts users of one prepared (filtered) class.
pub(crate) trait UserFactory: Send + Sync {
    fn run_user(self: Arc<Self>, env: UserEnv) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

type StateFactory<S> = Arc<dyn Fn() -> S + Send + Sync>;

/// Builder of a [`UserClass`] with per-user state `S`.
///
/// ```
/// use milmove_runner::{UserClass, User, TaskResult, Wait};
/// async fn index(u: &mut User<()>) -> TaskResult {
///     u.get("/").name("/").send().await;
///     Ok(())
/// }
/// let class = UserClass::builder::<()>("WebUser")
///     .weight(3)
///     .wait(Wait::between(1.0, 2.0))
///     .task(1, index)
///     .tagged(2, ["slow"], index)
///     .build();
/// assert_eq!(class.name(), "WebUser");
/// ```
pub struct UserClassBuilder<S> {
    name: String,
    weight: u32,
    fixed_count: Option<u32>,
    wait: Wait,
    host: Option<String>,
    root: TaskSet<S>,
    state: StateFactory<S>,
    on_start: Option<crate::task::SharedFn<S>>,
    on_stop: Option<crate::task::SharedFn<S>>,
    client_hook: Option<ClientHook>,
    client_settings: Option<ClientSettings>,
    reqwest_only: bool,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl<S: Send + 'static> UserClassBuilder<S> {
    fn new(name: String, state: StateFactory<S>) -> Self {
        Self {
            root: TaskSet::random(name.clone()),
            name,
            weight: 1,
            fixed_count: None,
            wait: Wait::default(),
            host: None,
            state,
            on_start: None,
            on_stop: None,
            client_hook: None,
            client_settings: None,
            reqwest_only: false,
            tls: None,
        }
    }

    /// Relative share of users (default 1), as Locust's `weight`.
    pub fn weight(mut self, weight: u32) -> Self {
        self.weight = weight;
        self
    }

    /// Exactly this many users of the class, spawned before weighted classes (Locust's `fixed_count`).
    pub fn fixed_count(mut self, count: u32) -> Self {
        self.fixed_count = Some(count);
        self
    }

    /// Wait time between tasks (default: none).
    pub fn wait(mut self, wait: Wait) -> Self {
        self.wait = wait;
        self
    }

    /// This class's host (base URL); `-H/--host` applies to classes without one.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Add a task with a weight: one line per task.
    pub fn task<F: for<'a> TaskFn<'a, S>>(mut self, weight: u32, func: F) -> Self {
        self.root = self.root.task(weight, func);
        self
    }

    /// Add a task with a weight and tags: one line per task.
    pub fn tagged<F, I, T>(mut self, weight: u32, tags: I, func: F) -> Self
    where
        F: for<'a> TaskFn<'a, S>,
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.root = self.root.tagged(weight, tags, func);
        self
    }

    /// Add a fully configured [`Task`].
    pub fn with_task(mut self, task: Task<S>) -> Self {
        self.root = self.root.with_task(task);
        self
    }

    /// Add a nested task set with a weight.
    pub fn set(mut self, weight: u32, set: TaskSet<S>) -> Self {
        self.root = self.root.set(weight, set);
        self
    }

    /// Replace the top-level set (e.g. with a [`TaskSet::sequential`] one).
    pub fn tasks(mut self, set: TaskSet<S>) -> Self {
        self.root = set;
        self
    }

    /// Run once when each user starts (e.g. log in).
    pub fn on_start<F: for<'a> TaskFn<'a, S>>(mut self, func: F) -> Self {
        self.on_start = Some(erase(func));
        self
    }

    /// Run once when each user stops gracefully.
    pub fn on_stop<F: for<'a> TaskFn<'a, S>>(mut self, func: F) -> Self {
        self.on_stop = Some(erase(func));
        self
    }

    /// The TLS client configuration of this class's `https://` requests: its client
    /// certificate (mutual TLS), server verification (roots, CA bundle), resumption and ALPN.
    /// Both HTTP paths use it: the direct path (each user's own connection, wrapped in rustls)
    /// and reqwest. `--insecure` replaces only its server-certificate check. A configuration
    /// that offers HTTP/2 (`h2` in its ALPN protocols) sends every request through reqwest.
    ///
    /// ```
    /// use milmove_runner::rustls::{self, ClientConfig, RootCertStore};
    /// use milmove_runner::UserClass;
    /// use std::sync::Arc;
    /// let provider = Arc::new(rustls::crypto::ring::default_provider());
    /// let config = ClientConfig::builder_with_provider(provider)
    ///     .with_safe_default_protocol_versions()
    ///     .unwrap()
    ///     .with_root_certificates(RootCertStore::empty()) // add the CA bundle here
    ///     .with_no_client_auth(); // or .with_client_auth_cert(chain, key) for mutual TLS
    /// let class = UserClass::builder::<()>("PrimeUser")
    ///     .host("https://api.example.mil")
    ///     .tls(Arc::new(config))
    ///     .build();
    /// assert!(class.tls().is_some());
    /// ```
    pub fn tls(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Customise the class's shared `reqwest::ClientBuilder` (built once per class). A class
    /// with such a hook sends every request through reqwest (the hook may change anything);
    /// for TLS and mutual TLS give the configuration with [`tls`](Self::tls) instead.
    pub fn client(
        mut self,
        hook: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.client_hook = Some(Arc::new(hook));
        self
    }

    /// Connection settings for this class (default: from the command line).
    pub fn client_settings(mut self, settings: ClientSettings) -> Self {
        self.client_settings = Some(settings);
        self
    }

    /// Send every request through the class's `reqwest::Client`. By default, `http://` and
    /// `https://` requests to the class's host take a direct HTTP/1.1 path instead (one
    /// keep-alive connection per user, TLS through rustls with the class's
    /// [`tls`](Self::tls) configuration, written and read inline: several times less CPU per
    /// request), unless the class has a [`client`](Self::client) hook, its TLS configuration
    /// offers HTTP/2, or a proxy is set in the environment. Requests, statistics, cookies,
    /// redirects, timeouts and failure texts behave the same.
    pub fn reqwest_only(mut self) -> Self {
        self.reqwest_only = true;
        self
    }

    /// Finish the class.
    pub fn build(self) -> UserClass {
        let def = ClassDef {
            root: self.root,
            state: self.state,
            on_start: self.on_start,
            on_stop: self.on_stop,
            wait: self.wait,
        };
        UserClass {
            name: self.name,
            weight: self.weight,
            fixed_count: self.fixed_count,
            host: self.host,
            client_hook: self.client_hook,
            client_settings: self.client_settings,
            reqwest_only: self.reqwest_only,
            tls: self.tls,
            imp: Arc::new(def),
        }
    }
}

struct ClassDef<S> {
    root: TaskSet<S>,
    state: StateFactory<S>,
    on_start: Option<crate::task::SharedFn<S>>,
    on_stop: Option<crate::task::SharedFn<S>>,
    wait: Wait,
}

impl<S: Send + 'static> ClassImpl for ClassDef<S> {
    fn prepare(
        &self,
        class_name: &str,
        filter: &TagFilter,
        warn: &mut dyn FnMut(String),
    ) -> Option<Arc<dyn UserFactory>> {
        let root = filter_set(&self.root, &[], filter, class_name, warn)?;
        Some(Arc::new(Plan {
            class_name: Arc::from(class_name),
            root,
            state: self.state.clone(),
            on_start: self.on_start.clone(),
            on_stop: self.on_stop.clone(),
            wait: self.wait,
        }))
    }

    fn describe(&self) -> Vec<TaskNode> {
        crate::task::describe_set(&self.root)
    }
}

impl<S: Send + 'static> UserFactory for Plan<S> {
    fn run_user(self: Arc<Self>, env: UserEnv) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(user_loop::run_user(self, env))
    }
}
