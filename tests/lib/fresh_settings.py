"""otklik.settings as a fresh process computes it from a given environment (settings are read
once, at import: a test cannot re-read them in its own process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def settings_in_subprocess(env: dict[str, str], expression: str, data_dir) -> object:
    """The JSON value of `expression` over the settings module `s`, with only `env` set."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    code = f"import json, otklik.settings as s; print(json.dumps({expression}))"
    result = subprocess.run(  # noqa: S603 (our interpreter, our code)
        [sys.executable, "-c", code],
        env={**keep, "SECRET_KEY": "x" * 50, "DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)
