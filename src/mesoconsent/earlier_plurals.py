"""The gettext plural forms Babel 2.18 and earlier gave the languages whose forms 2.19 changed.

Babel 2.19 took its gettext plural table from newer CLDR rules: French, Spanish, Italian and
Portuguese gained a form for millions, Turkish a second form, and 30 other languages changed
too. Catalogs made before (by msginit, Poedit, Weblate, or pybabel init with Babel 2.18 or
earlier) keep the earlier forms, which gettext still reads as they say, so they stay valid
(plurals.py accepts either). The entries are Babel 2.18's (babel.messages.plurals, BSD licence).
"""

from __future__ import annotations

# fmt: off
EARLIER_PLURALS: dict[str, tuple[int, str]] = {
    "ar": (6, "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=0 && n%100<=2 ? 4 : 5)"),
    "be": (3, "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"),
    "bn": (2, "(n != 1)"),
    "br": (6, "(n==1 ? 0 : n%10==1 && n%100!=11 && n%100!=71 && n%100!=91 ? 1 : n%10==2 && n%100!=12 && n%100!=72 && n%100!=92 ? 2 : (n%10==3 || n%10==4 || n%10==9) && n%100!=13 && n%100!=14 && n%100!=19 && n%100!=73 && n%100!=74 && n%100!=79 && n%100!=93 && n%100!=94 && n%100!=99 ? 3 : n%1000000==0 ? 4 : 5)"),
    "bs": (3, "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"),
    "ca": (2, "(n != 1)"),
    "cs": (3, "((n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2)"),
    "cv": (1, "0"),
    "cy": (5, "(n==1 ? 1 : n==2 ? 2 : n==3 ? 3 : n==6 ? 4 : 0)"),
    "es": (2, "(n != 1)"),
    "fa": (1, "0"),
    "fr": (2, "(n > 1)"),
    "fur": (2, "(n > 1)"),
    "he": (2, "(n != 1)"),
    "hi": (2, "(n != 1)"),
    "hr": (3, "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"),
    "hu": (1, "0"),
    "hy": (1, "0"),
    "is": (2, "(n%10==1 && n%100!=11 ? 0 : 1)"),
    "it": (2, "(n != 1)"),
    "ka": (1, "0"),
    "kg": (2, "(n != 1)"),
    "lt": (3, "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && (n%100<10 || n%100>=20) ? 1 : 2)"),
    "lv": (3, "(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2)"),
    "mt": (4, "(n==1 ? 0 : n==0 || ( n%100>=1 && n%100<=10) ? 1 : (n%100>10 && n%100<20 ) ? 2 : 3)"),
    "pa": (2, "(n != 1)"),
    "pl": (3, "(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"),
    "pt": (2, "(n != 1)"),
    "pt_BR": (2, "(n > 1)"),
    "ro": (3, "(n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2)"),
    "ru": (3, "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"),
    "sk": (3, "((n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2)"),
    "sl": (4, "(n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3)"),
    "sr": (3, "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"),
    "tr": (1, "0"),
    "uk": (3, "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"),
}
# fmt: on
