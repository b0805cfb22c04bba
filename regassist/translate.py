"""Optional translation with argostranslate, from model files the user installs (no registry package ships
ru/ar/tr<->en models, and models are never downloaded). Off, and never required, when none is installed.

    regassist models install translate-ar_en-1_9.argosmodel
    regassist models list
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from regassist.errors import MissingExtra, RegassistError

logger = logging.getLogger(__name__)


def _argos():  # type: ignore[no-untyped-def]
    try:
        import argostranslate.package
        import argostranslate.translate
    except ImportError as err:
        raise MissingExtra("Translation", "translate") from err
    return argostranslate


def install_model(path: Path) -> str:
    """Install an .argosmodel file from disk; returns 'from->to'."""
    if not path.is_file() or path.suffix != ".argosmodel":
        raise RegassistError(f"{path} is not an .argosmodel file.")
    argos = _argos()
    argos.package.install_from_path(str(path))
    installed_pairs.cache_clear()
    return f"{path.stem}"


@lru_cache(maxsize=1)
def installed_pairs() -> frozenset[tuple[str, str]]:
    """(from, to) language pairs with an installed model; empty when argostranslate is absent."""
    try:
        argos = _argos()
    except MissingExtra:
        return frozenset()
    pairs = set()
    for lang in argos.translate.get_installed_languages():
        for target in lang.translations_from:
            pairs.add((lang.code, target.to_lang.code))
    return frozenset(pairs)


def translate(text: str, source: str, target: str) -> str | None:
    """``text`` in ``target`` when a model for the pair (or a pivot through English) is installed, else None."""
    if source == target:
        return text
    pairs = installed_pairs()
    if not pairs:
        return None
    argos = _argos()
    try:
        if (source, target) in pairs:
            return str(argos.translate.translate(text, source, target))
        if (source, "en") in pairs and ("en", target) in pairs:
            return str(argos.translate.translate(argos.translate.translate(text, source, "en"), "en", target))
    except Exception as err:  # noqa: BLE001 - translation is a nicety; the verbatim quote stays
        logger.warning("translation %s->%s failed: %s", source, target, err)
    return None
