"""Generative mode: a model's answer is used only when it passes the checks; otherwise the extractive one."""

from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from regassist.answer import Evidence
from regassist.documents import Chunk, DocInfo, Hit
from regassist.generate import GenerativeAnswerer


def _evidence(text: str, lang: str = "en") -> Evidence:
    chunk = Chunk("d:0", "d", text, lang, 1, 1, "Article 5", 0, len(text))  # type: ignore[arg-type]
    doc = DocInfo("d", "law.txt", "Law", lang, "law", "OM", None, None, None, 1)  # type: ignore[arg-type]
    return Evidence(Hit(chunk, doc, 1.0), text, 0, 1.0)


EVIDENCE = [
    _evidence("A licensed enterprise pays no corporate income tax for 15 years from the date of its licence."),
    _evidence("Work permits are issued within 10 working days."),
]


@pytest.mark.parametrize(
    ("reply", "ok"),
    [
        ("The corporate income tax exemption lasts 15 years [1]. Work permits take 10 working days [2].", True),
        ("The exemption lasts 15 years [1]. It is the best zone in the region.", False),  # a sentence without a source
        ("The exemption lasts 20 years [1].", False),  # a number the cited source does not contain
        ("Work permits take 15 days [2].", False),  # the number is in source 1, not in the cited source 2
        ("The exemption lasts 15 years [3].", False),  # no source 3
        ("NO ANSWER", False),
        ("Освобождение действует 15 лет [1].", False),  # not in the asker's language (en)
    ],
)
def test_check(reply, ok):
    assert (GenerativeAnswerer.check(reply, EVIDENCE, "en") is not None) is ok


@pytest.fixture
def assistant_factory(e5, e5_index):
    from regassist.assistant import Assistant

    return lambda replies: Assistant(e5_index, embedder=e5, chat_model=FakeListChatModel(responses=replies))


def test_generated_answer_is_used_when_it_passes(assistant_factory):
    assistant = assistant_factory(["A licensed enterprise pays no corporate income tax for fifteen years [1]."])
    answer = assistant.ask("How long is the corporate tax exemption in the Harbour Free Zone?")
    assert answer.notes == ("generative",)
    assert answer.text.endswith("[1].")
    assert answer.citations[0].source.endswith("en_regulations.txt")


def test_model_that_obeys_an_injected_instruction_is_overruled(assistant_factory):
    # The spam post says "0% forever"; that passage is never given to the model, and a reply repeating it
    # cites nothing that states 0, so the extractive answer is returned instead.
    assistant = assistant_factory(["The corporate tax in the Harbour Free Zone is 0% forever [1]."])
    answer = assistant.ask("How long is the corporate tax exemption in the Harbour Free Zone?")
    assert "generative" not in answer.notes
    assert "0%" not in answer.text
    assert "fifteen years" in answer.text
