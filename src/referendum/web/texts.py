"""The referendum's own texts (title, information, questions, answers, region names) in the
reader's language: the manifest's translation when it has one, else its first official
language; the answers of a yes/no question from the message catalogues."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from referendum.record.manifest import Manifest
from referendum.web.i18n import Translator

__all__ = ["ManifestTexts", "QuestionTexts"]


@dataclass(frozen=True)
class QuestionTexts:
    """A question's text and its answers' labels, by answer."""

    id: str
    text: str
    answers: dict[str, str]
    regions: tuple[str, ...] | None
    """The regions whose ballot has the question (``None``: all)."""


class ManifestTexts:
    """``texts.title``, ``texts.question("q1").answers["yes"]``, ``texts.region("east")``."""

    def __init__(self, manifest: Manifest, t: Translator) -> None:
        self._manifest = manifest
        self._t = t
        self.lang = manifest.text_language(t.lang)
        """The language the referendum's texts are shown in (the reader's, if official)."""

    def lang_attr(self, page_lang: str) -> Markup:
        """`` lang="xx"`` for an element holding the referendum's texts when they are not in
        the page's language (a fallback to the first official one), else nothing."""
        if self.lang is None or self.lang == page_lang:
            return Markup("")
        return Markup(' lang="{}"').format(self.lang)

    @property
    def title(self) -> str:
        return self._manifest.texts(self.lang).title

    @property
    def information(self) -> str:
        return self._manifest.texts(self.lang).information

    def question(self, question_id: str) -> QuestionTexts:
        texts = self._manifest.texts(self.lang)
        q = next(q for q in self._manifest.questions if q.id == question_id)
        labels = texts.answers.get(q.id, {})
        answers = {}
        for answer in q.answers:
            if answer in labels:
                answers[answer] = labels[answer]
            elif q.is_referendum and self._t.has(f"answer.{answer}"):
                answers[answer] = self._t(f"answer.{answer}")
            else:
                answers[answer] = answer
        return QuestionTexts(q.id, texts.questions.get(q.id, q.text), answers, q.regions)

    def questions(self) -> list[QuestionTexts]:
        return [self.question(q.id) for q in self._manifest.questions]

    def region(self, region_id: str | None) -> str:
        if region_id is None:
            return self._t("results.all_regions")
        texts = self._manifest.texts(self.lang)
        return texts.regions.get(region_id) or self._manifest.region(region_id).name

    def region_names(self, region_ids: tuple[str, ...]) -> list[str]:
        return [self.region(r) for r in region_ids]
