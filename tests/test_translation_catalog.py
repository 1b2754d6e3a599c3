"""The Russian catalog is current: extracting the messages from a copy of the tree (as
`make messages` does) finds no string without a translation and none left fuzzy. A model's new
verbose name or a template's «%» (`{% translate %}` looks it up as «%%») otherwise shows in
English on a Russian page, and nothing else would notice."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("otklik", "templates", "locale", "manage.py")


def _messages(po: Path, *flags: str) -> list[str]:
    out = subprocess.run(  # noqa: S603 - gettext's own tool on our catalog
        ["msgattrib", *flags, "--no-wrap", str(po)],  # noqa: S607 - on PATH with gettext
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line for line in out.splitlines() if line.startswith("msgid ") and line != 'msgid ""']


def test_every_message_of_the_tree_has_a_russian_translation(tmp_path):
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ru", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        check=True,
    )
    po = tmp_path / "locale/ru/LC_MESSAGES/django.po"
    assert _messages(po, "--untranslated") == []
    assert _messages(po, "--only-fuzzy") == []
