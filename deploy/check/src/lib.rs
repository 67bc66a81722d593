//! Offline checks of milmove-load's deployment files.
//!
//! The image, the ECS task definitions, the Kubernetes manifests and the AWS scripts cannot be
//! exercised for real on a machine without a container registry or a cloud account, so this
//! test-only crate checks them as far as can be done offline: the Dockerfile is parsed and every
//! path it copies and every binary it runs is checked against the workspace; the task
//! definitions are validated against the ECS API model that botocore ships; the manifests against
//! the Kubernetes schemas of `kubernetes-validate`; the scripts run against fake `aws` and
//! `docker` executables that record their calls. The tests live in `tests/`; this library holds
//! the pieces they share.
//!
//! ```
//! use milmove_deploy_check::dockerfile::{Dockerfile, Instruction};
//!
//! let file = Dockerfile::parse("FROM debian:bookworm-slim AS runtime\nCOPY a b /usr/local/bin/\n")?;
//! let stage = &file.stages()[0];
//! assert_eq!(stage.name.as_deref(), Some("runtime"));
//! let Instruction::Copy(copy) = &stage.instructions[0].instruction else { unreachable!() };
//! assert_eq!(copy.sources, ["a", "b"]);
//! assert_eq!(copy.dest, "/usr/local/bin/");
//! # Ok::<(), milmove_deploy_check::dockerfile::DockerfileError>(())
//! ```

pub mod dockerfile;
pub mod dockerignore;
pub mod ecs;
pub mod fakes;
pub mod sizing;
pub mod template;
pub mod tool;
pub mod workspace;
