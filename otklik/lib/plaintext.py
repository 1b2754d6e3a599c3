"""Text from outside, made safe to store and show: NFC, without invisible format characters.

Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) make a text read
differently from what it holds («…exe.txt» shown as «…txt.exe»), and zero-width characters
(U+200B–U+200F, U+FEFF, the soft hyphen) hide words from search, duplicate detection and
the reader. Every format character (Unicode category Cf) goes, except the few that are visible
signs in their scripts (Arabic and Syriac number marks) — none of which Russian text needs.
"""

from __future__ import annotations

import unicodedata

# Cf characters that are printed signs, not invisible controls: kept.
VISIBLE_FORMAT_SIGNS = frozenset(
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
)


def clean_text(value: str | None) -> str:
    """`value` in NFC without invisible format characters (bidi controls, zero-width spaces and
    joiners, BOM, soft hyphen and the other Cf characters); '' for None."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", value)
    if text.isascii():
        return text
    return "".join(
        ch for ch in text if ch in VISIBLE_FORMAT_SIGNS or unicodedata.category(ch) != "Cf"
    )
