"""The serving process's collector: tuned once the app is built, in that process only."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from config.settings import Settings
from server.app import create_app
from server.collector import YOUNG_GENERATION_THRESHOLD

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json
before = {"threshold": gc.get_threshold()[0], "frozen": gc.get_freeze_count()}
from server.app import app_from_environment
app_from_environment()
after = {"threshold": gc.get_threshold()[0], "frozen": gc.get_freeze_count()}
print(json.dumps({"before": before, "after": after}))
"""


def test_the_serving_factory_freezes_what_it_built_and_raises_the_young_threshold() -> None:
    # The factory builds the app without connecting: the URI is never dialled.
    environment = dict(os.environ, ROSTER_MONGODB_URI="mongodb://127.0.0.1:9/unused")
    completed = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        timeout=60,
        check=True,
    )
    seen = json.loads(completed.stdout.decode().strip().splitlines()[-1])
    assert seen["before"] == {"threshold": 700, "frozen": 0}
    assert seen["after"]["threshold"] == YOUNG_GENERATION_THRESHOLD
    # The schema, the modules and the app: tens of thousands of objects no longer walked.
    assert seen["after"]["frozen"] > 10_000


def test_building_an_app_in_a_test_process_leaves_the_collector_alone() -> None:
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    create_app(Settings(mongodb_uri="mongodb://127.0.0.1:9/unused"))
    assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, frozen)
