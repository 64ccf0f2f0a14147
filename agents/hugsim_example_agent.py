"""Example remote agent for `mpa-sim serve`, using the unmodified PyPI `hugsim-client` (0.0.8).
Copy this file and replace `plan()` with your model.

    pip install hugsim-client==0.0.8 numpy
    mpa-sim serve --split test_in_domain --token secret --out runs/my_agent --no-render  # another shell
    HUGSIM_SERVER_HOST=http://localhost:8065 HUGSIM_API_TOKEN=secret python hugsim_example_agent.py

What the server sends (see src/serve/ for the details):
  obs["rgb"][cam]       uint8 (H, W, 3), cam in CAM_FRONT, CAM_FRONT_LEFT, CAM_FRONT_RIGHT,
                        CAM_BACK, CAM_BACK_LEFT, CAM_BACK_RIGHT
  obs["semantic"][cam]  uint8 (H, W);  obs["depth"][cam] float32 (H, W), metres
  info: ego_velo (m/s), ego_steer (rad, right positive), command (0 right, 1 left, 2 straight),
        cam_params[cam] = {intrinsic: {H, W, cx, cy, fovx, fovy}, v2c: 4x4, l2c: 4x4}, ...
What it expects back: numpy (N, 2) waypoints 0.5 s apart, the first 0.5 s from now, in the
lidar frame (x right, y forward, metres). UniAD-style N = 6; N = 8 works too.
"""

import os

# hugsim_client otherwise starts a dummy web server on port 7860 (for Hugging Face Spaces).
os.environ.setdefault("IN_HF_SPACE", "false")

import numpy as np  # noqa: E402
from hugsim_client import HugsimClient  # noqa: E402

PLAN_POINTS = 6
PLAN_DT_S = 0.5
CRUISE_SPEED_MPS = 6.0
# Lateral offset per second of a gentle turn for the commands right (0) and left (1).
TURN_RATE_MPS = {0: 1.0, 1: -1.0, 2: 0.0}


def plan(obs, info):
    """A lane-keeping stand-in: drive ahead at a cruise speed, bending gently toward the
    commanded side. Replace with your model (obs images -> waypoints)."""
    speed = 0.7 * info["ego_velo"] + 0.3 * CRUISE_SPEED_MPS
    lateral = TURN_RATE_MPS.get(int(info["command"]), 0.0)
    pts = []
    for k in range(1, PLAN_POINTS + 1):
        t = k * PLAN_DT_S
        forward = speed * t
        # x right, y forward: a right turn bends toward +x.
        right = lateral * t * t / 3.0
        pts.append([right, forward])
    return np.asarray(pts, dtype=np.float64)


def main():
    client = HugsimClient()  # HUGSIM_SERVER_HOST, HUGSIM_API_TOKEN
    client.reset_env()
    state = client.get_current_state()
    scene, steps = 0, 0
    while not state.done:
        state = client.execute_action(plan(state.state.obs, state.state.info))
        steps += 1
        if state.cur_scene_done:
            scene += 1
            print(f"scene {scene} done after {steps} steps")
            steps = 0
            # Reset any per-scene memory of your model here.
    print("all scenes done; results are in the server's --out directory")


if __name__ == "__main__":
    main()
