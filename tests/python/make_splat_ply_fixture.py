"""Writes tests/fixtures/splat_plyfile_deg2.ply with Python `plyfile`, laid out exactly as the
original 3D Gaussian Splatting code's `GaussianModel.save_ply` does (features_rest of shape
(N, K-1, 3) transposed to channel-major before flattening), plus our `uchar semantic`, and the
expected values in our conventions in splat_plyfile_deg2.json (sh as [N][K][3], rotation
(w, x, y, z) normalised).

Run: python tests/python/make_splat_ply_fixture.py
(needs numpy and plyfile; plyfile==1.0.3 keeps numpy < 2, which nuscenes-devkit pins)
"""

import json
import pathlib

import numpy as np
from plyfile import PlyData, PlyElement

SEED = 7
N = 6
DEGREE = 2
K = (DEGREE + 1) ** 2

out_dir = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
rng = np.random.default_rng(SEED)

xyz = rng.normal(size=(N, 3)).astype(np.float32)
normals = np.zeros_like(xyz)
features_dc = rng.normal(size=(N, 1, 3)).astype(np.float32)  # (N, 1, 3) as in 3DGS
features_rest = (0.1 * rng.normal(size=(N, K - 1, 3))).astype(np.float32)  # (N, K-1, 3)
opacities = rng.normal(size=(N, 1)).astype(np.float32)
scale = (rng.normal(size=(N, 3)) - 3.0).astype(np.float32)
rotation = rng.normal(size=(N, 4)).astype(np.float32)  # (w, x, y, z), not normalised
semantic = rng.integers(0, 20, size=N).astype(np.uint8)

# As in GaussianModel.save_ply: transpose(1, 2).flatten(start_dim=1).
f_dc = features_dc.transpose(0, 2, 1).reshape(N, -1)
f_rest = features_rest.transpose(0, 2, 1).reshape(N, -1)

names = ["x", "y", "z", "nx", "ny", "nz"]
names += [f"f_dc_{i}" for i in range(f_dc.shape[1])]
names += [f"f_rest_{i}" for i in range(f_rest.shape[1])]
names += ["opacity"] + [f"scale_{i}" for i in range(3)] + [f"rot_{i}" for i in range(4)]
dtype = [(n, "f4") for n in names] + [("semantic", "u1")]

elements = np.empty(N, dtype=dtype)
floats = np.concatenate((xyz, normals, f_dc, f_rest, opacities, scale, rotation), axis=1)
for i, n in enumerate(names):
    elements[n] = floats[:, i]
elements["semantic"] = semantic
PlyData([PlyElement.describe(elements, "vertex")], byte_order="<").write(
    str(out_dir / "splat_plyfile_deg2.ply")
)

sh = np.concatenate((features_dc, features_rest), axis=1)  # (N, K, 3)
rot = rotation / np.linalg.norm(rotation, axis=1, keepdims=True)
expected = {
    "sh_degree": DEGREE,
    "means": xyz.tolist(),
    "log_scales": scale.tolist(),
    "rotations_wxyz": rot.tolist(),
    "opacity_logits": opacities[:, 0].tolist(),
    "sh": sh.tolist(),
    "semantic": semantic.tolist(),
}
(out_dir / "splat_plyfile_deg2.json").write_text(json.dumps(expected, indent=1) + "\n")
