#!/usr/bin/env python3
"""Regenerate the seed corpora in fuzz/seeds/<target>/ from the shipped data.

    python3 fuzz/seeds/make_seeds.py FIXTURE_DIR EPISODE_JSON

FIXTURE_DIR: the data root the nuscenes_tables target writes on start (its scratch dir
`mpa-sim-fuzz-tables-<pid>` under MPA_SIM_FUZZ_SCRATCH: run the target once with -runs=0).
EPISODE_JSON: an episode recording from a short rollout, e.g.
`mpa-sim rollout --scene scene-0001 --agent expert --out /tmp/r` then /tmp/r/episodes/*.json.
Seeds are kept small (truncated samples of the real files) so the committed corpus stays
well under 2 MB and each execution stays fast.
"""
import json
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fuzz" / "seeds"
SHIPPED = ROOT / "scenes" / "nuscenes"


def out_dir(target):
    d = SEEDS / target
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    return d


def compact(value):
    return json.dumps(value, separators=(",", ":"))


def tables(fixture_dir):
    d = out_dir("nuscenes_tables")
    version = next(p for p in fixture_dir.iterdir() if p.name.startswith("v1.0"))
    for table in sorted(version.glob("*.json")):
        value = json.loads(table.read_text())
        (d / f"fixture-{table.stem}").write_text(f"{table.stem}\n{compact(value)}")
    # Small real tables (their tokens do not link to the fixture's: error paths).
    for name in ["scene", "log", "map", "sensor", "category", "attribute", "visibility"]:
        text = (SHIPPED / "v1.0-mini" / f"{name}.json").read_text()
        value = json.loads(text)[:3]
        (d / f"shipped-{name}").write_text(f"{name}\n{compact(value)}")


def truncated_map(m, keep=4):
    """The first `keep` records of each layer and the geometry they reference."""
    out = {"version": m["version"], "canvas_edge": m["canvas_edge"]}
    polygons, lines = set(), set()
    layers = ["drivable_area", "road_segment", "road_block", "lane", "ped_crossing", "walkway",
              "stop_line", "carpark_area", "road_divider", "lane_divider", "traffic_light",
              "lane_connector"]
    for layer in layers:
        records = [dict(r) for r in m.get(layer, [])[:keep]]
        for r in records:
            if "polygon_tokens" in r:
                r["polygon_tokens"] = r["polygon_tokens"][:3]
                polygons.update(r["polygon_tokens"])
            for f in ["polygon_token"]:
                if f in r:
                    polygons.add(r[f])
            for f in ["line_token", "from_edge_line_token", "to_edge_line_token"]:
                if r.get(f):
                    lines.add(r[f])
        out[layer] = records
    kept_polys = [p for p in m["polygon"] if p["token"] in polygons]
    kept_lines = [l for l in m["line"] if l["token"] in lines]
    nodes = set()
    for p in kept_polys:
        nodes.update(p["exterior_node_tokens"])
        for h in p.get("holes", []):
            nodes.update(h["node_tokens"])
    for l in kept_lines:
        nodes.update(l["node_tokens"])
    for layer in ["lane", "lane_divider"]:
        for r in out[layer]:
            for f in ["left_lane_divider_segments", "right_lane_divider_segments",
                      "lane_divider_segments"]:
                nodes.update(s["node_token"] for s in r.get(f, []))
    out["polygon"] = kept_polys
    out["line"] = kept_lines
    out["node"] = [n for n in m["node"] if n["token"] in nodes]
    lanes = {r["token"] for r in out["lane"] + out["lane_connector"]}
    out["arcline_path_3"] = {k: v for k, v in m["arcline_path_3"].items() if k in lanes}
    out["connectivity"] = {
        k: {d: [t for t in v[d] if t in lanes] for d in ["incoming", "outgoing"]}
        for k, v in m["connectivity"].items() if k in lanes
    }
    return out


def maps(fixture_dir):
    d = out_dir("map_expansion")
    for path in sorted((fixture_dir / "maps" / "expansion").glob("*.json")):
        (d / f"fixture-{path.stem}.json").write_text(compact(json.loads(path.read_text())))
    for path in sorted((SHIPPED / "maps" / "expansion").glob("*.json")):
        m = truncated_map(json.loads(path.read_text()))
        (d / f"shipped-{path.stem}.json").write_text(compact(m))


def scenarios():
    d = out_dir("scenario_toml")
    for path in sorted((ROOT / "scenes" / "scenarios").glob("*.toml")):
        shutil.copy(path, d / path.name)


