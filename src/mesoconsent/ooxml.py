"""Names, in lxml's Clark notation, of the WordprocessingML elements and values that readers of
a stored form look at (verification.py, visibility.py)."""

from __future__ import annotations

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
P, R, TEXT, TAB, BR, CR, TR = (f"{W}{tag}" for tag in ("p", "r", "t", "tab", "br", "cr", "tr"))
TC = f"{W}tc"
# Characters Word and LibreOffice write as elements of their own, not inside w:t: an optional
# (soft) hyphen, U+00AD, and a non-breaking hyphen, U+2011.
SOFT_HYPHEN, NO_BREAK_HYPHEN = f"{W}softHyphen", f"{W}noBreakHyphen"
TBL = f"{W}tbl"
BOOKMARK_START, BOOKMARK_END = f"{W}bookmarkStart", f"{W}bookmarkEnd"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
ALTERNATE_CONTENT, CHOICE, FALLBACK = (
    f"{MC}{tag}" for tag in ("AlternateContent", "Choice", "Fallback")
)
# Tracked changes that take content out of the document once accepted: a deletion, and the old
# place of moved text (its new place is a w:moveTo, which stays).
REMOVED = (f"{W}del", f"{W}moveFrom")
# The values that switch an on/off property off (ISO 29500 17.17.4, ST_OnOff).
OFF = ("0", "false", "off")
