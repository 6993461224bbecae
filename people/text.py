"""How typed identifiers are compared: one spelling for what a person would read as the same."""

import unicodedata


def fold(text) -> str:
    """NFKC (full-width letters and digits become ASCII) then case folding, outer spaces
    stripped: `ｓｆ-XY-01` and `SF-xy-01` fold alike."""
    return unicodedata.normalize("NFKC", str(text or "")).casefold().strip()
