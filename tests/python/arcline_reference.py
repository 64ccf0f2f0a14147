"""Reference discretisations of arcline paths from the official devkit (nuscenes-devkit 1.2.0).

Writes tests/fixtures/arcline_reference.json, read by tests/arcline_devkit_vectors.rs. One path of
each of the six Dubins shapes, with fixed (seeded) parameters, discretised at 0.5 m and 1.7 m,
plus pose_at_length at a few distances and the lane curvature at a few distances.

Run: /work/main/.venv/bin/python tests/python/arcline_reference.py
"""
import json
import os
import random

from nuscenes.map_expansion import arcline_path_utils as apu

SEED = 20240611
rng = random.Random(SEED)
cases = []
for shape in ["LSL", "LSR", "RSL", "RSR", "LRL", "RLR"]:
    path = {
        "start_pose": [rng.uniform(-500, 500), rng.uniform(-500, 500), rng.uniform(-3.14, 3.14)],
        "end_pose": [0.0, 0.0, 0.0],  # not used by the devkit's discretisation
        "shape": shape,
        "radius": rng.uniform(5, 40),
        "segment_length": [rng.uniform(0, 12), rng.uniform(0, 12), rng.uniform(0, 12)],
    }
    if shape == "RSR":
        path["segment_length"][1] = 0.0  # a degenerate middle part
    length = sum(path["segment_length"])
    lengths = [0.3 * length, 0.5 * length, length]
    cases.append({
        "path": path,
        "discretize_0_5": apu.discretize(path, 0.5),
        "discretize_1_7": apu.discretize(path, 1.7),
        "pose_at_length": [[s, apu.pose_at_length(path, s)] for s in lengths],
        "curvature": [[s, float(apu.get_curvature_at_distance_along_lane(s, [path]))]
                      for s in lengths],
    })

out = os.path.join(os.path.dirname(__file__), "..", "fixtures", "arcline_reference.json")
with open(out, "w") as f:
    json.dump({"generator": "tests/python/arcline_reference.py", "seed": SEED, "cases": cases}, f)
print("wrote", out)
