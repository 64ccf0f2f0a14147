//! Headless device creation, kept apart from the renderer so callers (CLI, viewer, tests)
//! inject their own device (the wgpu examples' `execute_gpu` / `execute_gpu_inner` split).
//!
//! Adapter choice: `AdapterPreference::Auto` takes a real GPU (discrete, then integrated, then
//! virtual) and falls back to a CPU adapter (Mesa lavapipe, Vulkan on the CPU); `Gpu` insists on
//! a GPU; `Cpu` insists on the CPU adapter (tests: the same rasteriser everywhere, so golden
//! images match). `MPA_SIM_ADAPTER=auto|gpu|cpu` overrides the default.

use crate::render::RenderError;

/// Environment variable that picks the adapter (`auto`, `gpu` or `cpu`).
pub const ADAPTER_ENV: &str = "MPA_SIM_ADAPTER";

/// Which adapter to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdapterPreference {
    /// A real GPU if there is one, else the CPU adapter.
    #[default]
    Auto,
    Gpu,
    Cpu,
}

impl AdapterPreference {
    pub fn parse(s: &str) -> Option<AdapterPreference> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Some(AdapterPreference::Auto),
            "gpu" => Some(AdapterPreference::Gpu),
            "cpu" => Some(AdapterPreference::Cpu),
            _ => None,
        }
    }

    /// `MPA_SIM_ADAPTER` if set, else `default`.
    pub fn from_env_or(default: AdapterPreference) -> Result<AdapterPreference, RenderError> {
        match std::env::var(ADAPTER_ENV) {
            Ok(v) => AdapterPreference::parse(&v).ok_or(RenderError::BadAdapterEnv { value: v }),
            Err(_) => Ok(default),
        }
    }
}

/// A device, its queue and what it runs on.
#[derive(Debug)]
pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter_info: wgpu::AdapterInfo,
}

impl GpuContext {
    /// One line for logs: adapter name, type and backend.
    pub fn describe(&self) -> String {
        format!(
            "{} ({:?}, {:?})",
            self.adapter_info.name, self.adapter_info.device_type, self.adapter_info.backend
        )
    }
}

fn rank(t: wgpu::DeviceType, pref: AdapterPreference) -> Option<u8> {
    use wgpu::DeviceType as D;
    match pref {
        AdapterPreference::Cpu => (t == D::Cpu).then_some(0),
        AdapterPreference::Gpu => match t {
            D::DiscreteGpu => Some(0),
            D::IntegratedGpu => Some(1),
            D::VirtualGpu => Some(2),
            _ => None,
        },
        AdapterPreference::Auto => Some(match t {
            D::DiscreteGpu => 0,
            D::IntegratedGpu => 1,
            D::VirtualGpu => 2,
            D::Cpu => 3,
            D::Other => 4,
        }),
    }
}

/// Create a headless device on the preferred adapter (after `MPA_SIM_ADAPTER`).
pub fn create_context(pref: AdapterPreference) -> Result<GpuContext, RenderError> {
    let pref = AdapterPreference::from_env_or(pref)?;
    create_context_with(pref, wgpu::InstanceFlags::default())
}

/// Device for tests: the CPU adapter (lavapipe) unless `MPA_SIM_ADAPTER` says otherwise, with
/// validation on.
pub fn testing_context() -> Result<GpuContext, RenderError> {
    let pref = AdapterPreference::from_env_or(AdapterPreference::Cpu)?;
    create_context_with(pref, wgpu::InstanceFlags::debugging())
}

fn create_context_with(
    pref: AdapterPreference,
    flags: wgpu::InstanceFlags,
) -> Result<GpuContext, RenderError> {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = wgpu::Backends::VULKAN;
    desc.flags = flags;
    let instance = wgpu::Instance::new(desc);
    let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::VULKAN));
    let found: Vec<String> = adapters
        .iter()
        .map(|a| {
            let i = a.get_info();
            format!("{} ({:?})", i.name, i.device_type)
        })
        .collect();
    let adapter = adapters
        .into_iter()
        .filter_map(|a| rank(a.get_info().device_type, pref).map(|r| (r, a)))
        .min_by_key(|(r, _)| *r)
        .map(|(_, a)| a);
    let Some(adapter) = adapter else {
        return Err(if found.is_empty() {
            RenderError::NoAdapter
        } else {
            RenderError::NoMatchingAdapter {
                wanted: format!("{pref:?}").to_lowercase(),
                found: found.join(", "),
            }
        });
    };
    let adapter_info = adapter.get_info();
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        label: Some("mpa-sim render"),
        required_features: wgpu::Features::empty(),
        required_limits: required_limits(&adapter.limits()),
        ..Default::default()
    }))
    .map_err(|e| RenderError::Device(e.to_string()))?;
    Ok(GpuContext {
        device,
        queue,
        adapter_info,
    })
}

/// Downlevel limits with the adapter's texture sizes, plus the adapter's storage-buffer limits
/// (the splat rasteriser binds seven storage buffers per stage, and its Gaussians and tile
/// lists need large bindings).
fn required_limits(adapter: &wgpu::Limits) -> wgpu::Limits {
    wgpu::Limits {
        max_storage_buffers_per_shader_stage: adapter.max_storage_buffers_per_shader_stage,
        max_storage_buffer_binding_size: adapter.max_storage_buffer_binding_size,
        max_buffer_size: adapter.max_buffer_size,
        ..wgpu::Limits::downlevel_defaults().using_resolution(adapter.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_parse_and_rank() {
        assert_eq!(
            AdapterPreference::parse("CPU"),
            Some(AdapterPreference::Cpu)
        );
        assert_eq!(
            AdapterPreference::parse("gpu"),
            Some(AdapterPreference::Gpu)
        );
        assert_eq!(AdapterPreference::parse("fast"), None);
        use wgpu::DeviceType as D;
        assert_eq!(rank(D::Cpu, AdapterPreference::Gpu), None);
        assert_eq!(rank(D::DiscreteGpu, AdapterPreference::Cpu), None);
        assert!(
            rank(D::DiscreteGpu, AdapterPreference::Auto) < rank(D::Cpu, AdapterPreference::Auto)
        );
    }

    #[test]
    fn missing_adapter_error_says_what_to_install() {
        let msg = RenderError::NoAdapter.to_string();
        assert!(
            msg.contains("mesa-vulkan-drivers") && msg.contains("libvulkan1"),
            "{msg}"
        );
    }
}
