//! Benchmarks behind `mpa-sim bench`: the library side (data generation, timing, memory);
//! the CLI in `src/cli/bench.rs` adds progress bars and the child-process runs.

pub mod load;
pub mod sim;
