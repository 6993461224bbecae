"""Rebuild the committed CJK font subset (needs fonts-noto-cjk, run by hand, not at run time).

Noto Sans CJK SC (SIL Open Font License 1.1) subset to ASCII, CJK punctuation and the 6,763
hanzi of GB2312, which covers the names and words a certificate prints. fpdf2 embeds this
CFF-flavoured OpenType font as a CIDFontType0C subset, so every reader shows the same glyphs.

    python certification/fonts/build_font.py
"""

from contextlib import suppress
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
TARGET = Path(__file__).with_name("NotoSansSC-GB2312.otf")


def characters() -> set[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)} | set("·—–‘’“”…、。〈〉《》「」『』【】〔〕（）：；，！？－／")
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            with suppress(UnicodeDecodeError):  # a code point GB 2312 leaves unassigned
                chars.add(bytes([hi, lo]).decode("gb2312"))
    return chars


def main() -> None:
    collection = TTCollection(SOURCE)
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in characters()])
    subsetter.subset(font)
    font.save(TARGET)
    print(TARGET, TARGET.stat().st_size)


if __name__ == "__main__":
    main()
