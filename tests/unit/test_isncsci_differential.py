"""Differential test: our ISNCSCI classifier against the reference, praxis ``isncsci`` 2.0.6.

One ``node tests/fhirjs/isncsci_oracle.js`` process per test session classifies every exam in
one batch (exams in as JSON lines, answers out). The exams come from the seeded generator in
``tests/isncsci_generator.py``: 3,000 by default, ``NEUROROOT_ISNCSCI_DIFF_N`` for more, and
``NEUROROOT_ISNCSCI_DIFF_SEED`` for another sample. A disagreement prints the exam in praxis
JSON (replay it with ``echo '<exam>' | node tests/fhirjs/isncsci_oracle.js``) and both answers.

Where we follow the published rule instead of the reference, the case is written down in
``docs/isncsci-deviations.md`` and matched by :func:`documented_deviation`; only those exams
are left out, and a test checks the predicate against the documented example.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import threading
import typing as t
from pathlib import Path

import pytest

from service.core.isncsci import classify, exam_from_praxis
from tests.isncsci_generator import exams
from tests.isncsci_support import case_exam, case_expected, load_cases, ours, reference_answer

ROOT = Path(__file__).parent.parent
ORACLE = ROOT / "fhirjs" / "isncsci_oracle.js"
INSTALL = "run: npm ci --prefix tests/fhirjs"
N = int(os.environ.get("NEUROROOT_ISNCSCI_DIFF_N", "3000"))
SEED = int(os.environ.get("NEUROROOT_ISNCSCI_DIFF_SEED", "20190401"))


def documented_deviation(exam: dict[str, t.Any]) -> str | None:
    """The deviation (a heading of docs/isncsci-deviations.md) an exam falls under, if any.

    None are in force: after 128 cases and the differential runs we found no case where we
    are confident the reference contradicts the published rules (see the document).
    """
    return None


Oracle = t.Callable[[list[dict[str, t.Any]]], list[dict[str, t.Any]]]


@pytest.fixture(scope="session")
def reference() -> t.Iterator[Oracle]:
    """The reference classifier: one node process for the session, fed in batches."""
    node = shutil.which("node")
    if node is None or not (ROOT / "fhirjs" / "node_modules" / "isncsci").is_dir():
        pytest.fail(f"the reference classifier is not installed; {INSTALL}")
    process = subprocess.Popen(
        [node, str(ORACLE)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    def classify_all(batch: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
        def feed() -> None:
            for exam in batch:
                stdin.write(json.dumps(exam) + "\n")
            stdin.flush()

        writer = threading.Thread(target=feed)  # a big batch would fill the pipe both ways
        writer.start()
        answers = [json.loads(stdout.readline()) for _ in batch]
        writer.join()
        return answers

    yield classify_all
    stdin.close()
    process.wait(timeout=10)
    stdout.close()


def _compare(batch: list[dict[str, t.Any]], answers: list[dict[str, t.Any]]) -> list[str]:
    problems = []
    for exam, answer in zip(batch, answers, strict=True):
        assert "error" not in answer, (answer, json.dumps(exam))
        theirs = reference_answer(answer)
        mine = ours(classify(exam_from_praxis(exam)))
        if mine != theirs:
            diff = {
                k: {"ours": mine[k], "reference": theirs[k]} for k in theirs if mine[k] != theirs[k]
            }
            problems.append(f"exam: {json.dumps(exam)}\ndiffers: {json.dumps(diff)}")
    return problems


def test_the_oracle_reproduces_the_reference_validation_cases(reference: Oracle) -> None:
    """The harness is sound: through it the reference answers its own 128 cases."""
    cases = load_cases()
    answers = reference([case_exam(c) for c in cases])
    wrong = [
        c["id"]
        for c, a in zip(cases, answers, strict=True)
        if reference_answer(a) != case_expected(c)
    ]
    assert wrong == []


def test_classifier_agrees_with_the_reference_on_generated_exams(reference: Oracle) -> None:
    batch = [exam for exam in exams(SEED, N) if documented_deviation(exam) is None]
    problems = _compare(batch, reference(batch))
    assert not problems, (
        f"{len(problems)} of {len(batch)} exams disagree; first ones:\n" + "\n\n".join(problems[:5])
    )


def test_a_disagreement_prints_the_exam_and_both_answers(reference: Oracle) -> None:
    """The comparison is not vacuous: a changed answer is reported with a replayable exam."""
    exam = next(exams(SEED, 1))
    answer = reference([exam])[0]
    answer["classification"]["ASIAImpairmentScale"] = "Z"
    [problem] = _compare([exam], [answer])
    replay = json.loads(problem.splitlines()[0].removeprefix("exam: "))
    assert replay == exam
    assert '"reference": "Z"' in problem


def test_generated_exams_cover_what_the_classifier_must_get_right() -> None:
    """Every grade, undecidable answers, stars, NT anal findings and non-key muscles occur."""
    seen: collections.Counter[str] = collections.Counter()
    for exam in exams(SEED, 3000):
        result = classify(exam_from_praxis(exam))
        for grade in result.asia_impairment_scale.possibilities:
            seen[f"AIS {grade.code}"] += 1
        seen["undecided"] += not result.asia_impairment_scale.decided
        seen["starred"] += any("*" in v for v in result.as_text().values())
        seen["VAC NT"] += exam["voluntaryAnalContraction"] == "NT"
        seen["non-key"] += any(
            "lowestNonKeyMuscleWithMotorFunction" in exam[s] for s in ("right", "left")
        )
        seen["motor ZPP names the non-key muscle"] += any(
            exam[s].get("lowestNonKeyMuscleWithMotorFunction", "-")
            in getattr(result, f"zpp_motor_{s}").text
            for s in ("right", "left")
        )
    for kind in (
        "AIS A",
        "AIS B",
        "AIS C",
        "AIS D",
        "AIS E",
        "undecided",
        "starred",
        "VAC NT",
        "non-key",
    ):
        assert seen[kind] >= 20, (kind, seen)
    assert seen["motor ZPP names the non-key muscle"] > 0, seen


def test_no_exam_is_excluded_without_a_documented_deviation() -> None:
    """The exclusion predicate matches nothing while the deviations document lists none."""
    assert not any(documented_deviation(exam) for exam in exams(SEED, N))
