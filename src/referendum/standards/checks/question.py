"""The question and its answers: clarity, format, the status quo, unity, declared effect."""

from __future__ import annotations

from referendum.standards.case import Case
from referendum.standards.checks._sources import CODE
from referendum.standards.finding import Check, Finding, Status, gather, require_flags

__all__ = ["CHECKS"]


@Check("QUESTION_CLARITY", "question", f"{CODE} I.3.1.c-d").define
def question_clarity(check: Check, case: Case) -> Finding:
    """I.3.1.c: the question "must be clear"; I.3.1.d: an impartial body "must exercise
    prior scrutiny on the clarity of the question": both fail when broken."""
    facts = gather(case, "question.clear", "question.reviewed_by_impartial_body")
    clear, reviewed = facts["question.clear"], facts["question.reviewed_by_impartial_body"]
    used = facts.used
    if clear is not None and not clear.as_bool():
        return check.finding(Status.FAIL, used, "fail")
    if reviewed is not None and not reviewed.as_bool():
        return check.finding(Status.FAIL, used, "not_reviewed")
    if clear is None or reviewed is None:
        missing = [
            p
            for p, v in (
                ("question.clear", clear),
                ("question.reviewed_by_impartial_body", reviewed),
            )
            if v is None
        ]
        return check.unknown(missing, used)
    return check.finding(Status.PASS, used, "pass")


@Check("ANSWER_FORMAT", "question", f"{CODE} I.3.1.c").define
def answer_format(check: Check, case: Case) -> Finding:
    form = case.fact("question.answer_format")
    if form is None:
        return check.unknown(["question.answer_format"])
    if form.as_text() in ("yes_no", "yes_no_blank"):
        return check.finding(Status.PASS, [form], "pass")
    return check.finding(Status.WARN, [form], "warn", format=form.as_text())


@Check("STATUS_QUO_AVAILABLE", "question", f"{CODE} III.5").define
def status_quo(check: Check, case: Case) -> Finding:
    form = case.fact("question.answer_format")
    if form is None:
        return check.unknown(["question.answer_format"])
    if form.as_text() != "multiple":
        return check.finding(Status.PASS, [form], "not_applicable")
    facts = gather(case, "question.status_quo_option", "outcome.rule")
    quo, rule = facts["question.status_quo_option"], facts["outcome.rule"]
    used = [form, *facts.used]
    if quo is not None and not quo.as_bool():
        return check.finding(Status.FAIL, used, "fail")
    if rule is not None and rule.as_mapping().get("plurality"):
        return check.finding(Status.FAIL, used, "plurality")
    if quo is None or rule is None:
        missing = [
            p for p, v in (("question.status_quo_option", quo), ("outcome.rule", rule)) if v is None
        ]
        return check.unknown(missing, used)
    return check.finding(Status.PASS, used, "pass")


@Check("UNITY", "question", f"{CODE} III.2").define
def unity(check: Check, case: Case) -> Finding:
    return require_flags(check, case, {"question.unity": True})


@Check("EFFECTS_DECLARED", "question", f"{CODE} III.8").define
def effects_declared(check: Check, case: Case) -> Finding:
    facts = gather(case, "question.effect", "question.effect_declared_in_advance")
    effect, declared = facts["question.effect"], facts["question.effect_declared_in_advance"]
    used = facts.used
    if declared is not None and not declared.as_bool():
        return check.finding(Status.FAIL, used, "fail")
    if effect is None or declared is None:
        return check.unknown(facts.missing, used)
    return check.finding(Status.PASS, used, "pass", effect=effect.as_text())


CHECKS: tuple[Check, ...] = (
    question_clarity,
    answer_format,
    status_quo,
    unity,
    effects_declared,
)
