//! placeholder
/// x
#[derive(Debug, Clone, clap::Args)] pub struct ClusterArgs {}
