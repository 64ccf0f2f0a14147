//! Headless rendering of the whole rig: every camera drawn and copied in one command encoder
//! and one submission, read back through one staging buffer mapped once (not once per camera).
//! Targets and the staging buffer are kept and reused while the output size stays the same.

use crate::render::actors::ActorInstance;
use crate::render::camera::ViewCamera;
use crate::render::renderer::Renderer;
use crate::render::targets::RenderTargets;
use crate::render::{CameraView, RenderError, Views};
use crate::scene::{CameraRig, Pose};

/// Bytes per row padded to wgpu's copy alignment.
fn padded(bytes_per_row: u32) -> u32 {
    let a = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
    bytes_per_row.div_ceil(a) * a
}

/// Per-size resources of `render_views`.
#[derive(Debug)]
pub struct FrameResources {
    width: u32,
    height: u32,
    targets: Vec<RenderTargets>,
    staging: wgpu::Buffer,
    /// Per camera: byte offsets of colour, depth and semantic in `staging`.
    offsets: Vec<[u64; 3]>,
}

impl FrameResources {
    fn new(device: &wgpu::Device, cameras: usize, width: u32, height: u32) -> FrameResources {
        let sizes = [4u32, 4, 1].map(|bpp| padded(width * bpp) as u64 * height as u64);
        let mut offsets = Vec::with_capacity(cameras);
        let mut at = 0u64;
        for _ in 0..cameras {
            let mut o = [0u64; 3];
            for (k, s) in sizes.iter().enumerate() {
                o[k] = at;
                at += s;
            }
            offsets.push(o);
        }
        FrameResources {
            width,
            height,
            targets: (0..cameras)
                .map(|_| RenderTargets::new(device, width, height))
                .collect(),
            staging: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("readback staging"),
                size: at.max(4),
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            offsets,
        }
    }
}

fn copy(
    encoder: &mut wgpu::CommandEncoder,
    texture: &wgpu::Texture,
    staging: &wgpu::Buffer,
    offset: u64,
    bytes_per_pixel: u32,
    w: u32,
    h: u32,
) {
    encoder.copy_texture_to_buffer(
        wgpu::TexelCopyTextureInfo {
            texture,
            mip_level: 0,
            origin: wgpu::Origin3d::ZERO,
            aspect: wgpu::TextureAspect::All,
        },
        wgpu::TexelCopyBufferInfo {
            buffer: staging,
            layout: wgpu::TexelCopyBufferLayout {
                offset,
                bytes_per_row: Some(padded(w * bytes_per_pixel)),
                rows_per_image: Some(h),
            },
        },
        wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
    );
}

/// Rows of a padded image, unpadded.
fn unpad(bytes: &[u8], offset: u64, row_bytes: u32, h: u32) -> Vec<u8> {
    let pitch = padded(row_bytes) as usize;
    let mut out = Vec::with_capacity(row_bytes as usize * h as usize);
    for y in 0..h as usize {
        let start = offset as usize + y * pitch;
        out.extend_from_slice(&bytes[start..start + row_bytes as usize]);
    }
    out
}

impl Renderer {
    /// A render size the device can hold.
    fn check_size(&self, (w, h): (u32, u32)) -> Result<(), RenderError> {
        let max = self.device.limits().max_texture_dimension_2d;
        if w == 0 || h == 0 || w > max || h > max {
            return Err(RenderError::BadSize {
                width: w,
                height: h,
                max,
            });
        }
        Ok(())
    }

    /// Camera slots and per-size targets (with the staging buffer) for `n` camera images at
    /// `size`, reused while both stay the same.
    fn ensure_targets(&mut self, n: usize, (w, h): (u32, u32)) {
        while self.cameras.len() < n {
            let c = self.create_camera();
            self.cameras.push(c);
        }
        let reuse = self
            .frame
            .as_ref()
            .is_some_and(|f| f.width == w && f.height == h && f.targets.len() == n);
        if !reuse {
            self.frame = Some(FrameResources::new(&self.device, n, w, h));
        }
    }

