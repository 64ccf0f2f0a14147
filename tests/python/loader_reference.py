"""What the official devkit (nuscenes-devkit 1.2.0) reads from the loader fixture.

Yaw is the devkit's `quaternion_yaw` (atan2 of the rotated x axis; pyquaternion's
`yaw_pitch_roll` uses another convention). The fixture is generated deterministically by `mpa-sim bench write-fixture` (defaults of
`FixtureParams` below). This script loads it with the devkit and writes
tests/fixtures/loader_reference.json, which tests/loader_devkit_reference.rs compares with our
loader. Regenerate after changing src/scene/nuscenes/fixture.rs:

    cargo run -- bench write-fixture --out /tmp/fx --samples 5 --sweeps 2 --instances 3
    /work/main/.venv/bin/python tests/python/loader_reference.py /tmp/fx v1.0-fixture

(Optional third argument: output path.) Other data roots are compared live by
tests/loader_matches_devkit.rs through tests/python/devkit_dump.py.
"""
import json
import os
import sys

from nuscenes.eval.common.utils import quaternion_yaw
from nuscenes.nuscenes import NuScenes
from nuscenes.map_expansion.map_api import NuScenesMap
from nuscenes.utils.data_classes import Box
from pyquaternion import Quaternion

dataroot, version = sys.argv[1], sys.argv[2]
nusc = NuScenes(version=version, dataroot=dataroot, verbose=False)

scenes = []
for scene in nusc.scene:
    log = nusc.get('log', scene['log_token'])
    ego, tokens = [], scene['first_sample_token']
    sample_tokens = []
    while tokens:
        sample = nusc.get('sample', tokens)
        sample_tokens.append(tokens)
        sd = nusc.get('sample_data', sample['data']['LIDAR_TOP'])
        pose = nusc.get('ego_pose', sd['ego_pose_token'])
        ego.append({'timestamp': pose['timestamp'], 'translation': pose['translation'],
                    'yaw': quaternion_yaw(Quaternion(pose['rotation']))})
        tokens = sample['next']
    first = nusc.get('sample', scene['first_sample_token'])
    cameras = []
    for channel in ['CAM_FRONT', 'CAM_FRONT_RIGHT', 'CAM_FRONT_LEFT', 'CAM_BACK', 'CAM_BACK_LEFT',
                    'CAM_BACK_RIGHT']:
        sd = nusc.get('sample_data', first['data'][channel])
        cs = nusc.get('calibrated_sensor', sd['calibrated_sensor_token'])
        cameras.append({'channel': channel, 'width': sd['width'], 'height': sd['height'],
                        'intrinsic': cs['camera_intrinsic'], 'translation': cs['translation'],
                        'rotation_matrix': Quaternion(cs['rotation']).rotation_matrix.tolist()})
    # Boxes of every annotation of the middle sample, as the devkit builds them (centre, wlh,
    # yaw), and the devkit's interpolated box between the 2nd and 3rd keyframes of instance 0.
    mid = nusc.get('sample', sample_tokens[len(sample_tokens) // 2])
    boxes = []
    for ann_token in mid['anns']:
        box = nusc.get_box(ann_token)
        ann = nusc.get('sample_annotation', ann_token)
        boxes.append({'instance_token': ann['instance_token'], 'timestamp': mid['timestamp'],
                      'center': box.center.tolist(), 'wlh': box.wlh.tolist(),
                      'yaw': quaternion_yaw(box.orientation),
                      'category': ann['category_name'],
                      'attributes': [nusc.get('attribute', a)['name'] for a in ann['attribute_tokens']]})
    scenes.append({'name': scene['name'], 'location': log['location'], 'ego': ego,
                   'cameras': cameras, 'boxes_mid_sample': boxes})

maps = {}
for location in sorted({s['location'] for s in scenes}):
    m = NuScenesMap(dataroot=dataroot, map_name=location)
    tokens = [l['token'] for l in m.lane] + [c['token'] for c in m.lane_connector]
    lanes = m.discretize_lanes(tokens, 0.5)
    maps[location] = {
        'lanes': {t: [list(p) for p in lanes[t]] for t in tokens},
        'outgoing': {t: m.get_outgoing_lane_ids(t) for t in tokens},
        'incoming': {t: m.get_incoming_lane_ids(t) for t in tokens},
        'canvas_edge': list(m.canvas_edge),
    }

out = sys.argv[3] if len(sys.argv) > 3 else os.path.join(
    os.path.dirname(__file__), '..', 'fixtures', 'loader_reference.json')
with open(out, 'w') as f:
    json.dump({'generator': 'tests/python/loader_reference.py', 'scenes': scenes, 'maps': maps}, f)
print('wrote', out)
