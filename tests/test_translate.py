"""Translation is optional: with no Argos model installed nothing changes; with one, the query is expanded."""

from __future__ import annotations

import regassist.translate as translate


def test_without_models_translation_is_off(monkeypatch):
    monkeypatch.setattr(translate, "installed_pairs", lambda: frozenset())
    assert translate.translate("налог на прибыль", "ru", "en") is None
    assert translate.translate("налог на прибыль", "ru", "ru") == "налог на прибыль"


def test_installed_pair_expands_the_lexical_query(searcher, monkeypatch):
    monkeypatch.setattr(translate, "installed_pairs", lambda: frozenset({("ru", "en")}))
    monkeypatch.setattr(
        translate, "translate", lambda text, src, tgt: "customs duty exemption" if tgt == "en" else None
    )
    plan = searcher.plan("освобождение от пошлины", "ru")
    assert "custom" in plan.tokens and plan.tokens["custom"] < 1.0  # an expansion, weighted below the asker's words
