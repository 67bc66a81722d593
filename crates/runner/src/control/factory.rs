//! How a controller turns start parameters into user classes: the app supplies a
//! [`ClassFactory`] (the MilMove apps resolve the host text as `--host` does and build their
//! classes; [`FixedClasses`] serves binaries with a fixed list of classes).

use std::any::Any;

use super::types::{Catalogue, ClassChoice, ControlError, StartParams};
use super::BoxFuture;
use crate::class::UserClass;

/// The classes of one run, ready for the runner.
pub struct BuiltRun {
    /// The classes with their weights applied.
    pub classes: Vec<UserClass>,
    /// Default host for classes without their own (the runner's `-H`), if any.
    pub host: Option<String>,
    /// What the host text resolved to, for the header and reports (never key material).
    pub host_detail: String,
    /// Kept alive while the run's statistics are current (e.g. a stand-in server).
    pub guard: Option<Box<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for BuiltRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltRun")
            .field("classes", &self.classes)
            .field("host", &self.host)
            .field("host_detail", &self.host_detail)
            .finish_non_exhaustive()
    }
}

/// Turns start parameters into user classes. The runner does not know the application: the
/// app decides what a host text means and how its classes are built.
pub trait ClassFactory: Send + Sync + 'static {
    /// The classes a test can run (default weights, tags, task trees).
    fn catalogue(&self) -> Catalogue;

    /// Builds the classes for `params`; `classes` are the chosen classes and weights, already
    /// checked against the catalogue. A host that does not resolve is a
    /// [`ControlError::BadInput`].
    fn build<'a>(
        &'a self,
        params: &'a StartParams,
        classes: &'a [ClassChoice],
    ) -> BoxFuture<'a, Result<BuiltRun, ControlError>>;
}

/// A factory for a fixed list of classes (e.g. the quickstart example): weights come from the
/// start parameters, the host text must be a URL (or empty when every class has its own).
#[derive(Clone, Debug)]
pub struct FixedClasses {
    classes: Vec<UserClass>,
}

impl FixedClasses {
    /// Serves `classes`.
    pub fn new(classes: Vec<UserClass>) -> Self {
        Self { classes }
    }
}

impl ClassFactory for FixedClasses {
    fn catalogue(&self) -> Catalogue {
        Catalogue {
            classes: self.classes.iter().map(UserClass::info).collect(),
        }
    }

    fn build<'a>(
        &'a self,
        params: &'a StartParams,
        classes: &'a [ClassChoice],
    ) -> BoxFuture<'a, Result<BuiltRun, ControlError>> {
        Box::pin(async move {
            let host = params.host.trim().trim_end_matches('/').to_string();
            if !host.is_empty() {
                check_url_host(&host).await?;
            }
            let built = classes
                .iter()
                .filter_map(|choice| {
                    self.classes
                        .iter()
                        .find(|c| c.name() == choice.name)
                        .map(|c| c.clone().with_weight(choice.weight))
                })
                .collect();
            Ok(BuiltRun {
                classes: built,
                host: (!host.is_empty()).then(|| host.clone()),
                host_detail: host,
                guard: None,
            })
        })
    }
}

/// Checks that `host` is an `http://` or `https://` URL whose host name resolves (a
/// [`ControlError::BadInput`] saying why otherwise).
pub async fn check_url_host(host: &str) -> Result<(), ControlError> {
    let url = url::Url::parse(host)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        .ok_or_else(|| {
            ControlError::BadInput(format!(
                "host `{host}` is not an http:// or https:// URL (e.g. http://127.0.0.1:8080)"
            ))
        })?;
    let name = url.host_str().unwrap_or_default().to_string();
    let bare = name
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url.port_or_known_default().unwrap_or(80);
    let address = if bare.contains(':') {
        format!("[{bare}]:{port}")
    } else {
        format!("{bare}:{port}")
    };
    let lookup = tokio::net::lookup_host(address);
    let found = tokio::time::timeout(std::time::Duration::from_secs(5), lookup)
        .await
        .map(|r| r.map(|addrs| addrs.count()));
    match found {
        Ok(Ok(n)) if n > 0 => Ok(()),
        Ok(Ok(_)) => Err(ControlError::BadInput(format!(
            "host `{name}` does not resolve to any address"
        ))),
        Ok(Err(e)) => Err(ControlError::BadInput(format!(
            "host `{name}` does not resolve: {e}"
        ))),
        Err(_) => Err(ControlError::BadInput(format!(
            "host `{name}` did not resolve within 5 s"
        ))),
    }
}