def episode(path):
    d = out_dir("episode_json")
    rec = json.loads(path.read_text())
    rec["steps"] = rec["steps"][:6]  # a few steps: every field, small input
    job = rec["meta"]["job"]
    if job.get("scenario_file"):  # no machine-specific absolute path in the seed
        job["scenario_file"] = str(pathlib.Path(job["scenario_file"]).relative_to(ROOT))
    (d / "rollout-expert.json").write_text(compact(rec) + "\n")


def requests():
    d = out_dir("hugsim_request")
    plans = {
        "uniad-6": {"data": [[0.0, 2.5 * k] for k in range(1, 7)], "shape": [6, 2],
                    "dtype": "float64"},
        "ltf-8-turn": {"data": [[0.3 * k * k, 2.0 * k] for k in range(1, 9)],
                       "shape": [8, 2], "dtype": "float32"},
        "stopped": {"data": [[0.0, 0.0]] * 6, "shape": [6, 2], "dtype": "float64"},
    }
    for name, plan in plans.items():
        # As hugsim_client sends it: the plan as a JSON string inside the body.
        body = {"plan_traj": json.dumps(plan), "transaction_id": "0123456789abcdef" * 2}
        (d / f"{name}.json").write_text(json.dumps(body))
    obj = {"plan_traj": plans["uniad-6"], "transaction_id": "t1"}
    (d / "object-plan.json").write_text(json.dumps(obj))


def pickles():
    d = out_dir("pickle")
    # The target decodes any bytes into a value; a few shapes to start from: a dict of
    # arrays (the state), nested lists, a float and a string.
    (d / "dict-arrays").write_bytes(bytes([7, 3, 4, 1, 0, 97, 8, 0, 2, 2, 3, 4, 1, 1, 1, 8,
                                           2, 2, 1, 2] + list(range(40))))
    (d / "nested").write_bytes(bytes([5, 4, 5, 2, 0, 1, 3, 0, 0, 0, 0, 0, 0, 248, 63, 0, 6, 3,
                                      2, 3, 255, 255, 255, 127, 1, 1, 9, 4, 3, 0, 104, 105, 0]))


JSON_SYNTAX = ["{", "}", "[", "]", ":", ",", '""', "true", "false", "null", "-0", "1e308",
               "0.5", "-1", "18446744073709551616", "\\u0000"]
TOML_SYNTAX = ["[[actors]]", "[ego]", "=", "{", "}", "[", "]", "true", "false", "inf", "nan",
               "-1e308", "1e308", '""', "'''", "\n"]


def keys_of(value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(k)
            keys_of(v, out)
    elif isinstance(value, list):
        for v in value:
            keys_of(v, out)


def write_dict(target, tokens):
    d = ROOT / "fuzz" / "dicts"
    d.mkdir(exist_ok=True)
    def quote(token):  # libFuzzer's escapes: \\, \" and \xHH only
        return "".join(c if 32 <= ord(c) < 127 and c not in '\\"' else
                       "".join(f"\\x{b:02X}" for b in c.encode()) for c in token)
    lines = [f'kw{i}="{quote(t)}"' for i, t in enumerate(sorted(set(tokens)))]
    (d / f"{target}.dict").write_text("\n".join(lines) + "\n")


def dicts():
    """libFuzzer dictionaries: syntax plus every key the seeds use."""
    for target in ["nuscenes_tables", "map_expansion", "episode_json", "hugsim_request"]:
        if not (SEEDS / target).is_dir():
            continue
        keys = set()
        heads = set()
        for path in (SEEDS / target).iterdir():
            text = path.read_text()
            if target == "nuscenes_tables":
                head, text = text.split("\n", 1)
                heads.add(head + "\n")
            value = json.loads(text)
            keys_of(value, keys)
            if target == "hugsim_request" and isinstance(value.get("plan_traj"), str):
                keys_of(json.loads(value["plan_traj"]), keys)
        write_dict(target, JSON_SYNTAX + [f'"{k}"' for k in keys] + sorted(heads))
    keys = set()
    for path in (SEEDS / "scenario_toml").iterdir():
        for line in path.read_text().splitlines():
            if line.startswith("["):
                keys.add(line.strip())
            elif "=" in line and not line.lstrip().startswith("#"):
                keys.add(line.split("=", 1)[0].strip())
    write_dict("scenario_toml", TOML_SYNTAX + sorted(keys))


if __name__ == "__main__":
    fixture_dir = pathlib.Path(sys.argv[1])
    tables(fixture_dir)
    maps(fixture_dir)
    scenarios()
    if len(sys.argv) > 2:
        episode(pathlib.Path(sys.argv[2]))
    requests()
    pickles()
    dicts()
