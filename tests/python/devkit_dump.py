"""Load a dataset with the official nuScenes devkit and dump what it sees, for
tests/synth_devkit.rs to compare against what our generator wrote.

Usage: python devkit_dump.py DATAROOT VERSION OUT.json

Dumps, per scene (by name): the LIDAR_TOP ego pose (translation, rotation) of each sample and
the annotation boxes (instance token, translation, size, rotation) per sample, read through
`NuScenes`; per map location: `discretize_lanes` of every lane and lane connector at 0.5 m and
`get_outgoing_lane_ids` of the first ten lanes, read through `NuScenesMap`.
"""

import json
import sys

from nuscenes.map_expansion.map_api import NuScenesMap
from nuscenes.nuscenes import NuScenes


def main() -> None:
    dataroot, version, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
    nusc = NuScenes(version=version, dataroot=dataroot, verbose=False)
    scenes = {}
    for scene in nusc.scene:
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
                    "translation": [float(v) for v in box.center],
                    "size": [float(v) for v in box.wlh],
                    "rotation": [float(v) for v in box.orientation.elements],
                })
            samples.append({
                "timestamp": sample["timestamp"],
                "ego_translation": pose["translation"],
                "ego_rotation": pose["rotation"],
                "boxes": boxes,
            })
            token = sample["next"]
        scenes[scene["name"]] = samples

    maps = {}
    locations = sorted({log["location"] for log in nusc.log})
    for location in locations:
        nmap = NuScenesMap(dataroot=dataroot, map_name=location)
        tokens = [r["token"] for r in nmap.lane] + [r["token"] for r in nmap.lane_connector]
        lanes = nmap.discretize_lanes(tokens, 0.5)
        outgoing = {t: nmap.get_outgoing_lane_ids(t) for t in tokens[:10]}
        maps[location] = {
            "centrelines": {t: [[float(v) for v in p] for p in pts] for t, pts in lanes.items()},
            "outgoing": outgoing,
        }

    with open(out_path, "w") as fh:
        json.dump({"scenes": scenes, "maps": maps}, fh)


if __name__ == "__main__":
    main()
