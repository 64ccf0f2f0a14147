//! A headless wgpu device for tests, benches and batch tools, preferring a CPU adapter
//! (Mesa's lavapipe) so results do not depend on the machine's GPU. Validation is on in debug
//! builds. (The renderer's general device creation lives beside this module; this one exists so
//! the splat tests and bench can run on their own.)

use super::error::SplatError;

/// Creates a Vulkan device and queue, preferring a CPU (software) adapter.
pub fn headless_device() -> Result<(wgpu::Device, wgpu::Queue), SplatError> {
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle();
    descriptor.backends = wgpu::Backends::VULKAN;
    descriptor.flags = if cfg!(debug_assertions) {
        wgpu::InstanceFlags::debugging()
    } else {
        wgpu::InstanceFlags::empty()
    }
    .with_env();
    let instance = wgpu::Instance::new(descriptor);
    let mut adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::VULKAN));
    if adapters.is_empty() {
        return Err(SplatError::Gpu(
            "no Vulkan adapter found (install mesa-vulkan-drivers and libvulkan1 for lavapipe)"
                .into(),
        ));
    }
    // CPU adapters first, then the enumeration order.
    adapters.sort_by_key(|a| a.get_info().device_type != wgpu::DeviceType::Cpu);
    let adapter = adapters.swap_remove(0);
    let limits = adapter.limits();
    pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        label: Some("mpa-sim headless"),
        required_features: wgpu::Features::empty(),
        required_limits: limits,
        experimental_features: wgpu::ExperimentalFeatures::disabled(),
        memory_hints: wgpu::MemoryHints::Performance,
        trace: wgpu::Trace::Off,
    }))
    .map_err(|e| {
        SplatError::Gpu(format!(
            "requesting a device from {:?}: {e}",
            adapter.get_info().name
        ))
    })
}
