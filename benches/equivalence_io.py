"""What the equivalence scripts (`safety_equivalence.py`, `matcher_equivalence.py`) share:
reading one string field of a JSON-lines file, and building the dump tool they drive."""

import json
import os
import subprocess

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def jsonl(path, key):
    """The string values of `key` in the JSON-lines file `path` (other lines skipped)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                v = json.loads(line)
                if isinstance(v.get(key), str):
                    out.append(v[key])
    return out


def build(example, bin_path):
    """`bin_path` if given, else this checkout's `example` (built with `medfaq`)."""
    if bin_path:
        return bin_path
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--example", example, "--bin", "medfaq"],
        cwd=ROOT,
        check=True,
    )
    return os.path.join(ROOT, "target", "release", "examples", example)