    /// Checks the size, uploads the actors of every frame, makes sure there are camera slots
    /// and targets for K frames x C cameras of `rig` at `size`, and encodes one pass per
    /// camera image into one encoder: the whole scene, or (`static_scene` false) the actors
    /// and sky only. Returns the placed cameras, frame after frame. Shared by
    /// `render_views_batch` (which adds the readback copies) and `draw_actor_layers`.
    fn encode_frames(
        &mut self,
        frames: &[(&Pose, &[ActorInstance])],
        rig: &CameraRig,
        size: (u32, u32),
        static_scene: bool,
    ) -> Result<(Vec<ViewCamera>, wgpu::CommandEncoder), RenderError> {
        self.check_size(size)?;
        let c = rig.cameras.len();
        let actor_lists: Vec<&[ActorInstance]> = frames.iter().map(|f| f.1).collect();
        let ranges = self.upload_actor_frames(&actor_lists);
        if let Some(last) = ranges.last() {
            // The last frame's actors stay the current ones (`set_actors`).
            self.class_ranges_mut().clone_from(last);
        }
        self.ensure_targets(frames.len() * c, size);
        let frame = self
            .frame
            .as_ref()
            .expect("frame resources were just ensured");
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some(if static_scene {
                    "render_views"
                } else {
                    "actor layers"
                }),
            });
        let mut placed = Vec::with_capacity(frames.len() * c);
        for (k, (ego_pose, _)) in frames.iter().enumerate() {
            for (j, cam) in rig.cameras.iter().enumerate() {
                let i = k * c + j;
                let v = ViewCamera::new(ego_pose, cam, self.origin, size);
                self.cameras[i].write(&self.queue, &v.uniform(&self.lighting));
                self.draw_parts_with(
                    &mut encoder,
                    &frame.targets[i].views(),
                    &self.cameras[i],
                    static_scene,
                    &ranges[k],
                );
                placed.push(v);
            }
        }
        Ok((placed, encoder))
    }

    /// Draw the actors and the sky only (no static scene) for every camera of `rig` into this
    /// renderer's per-camera targets, in one submission, without reading them back; the
    /// targets (`frame_targets`) are then the mesh layers of a splat pass.
    pub fn draw_actor_layers(
        &mut self,
        ego_pose: &Pose,
        actors: &[ActorInstance],
        rig: &CameraRig,
        size: (u32, u32),
    ) -> Result<Vec<ViewCamera>, RenderError> {
        let (views, encoder) = self.encode_frames(&[(ego_pose, actors)], rig, size, false)?;
        self.queue.submit([encoder.finish()]);
        Ok(views)
    }

    /// The per-camera targets of the last `render_views` / `draw_actor_layers` (rig order).
    pub fn frame_targets(&self) -> &[RenderTargets] {
        self.frame.as_ref().map_or(&[], |f| &f.targets)
    }

    /// Render every camera of `rig` at `size` for an ego pose (global, rear axle) and actors,
    /// and read RGB, depth and semantic ids back.
    pub fn render_views(
        &mut self,
        ego_pose: &Pose,
        actors: &[ActorInstance],
        rig: &CameraRig,
        size: (u32, u32),
    ) -> Result<Views, RenderError> {
        let mut views = self.render_views_batch(&[(ego_pose, actors)], rig, size)?;
        views
            .pop()
            .ok_or_else(|| RenderError::Readback("a batch of one gave no views".into()))
    }

    /// `render_views` for several frames of this scene (each an ego pose and its actors: forks
    /// of one World, say) in one command encoder, one submission and one mapped readback:
    /// K frames x C cameras targets, the actors of all frames in the one instance buffer.
    /// Each frame's images equal what `render_views` gives for it alone, bit for bit.
    pub fn render_views_batch(
        &mut self,
        frames: &[(&Pose, &[ActorInstance])],
        rig: &CameraRig,
        size: (u32, u32),
    ) -> Result<Vec<Views>, RenderError> {
        let (w, h) = size;
        let c = rig.cameras.len();
        if frames.is_empty() || c == 0 {
            self.check_size(size)?;
            return Ok(frames
                .iter()
                .map(|_| Views {
                    cameras: Vec::new(),
                })
                .collect());
        }
        let (placed, mut encoder) = self.encode_frames(frames, rig, size, true)?;
        let frame = self
            .frame
            .as_ref()
            .expect("frame resources were just ensured");
        for (t, o) in frame.targets.iter().zip(&frame.offsets) {
            copy(&mut encoder, &t.color, &frame.staging, o[0], 4, w, h);
            copy(&mut encoder, &t.depth_m, &frame.staging, o[1], 4, w, h);
            copy(&mut encoder, &t.semantic, &frame.staging, o[2], 1, w, h);
        }
        self.queue.submit([encoder.finish()]);

        let (tx, rx) = std::sync::mpsc::channel();
        frame.staging.map_async(wgpu::MapMode::Read, .., move |r| {
            // The receiver lives until recv below returns; a send error cannot happen.
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| RenderError::Readback(e.to_string()))?;
        rx.recv()
            .map_err(|e| RenderError::Readback(e.to_string()))?
            .map_err(|e| RenderError::Readback(e.to_string()))?;
        let mut out: Vec<Views> = Vec::with_capacity(frames.len());
        {
            let data = frame
                .staging
                .get_mapped_range(..)
                .map_err(|e| RenderError::Readback(e.to_string()))?;
            for (i, v) in placed.iter().enumerate() {
                if i % c == 0 {
                    out.push(Views {
                        cameras: Vec::with_capacity(c),
                    });
                }
                let o = frame.offsets[i];
                let rgba = unpad(&data, o[0], w * 4, h);
                let rgb: Vec<u8> = rgba
                    .chunks_exact(4)
                    .flat_map(|p| [p[0], p[1], p[2]])
                    .collect();
                let depth_bytes = unpad(&data, o[1], w * 4, h);
                let depth_m: Vec<f32> = depth_bytes
                    .chunks_exact(4)
                    .map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                let semantic = unpad(&data, o[2], w, h);
                if let Some(views) = out.last_mut() {
                    views.cameras.push(CameraView {
                        channel: v.channel.clone(),
                        width: w,
                        height: h,
                        rgb,
                        depth_m,
                        semantic,
                    });
                }
            }
        }
        frame.staging.unmap();
        Ok(out)
    }
}
