"""Start-up stays light: setting Django up, loading the URLconf and the WSGI application imports
none of the heavy libraries. sklearn and scipy (the models), pypdf (uploaded documents),
openpyxl (the weekly workbook), pymorphy3 and natasha (Russian text) load in the functions that
use them, so a worker that never trains a model or writes a workbook never pays for them.

When this fails, `python -X importtime -c "…"` with the same three steps shows the chain that
pulled the library in; move that import into the function that needs it.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HEAVY = ("sklearn", "scipy", "pypdf", "openpyxl", "pymorphy3", "natasha")
SCRIPT = f"""
import json, sys
import django
django.setup()
import otklik.urls
from django.core.wsgi import get_wsgi_application
get_wsgi_application()
print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))
"""


def test_start_up_loads_no_heavy_library(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "DATA_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(BASE_DIR),
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", SCRIPT],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], f"loaded at start-up: {', '.join(loaded)}"
