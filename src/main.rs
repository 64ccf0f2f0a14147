use clap::Parser;
use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    quiet_vulkan_device_select();
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Mesa's implicit Vulkan layer `VK_LAYER_MESA_device_select` connects to a Wayland display
/// while the loader enumerates GPUs; on a headless machine libwayland then prints
/// `error: XDG_RUNTIME_DIR is invalid or not set in the environment.` although nothing is
/// wrong. The layer only reorders GPUs for the default choice, and wgpu picks the adapter
/// itself (`render::device`, `MPA_SIM_ADAPTER`), so it is switched off by Mesa's own
/// `NODEVICE_SELECT` when there is no Wayland session and the user has not set it.
#[allow(unsafe_code)]
fn quiet_vulkan_device_select() {
    let headless = std::env::var_os("XDG_RUNTIME_DIR").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none();
    if headless && std::env::var_os("NODEVICE_SELECT").is_none() {
        // SAFETY: first statement of `main`, before any thread exists, so no other thread can
        // read the environment concurrently.
        unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    }
}
