//! `SplatScene`: a set of 3D Gaussians in the standard 3DGS parameterisation (Kerbl et al. 2023)
//! plus our per-Gaussian semantic class and the transform into the scene's global frame.
//!
//! Storage is structure-of-arrays in f32 (what the PLY files and the GPU hold); the placement
//! `global_from_splat` is f64 like the rest of the scene model.

use super::error::SplatError;
use glam::{DMat4, Quat, Vec3};

/// Zeroth-order real spherical harmonic constant, `1 / (2 sqrt(pi))`.
pub const SH_C0: f64 = 0.282_094_791_773_878_14;

/// Semantic class written for Gaussians of a file without a `semantic` property.
pub const SEMANTIC_UNLABELLED: u8 = 0;

/// Number of SH coefficients per colour channel for a degree: `(degree + 1)^2`.
pub fn sh_coeffs_per_channel(sh_degree: u32) -> usize {
    ((sh_degree + 1) * (sh_degree + 1)) as usize
}

#[derive(Debug, Clone, PartialEq)]
pub struct SplatScene {
    /// Centres in the splat frame (metres if the reconstruction is metric).
    pub means: Vec<Vec3>,
    /// Natural log of the standard deviations along the Gaussian's local axes.
    pub log_scales: Vec<Vec3>,
    /// Local-to-splat-frame rotations, unit length.
    pub rotations: Vec<Quat>,
    /// Opacity before the sigmoid.
    pub opacity_logits: Vec<f32>,
    /// 0 to 3.
    pub sh_degree: u32,
    /// `sh[g * K + k]` is the RGB triple of coefficient `k` of Gaussian `g`, with
    /// `K = sh_coeffs_per_channel(sh_degree)`; coefficient 0 is the DC term (`f_dc`).
    pub sh: Vec<Vec3>,
    /// Semantic class per Gaussian, when the file has one.
    pub semantic: Option<Vec<u8>>,
    /// Placement of the splat frame in the scene's global frame.
    pub global_from_splat: DMat4,
}

impl SplatScene {
    pub fn empty(sh_degree: u32) -> SplatScene {
        SplatScene {
            means: Vec::new(),
            log_scales: Vec::new(),
            rotations: Vec::new(),
            opacity_logits: Vec::new(),
            sh_degree,
            sh: Vec::new(),
            semantic: None,
            global_from_splat: DMat4::IDENTITY,
        }
    }

    pub fn len(&self) -> usize {
        self.means.len()
    }

    pub fn is_empty(&self) -> bool {
        self.means.is_empty()
    }

    /// SH coefficients per channel of this scene.
    pub fn sh_coeffs(&self) -> usize {
        sh_coeffs_per_channel(self.sh_degree)
    }

    /// The SH coefficients of Gaussian `g`.
    pub fn sh_of(&self, g: usize) -> &[Vec3] {
        let k = self.sh_coeffs();
        &self.sh[g * k..(g + 1) * k]
    }

    /// Semantic class of Gaussian `g` (`SEMANTIC_UNLABELLED` without semantics).
    pub fn semantic_of(&self, g: usize) -> u8 {
        self.semantic.as_ref().map_or(SEMANTIC_UNLABELLED, |s| s[g])
    }

    /// Opacity after the sigmoid.
    pub fn opacity(&self, g: usize) -> f32 {
        1.0 / (1.0 + (-self.opacity_logits[g]).exp())
    }

    /// Checks array lengths, the SH degree, unit rotations and finiteness.
    pub fn validate(&self) -> Result<(), SplatError> {
        let n = self.len();
        let bad = |what: String| Err(SplatError::InvalidScene(what));
        if self.sh_degree > 3 {
            return bad(format!("sh_degree {} (expected 0 to 3)", self.sh_degree));
        }
        let lens = [
            ("log_scales", self.log_scales.len()),
            ("rotations", self.rotations.len()),
            ("opacity_logits", self.opacity_logits.len()),
            ("semantic", self.semantic.as_ref().map_or(n, Vec::len)),
        ];
        for (name, len) in lens {
            if len != n {
                return bad(format!("{name} has {len} entries, means has {n}"));
            }
        }
        if self.sh.len() != n * self.sh_coeffs() {
            return bad(format!(
                "sh has {} entries, expected {} ({} Gaussians x {} coefficients)",
                self.sh.len(),
                n * self.sh_coeffs(),
                n,
                self.sh_coeffs()
            ));
        }
        for g in 0..n {
            let finite = self.means[g].is_finite()
                && self.log_scales[g].is_finite()
                && self.rotations[g].is_finite()
                && self.opacity_logits[g].is_finite()
                && self.sh_of(g).iter().all(|c| c.is_finite());
            if !finite {
                return bad(format!("Gaussian {g} has a non-finite parameter"));
            }
            if (self.rotations[g].length() - 1.0).abs() > 1e-3 {
                return bad(format!("Gaussian {g} rotation is not unit length"));
            }
        }
        Ok(())
    }

    /// Appends all Gaussians of `other` (same SH degree; semantics kept if either has them).
    pub fn extend(&mut self, other: &SplatScene) -> Result<(), SplatError> {
        if other.sh_degree != self.sh_degree {
            return Err(SplatError::InvalidScene(format!(
                "cannot merge SH degree {} into degree {}",
                other.sh_degree, self.sh_degree
            )));
        }
        if self.semantic.is_some() || other.semantic.is_some() {
            let mut sem: Vec<u8> = (0..self.len()).map(|g| self.semantic_of(g)).collect();
            sem.extend((0..other.len()).map(|g| other.semantic_of(g)));
            self.semantic = Some(sem);
        }
        self.means.extend_from_slice(&other.means);
        self.log_scales.extend_from_slice(&other.log_scales);
        self.rotations.extend_from_slice(&other.rotations);
        self.opacity_logits.extend_from_slice(&other.opacity_logits);
        self.sh.extend_from_slice(&other.sh);
        Ok(())
    }
}
