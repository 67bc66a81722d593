//! Compiles the protocol with a pure-Rust protobuf compiler (no system `protoc` needed).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/milmove_cluster.proto");
    let fds = protox::compile(["milmove_cluster.proto"], ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .btree_map(".")
        .compile_fds(fds)?;
    Ok(())
}
