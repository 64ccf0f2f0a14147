"""Drive every scene a `mpa-sim serve` server offers with the unmodified PyPI hugsim-client,
checking what the client receives. Used by tests/serve_hugsim_client.rs.

Usage: hugsim_drive.py URL TOKEN WIDTH HEIGHT
Plan: 8 waypoints (as LTF sends) straight ahead in the lidar frame (x right, y forward), 0.5 s
apart, at the current speed. Prints one JSON line at the end: steps, scenes, last info.
"""

import json
import os
import sys

# hugsim_client starts a dummy HTTP server on port 7860 unless told it is not in a HF Space.
os.environ.setdefault("IN_HF_SPACE", "false")

import numpy as np  # noqa: E402
from hugsim_client import HugsimClient  # noqa: E402

CAMERAS = {"CAM_FRONT", "CAM_FRONT_LEFT", "CAM_FRONT_RIGHT", "CAM_BACK", "CAM_BACK_LEFT",
           "CAM_BACK_RIGHT"}
INFO_KEYS = {"ego_pos", "ego_rot", "ego_velo", "ego_steer", "accelerate", "steer_rate",
             "timestamp", "command", "ego_box", "obj_boxes", "cam_params"}
MAX_STEPS = 2000


def check_state(env_state, width, height, after_step):
    obs, info = env_state.state.obs, env_state.state.info
    assert set(obs) == {"rgb", "semantic", "depth"}, sorted(obs)
    for kind, dtype, shape in [("rgb", np.uint8, (height, width, 3)),
                               ("semantic", np.uint8, (height, width)),
                               ("depth", np.float32, (height, width))]:
        assert set(obs[kind]) == CAMERAS, (kind, sorted(obs[kind]))
        for cam, img in obs[kind].items():
            assert isinstance(img, np.ndarray), (kind, cam, type(img))
            assert img.dtype == dtype and img.shape == shape, (kind, cam, img.dtype, img.shape)
            assert img.flags.writeable, (kind, cam)
    keys = set(info)
    want = INFO_KEYS | ({"rc", "collision"} if after_step else set())
    assert want <= keys, sorted(want - keys)
    assert len(info["ego_pos"]) == 3 and len(info["ego_rot"]) == 3
    assert len(info["ego_box"]) == 7
    assert all(len(b) == 7 for b in info["obj_boxes"])
    assert info["command"] in (0, 1, 2) and isinstance(info["command"], int)
    for name in ("ego_velo", "ego_steer", "accelerate", "steer_rate", "timestamp"):
        assert isinstance(info[name], float), (name, type(info[name]))
    assert set(info["cam_params"]) == CAMERAS, sorted(info["cam_params"])
    for cam, p in info["cam_params"].items():
        intr = p["intrinsic"]
        assert (intr["H"], intr["W"]) == (height, width), (cam, intr)
        assert 0 < intr["fovx"] < np.pi and 0 < intr["fovy"] < np.pi, (cam, intr)
        for m in ("v2c", "l2c"):
            assert p[m].shape == (4, 4) and p[m].dtype == np.float64, (cam, m)
            assert np.allclose(p[m][3], [0, 0, 0, 1]), (cam, m, p[m])
            assert np.allclose(p[m][:3, :3] @ p[m][:3, :3].T, np.eye(3), atol=1e-9), (cam, m)
    if after_step:
        assert isinstance(info["collision"], bool) and 0.0 <= info["rc"] <= 1.0


def main():
    url, token, width, height = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    client = HugsimClient(host=url, api_token=token)
    client.reset_env()
    state = client.get_current_state()
    assert not state.done and not state.cur_scene_done
    check_state(state, width, height, after_step=False)
    steps, scenes, timestamps = 0, 0, []
    while not state.done:
        assert steps < MAX_STEPS, "episode did not end"
        speed = max(state.state.info["ego_velo"], 2.0)
        plan = np.array([[0.0, speed * 0.5 * (k + 1)] for k in range(8)], dtype=np.float64)
        state = client.execute_action(plan)
        steps += 1
        timestamps.append(state.state.info["timestamp"])
        if state.cur_scene_done:
            scenes += 1
        if not state.done:
            check_state(state, width, height, after_step=not state.cur_scene_done)
    # After the end the server keeps answering, without stepping.
    again = client.get_current_state()
    assert again.done and again.cur_scene_done
    final = client.execute_action(np.zeros((6, 2)))
    assert final.done
    info = state.state.info
    print(json.dumps({"steps": steps, "scenes": scenes,
                      "final_timestamp": info["timestamp"], "rc": info.get("rc"),
                      "collision": info.get("collision")}))


if __name__ == "__main__":
    main()
