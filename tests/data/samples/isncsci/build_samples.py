"""Build the ISNCSCI sample exams: ``<case>.json`` (a FHIR Bundle to post to
``$classify-isncsci``) and ``<case>.expected.json`` (the reference classifier's answer).

The expected answers come from the reference, praxis ``isncsci`` 2.0.6 (``node
tests/fhirjs/isncsci_oracle.js``), never from neuroroot itself. Run from the repository root:

    .venv/bin/python tests/data/samples/isncsci/build_samples.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import typing as t
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

from service.core.isncsci import MOTOR_LEVELS, SENSORY_LEVELS  # noqa: E402
from tests.isncsci_fhir import exam_bundle  # noqa: E402
from tests.isncsci_support import reference_answer  # noqa: E402

HERE = Path(__file__).parent


def side(
    sensory: str, motor: str, *, lt_below: str = "0", pp_below: str = "0", motor_below: str = "0"
) -> dict[str, t.Any]:
    """Normal down to *sensory* / *motor*, then the given scores below."""
    s = SENSORY_LEVELS.index(sensory)
    m = MOTOR_LEVELS.index(motor) if motor in MOTOR_LEVELS else -1
    return {
        "lightTouch": {lv: "2" if i <= s else lt_below for i, lv in enumerate(SENSORY_LEVELS)},
        "pinPrick": {lv: "2" if i <= s else pp_below for i, lv in enumerate(SENSORY_LEVELS)},
        "motor": {lv: "5" if i <= m else motor_below for i, lv in enumerate(MOTOR_LEVELS)},
    }


def exam(right: dict[str, t.Any], left: dict[str, t.Any], vac: str, dap: str) -> dict[str, t.Any]:
    return {"right": right, "left": left, "voluntaryAnalContraction": vac, "deepAnalPressure": dap}


def cases() -> dict[str, tuple[str, dict[str, t.Any]]]:
    out: dict[str, tuple[str, dict[str, t.Any]]] = {}
    out["c5-complete-tetraplegia"] = (
        "C5 complete tetraplegia: normal to C5, nothing below, no sacral sparing (AIS A)",
        exam(side("C5", "C5"), side("C5", "C5"), "No", "No"),
    )
    e = exam(side("C6", "C6"), side("C6", "C6"), "No", "Yes")
    e["right"]["lightTouch"]["S4_5"] = "1"
    out["c6-sensory-incomplete-tetraplegia"] = (
        "C6 sensory incomplete tetraplegia: deep anal pressure and some S4-5 light touch, no "
        "motor function below (AIS B)",
        e,
    )
    e = exam(
        side("C4", "C5", lt_below="1", pp_below="1", motor_below="2"),
        side("C4", "C5", lt_below="1", pp_below="1", motor_below="2"),
        "Yes",
        "Yes",
    )
    out["c4-motor-incomplete-tetraplegia"] = (
        "C4/C5 motor incomplete tetraplegia: voluntary anal contraction, key muscles below "
        "graded 2 (AIS C)",
        e,
    )
    out["t6-complete-paraplegia"] = (
        "T6 complete paraplegia with a sensory zone of partial preservation",
        exam(side("T6", "T1"), side("T6", "T1"), "No", "No"),
    )
    out["t6-complete-paraplegia"][1]["right"]["lightTouch"]["T7"] = "1"
    out["t6-complete-paraplegia"][1]["right"]["pinPrick"]["T8"] = "1"
    e = exam(
        side("L1", "L2", lt_below="1", pp_below="1", motor_below="3"),
        side("L1", "L2", lt_below="1", pp_below="1", motor_below="4"),
        "Yes",
        "Yes",
    )
    out["l1-motor-incomplete-paraplegia"] = (
        "L1/L2 motor incomplete paraplegia: most key muscles below graded 3 or more (AIS D)",
        e,
    )
    # central cord: sensation mostly spared, hands weaker than legs
    e = exam(side("S4_5", "S1"), side("S4_5", "S1"), "Yes", "Yes")
    for s_ in ("right", "left"):
        e[s_]["motor"].update({"C6": "4", "C7": "3", "C8": "2", "T1": "2"})
        e[s_]["motor"].update({"L2": "4", "L3": "4", "L4": "4", "L5": "4", "S1": "4"})
        e[s_]["pinPrick"].update({"C6": "1", "C7": "1", "C8": "1"})
    out["central-cord-syndrome"] = (
        "Central cord syndrome after a fall: hands weaker than legs, sacral sparing (AIS D)",
        e,
    )
    # Brown-Sequard: right hemicord at T4: right weakness, left pain and temperature loss
    e = exam(side("S4_5", "S1"), side("S4_5", "S1"), "Yes", "Yes")
    for lv in MOTOR_LEVELS[5:]:
        e["right"]["motor"][lv] = "1"
    for i, lv in enumerate(SENSORY_LEVELS):
        if i > SENSORY_LEVELS.index("T5"):
            e["left"]["pinPrick"][lv] = "0"
            e["right"]["lightTouch"][lv] = "1"
    out["brown-sequard-t4"] = (
        "Brown-Sequard syndrome (right hemisection at T4): right leg weakness and proprioceptive "
        "loss, left pin-prick loss below T5",
        e,
    )
    e = exam(side("T10", "T1", lt_below="1"), side("T10", "T1", lt_below="1"), "NT", "Yes")
    for lv in ("T6", "T7", "T8"):
        e["left"]["lightTouch"][lv] = "NT"
        e["left"]["pinPrick"][lv] = "NT"
    e["right"]["motor"]["L2"] = "NT"
    out["not-testable-items"] = (
        "T10 injury with a chest drain (left T6-T8 not testable), a right hip that cannot be "
        "tested and anal contraction not testable: every possible answer is listed",
        e,
    )
    e = exam(side("C7", "C7"), side("C7", "C7"), "No", "No")
    e["right"]["motor"]["C7"] = "2*"
    e["left"]["lightTouch"]["C7"] = "1**"
    e["left"]["pinPrick"]["C7"] = "1**"
    out["starred-items"] = (
        "C7 complete tetraplegia with a right radial nerve injury (C7 motor 2*, not normal) and a "
        "left C7 dermatome scar judged normal (1**)",
        e,
    )
    out["ais-e-recovered"] = (
        "Recovered: every item normal (AIS E, for a patient with earlier deficits)",
        exam(side("S4_5", "S1"), side("S4_5", "S1"), "Yes", "Yes"),
    )
    e = exam(side("T12", "L2", motor_below="0"), side("T12", "L2", motor_below="0"), "No", "No")
    e["left"]["lightTouch"]["S4_5"] = "1"
    e["right"]["lowestNonKeyMuscleWithMotorFunction"] = "S1"
    out["non-key-muscle-makes-c"] = (
        "T12 sensory incomplete, with a right non-key muscle (S1 level: hallux flexion) more "
        "than three levels below the motor level: motor incomplete (AIS C)",
        e,
    )
    return out


def _compact(bundle: dict[str, t.Any]) -> str:
    """The Bundle with one entry per line: small, and still readable and diffable."""
    head = {k: v for k, v in bundle.items() if k != "entry"}
    lines = ",\n  ".join(json.dumps(entry) for entry in bundle["entry"])
    return json.dumps(head)[:-1] + ', "entry": [\n  ' + lines + "\n]}\n"


def main() -> None:
    built = cases()
    exams = [e for _, e in built.values()]
    node = subprocess.run(
        ["node", str(ROOT / "tests" / "fhirjs" / "isncsci_oracle.js")],
        input="".join(json.dumps(e) + "\n" for e in exams),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "tests" / "fhirjs",
    )
    answers = [json.loads(line) for line in node.stdout.splitlines()]
    for (name, (title, e)), answer in zip(built.items(), answers, strict=True):
        bundle = exam_bundle(e, subject=f"Patient/{name}", identifier=f"urn:neuroroot:{name}")
        (HERE / f"{name}.json").write_text(_compact(bundle))
        expected = {
            "title": title,
            "source": "praxis isncsci 2.0.6 (reference classifier)",
            "expected": reference_answer(answer),
        }
        (HERE / f"{name}.expected.json").write_text(json.dumps(expected, indent=1) + "\n")
        print(
            name,
            expected["expected"]["asia_impairment_scale"],
            expected["expected"]["neurological_level_of_injury"],
        )


if __name__ == "__main__":
    main()
