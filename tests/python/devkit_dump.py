"""Load a dataset with the official nuScenes devkit and dump what it sees, for
tests/loader_matches_devkit.rs to compare, scene by scene, with what our loader reads.

Usage: python devkit_dump.py DATAROOT VERSION OUT.json

Dumps, per scene (by name, in scene.json order): its location and, per sample, the LIDAR_TOP
ego pose (timestamp, translation, rotation [w, x, y, z]) and every annotation box as
`NuScenes.get_box` builds it (instance token, centre, size [w, l, h], orientation [w, x, y, z]);
per map location: `discretize_lanes` of every lane and lane connector at 0.5 m and
`get_incoming_lane_ids` / `get_outgoing_lane_ids` of each, read through `NuScenesMap`.
"""

import json
import sys

from nuscenes.map_expansion.map_api import NuScenesMap
from nuscenes.nuscenes import NuScenes


def floats(values):
    return [float(v) for v in values]


def main() -> None:
    dataroot, version, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
    nusc = NuScenes(version=version, dataroot=dataroot, verbose=False)
    scenes = []
    for scene in nusc.scene:
        log = nusc.get("log", scene["log_token"])
        samples = []
        token = scene["first_sample_token"]
        while token:
            sample = nusc.get("sample", token)
            lidar = nusc.get("sample_data", sample["data"]["LIDAR_TOP"])
            pose = nusc.get("ego_pose", lidar["ego_pose_token"])
            boxes = []
            for ann_token in sample["anns"]:
                box = nusc.get_box(ann_token)
                ann = nusc.get("sample_annotation", ann_token)
                boxes.append({
                    "instance_token": ann["instance_token"],
                    "translation": floats(box.center),
                    "size": floats(box.wlh),
                    "rotation": floats(box.orientation.elements),
                })
            samples.append({
                "timestamp": sample["timestamp"],
                "ego_timestamp": pose["timestamp"],
                "ego_translation": floats(pose["translation"]),
                "ego_rotation": floats(pose["rotation"]),
                "boxes": boxes,
            })
            token = sample["next"]
        scenes.append({"name": scene["name"], "location": log["location"], "samples": samples})

    maps = {}
    for location in sorted({log["location"] for log in nusc.log}):
        nmap = NuScenesMap(dataroot=dataroot, map_name=location)
        tokens = [r["token"] for r in nmap.lane] + [r["token"] for r in nmap.lane_connector]
        lanes = nmap.discretize_lanes(tokens, 0.5)
        maps[location] = {
            "centrelines": {t: [floats(p) for p in lanes[t]] for t in tokens},
            "incoming": {t: nmap.get_incoming_lane_ids(t) for t in tokens},
            "outgoing": {t: nmap.get_outgoing_lane_ids(t) for t in tokens},
        }

    with open(out_path, "w") as fh:
        json.dump({"scenes": scenes, "maps": maps}, fh)


if __name__ == "__main__":
    main()
