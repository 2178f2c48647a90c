# ruff: noqa: E501  (the expected readings are clinical prose kept on one string per line)
"""The issue-11 clinical corpus: harder exams than the textbook vignettes of build_samples.py.

Each case is an exam a neurologist reads differently from a dermatome chart: cord syndromes,
diffuse and bilateral disease, the peripheral-nerve mimics and their near misses (the same exam
one finding away from the other answer), two-level and bilateral roots, ISNCSCI-size exams with
one subtle change, and noisy exams. Every expected reading names its literature ``source``; the
expected.json keys are documented in README.md here. ``build_samples.py`` calls :func:`build`.
"""

from __future__ import annotations

import typing as t

from build_samples import EXAM, SCT, Case, _code, root, write  # type: ignore[import-not-found]

DAR = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
INTERP = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
BOTH = ("left", "right")

#: ISNCSCI key sensory points with a verified code (terminology table 2026.12.0); the others
#: (T3, T5-T9, T11, L1) are sent with bodySite.text only, as an ISNCSCI form export would.
KEY_POINT = {
    "C2": "43631005", "C3": "77621008", "C4": "85856004", "C5": "699905007",
    "C6": "76505004", "C7": "40206004", "C8": "12406000", "T1": "699896000",
    "T2": "91470000", "T4": "24142002", "T10": "90290004", "T12": "26893007",
    "L2": "61248009", "L3": "122474001", "L4": "6417001", "L5": "2402003",
    "S1": "699909001", "S2": "32361000", "S3": "69030007", "S4-5": "397158004",
}  # fmt: skip
LEVELS = [
    "C2",
    "C3",
    "C4",
    "C5",
    "C6",
    "C7",
    "C8",
    "T1",
    "T2",
    "T3",
    "T4",
    "T5",
    "T6",
    "T7",
    "T8",
    "T9",
    "T10",
    "T11",
    "T12",
    "L1",
    "L2",
    "L3",
    "L4",
    "L5",
    "S1",
    "S2",
    "S3",
    "S4-5",
]
KEY_MUSCLES = (
    ("C5", "elbow-flexion"), ("C6", "wrist-extension"), ("C7", "elbow-extension"),
    ("C8", "finger-flexion"), ("T1", "finger-abduction"), ("L2", "hip-flexion"),
    ("L3", "knee-extension"), ("L4", "ankle-dorsiflexion"), ("L5", "great-toe-extension"),
    ("S1", "ankle-plantarflexion"),
)  # fmt: skip


def seg(segments: list[str], side: str | None = None, confidence: str | None = None) -> dict:
    """A root finding matched on segments (and side / confidence when given), any pattern code:
    the engine may call an adjacent two-root hypothesis radiculopathy or polyradiculopathy."""
    out: dict[str, t.Any] = {"segments": segments}
    if side is not None:
        out["side"] = side
    if confidence is not None:
        out["confidence"] = confidence
    return out


def pat(code: str, side: str | None = None) -> dict:
    """A pattern matched on its code (and side when given)."""
    out: dict[str, t.Any] = {"pattern": code}
    if side is not None:
        out["side"] = side
    return out


def isncsci(
    c: Case,
    sensory: dict[tuple[str, str], int] | None = None,
    motor: dict[tuple[str, str], int] | None = None,
) -> None:
    """A full ISNCSCI exam: LT and PP at 28 levels on both sides (112) + 10 key muscles x 2 (20).

    *sensory* overrides the score 2 per (side, level) for both modalities; *motor* the grade 5
    per (side, movement). Levels without a verified code are written with bodySite.text only.
    """
    sensory, motor = sensory or {}, motor or {}
    for side in BOTH:
        for level in LEVELS:
            score = sensory.get((side, level), 2)
            for modality in ("light-touch", "pin-prick"):
                code = KEY_POINT.get(level)
                if code is not None:
                    c.add(_code(EXAM, modality), site=code, side=side, valueInteger=score)
                else:
                    obs = c.add(_code(EXAM, modality), site=None, side=side, valueInteger=score)
                    obs["bodySite"]["text"] = f"{side} {level} key sensory point"
        for _level, movement in KEY_MUSCLES:
            c.motor(movement, side, motor.get((side, movement), 5))


def not_done(
    c: Case, code: dict, site: str | None, side: str, reason: str = "not-performed"
) -> None:
    c.add(code, site=site, side=side, dataAbsentReason=_code(DAR, reason))


def done(c: Case, expected: dict[str, t.Any], kind: str = "collection") -> None:
    write(c.name, c.bundle(kind), expected)


def build() -> None:  # noqa: PLR0915 - one vignette after another
    cord()
    diffuse()
    mimics()
    roots()
    isncsci_size()
    noisy()


# ---- cord syndromes ---------------------------------------------------------------------------


def cord() -> None:
    c = Case("transverse-myelopathy-t10", "p-tm10", side_style="ext")
    for side in BOTH:
        c.sensory("24142002", side, how="finding", result="normal", modality="pin-prick")  # T4
        c.sensory("90290004", side, how="finding", modality="pin-prick")  # T10 umbilicus
        c.sensory(PRE_INGUINAL[side], None, how="finding", modality="pin-prick")  # T12
        for site in ("61248009", "122474001", "6417001", "2402003", "699909001"):
            c.sensory(site, side, how="finding", result="absent", modality="pin-prick")
        c.motor("hip-flexion", side, 3)
        c.motor("ankle-dorsiflexion", side, 3)
        c.motor("elbow-extension", side, 5)
        c.reflex("reflex-patellar", side, "3+", how="string", site="72696002")
        c.reflex(
            "plantar-response", side, "299891004" if side == "left" else "299892006", how="snomed"
        )
    c.reflex("clonus", "left", "299885001", how="snomed", site="344001")
    done(
        c,
        {
            "description": "Pin-prick lost from the umbilicus down on both sides (T4 spared), both legs "
            "3/5, brisk knee jerks, extensor plantars, ankle clonus: a transverse myelopathy with a T10 "
            "sensory level (cord lesion at or above T10), not a root and not cauda equina; paraparesis "
            "with a level needs emergency spinal imaging.",
            "source": "Transverse Myelitis Consortium, Neurology 2002;59:499; clinical-rules-2 sections 1 "
            "and 9 (bilateral weakness of both legs is an emergency trigger)",
            "top": pat("transverse-myelopathy"),
            "mentions": ["T10"],
            "not_top": [pat("cauda-equina")],
            "no_probable_root": True,
            "urgent": True,
        },
    )

    c = Case("transverse-myelopathy-t4-mild", "p-tm4", side_style="post")
    for side in BOTH:
        c.sensory("91470000", side, how="isncsci", result="normal")  # T2 axilla
        for site in ("24142002", "90290004", "61248009", "6417001", "2402003"):
            c.sensory(site, side, how="isncsci", result="impaired", modality="pin-prick")
        c.motor("hip-flexion", side, 4)
        c.motor("knee-extension", side, 4)
        c.motor("finger-abduction", side, 5)
        c.reflex("reflex-achilles", side, 3, site="731478002")
        c.reflex("plantar-response", side, None, how="positive")
        c.reflex("reflex-biceps", side, 2, style="ext")
    done(
        c,
        {
            "description": "Pin-prick reduced from the nipples down on both sides, axillae normal, "
            "mild spastic paraparesis with brisk ankle jerks and extensor plantars, arms normal: "
            "a thoracic cord lesion at or above T4, not a root.",
            "source": "Transverse Myelitis Consortium, Neurology 2002;59:499; sci-info-pages levels "
            "(the lesion is at or above the level); clinical-rules-2 section 1",
            "top": pat("transverse-myelopathy"),
            "mentions": ["T4"],
            "no_probable_root": True,
            "excludes": [pat("cauda-equina")],
        },
    )

    c = Case("brown-sequard-right", "p-bs", side_style="ext")
    for level_site in ("90290004", "61248009", "6417001", "2402003", "699909001"):
        c.sensory(level_site, "left", how="finding", result="absent", modality="pin-prick")
        c.sensory(level_site, "right", how="finding", result="normal", modality="pin-prick")
        c.sensory(level_site, "left", how="finding", result="normal")
    c.sensory("24142002", "left", how="finding", result="normal", modality="pin-prick")
    c.sensory("2402003", "right", how="finding")  # LT reduced on the weak side
    c.add(_code(SCT, "299934008"), site="78883009", side="right")  # vibration impaired, right toe
    c.add(_code(SCT, "299935009"), site="78883009", side="left")
    c.motor("hip-flexion", "right", 3)
    c.motor("knee-extension", "right", 4)
    c.motor("ankle-dorsiflexion", "right", 3)
    c.motor("hip-flexion", "left", 5)
    c.motor("ankle-dorsiflexion", "left", 5)
    c.reflex("reflex-patellar", "right", "299874003", how="snomed", site="72696002")
    c.reflex("reflex-patellar", "left", 2, site="72696002")
    c.reflex("plantar-response", "right", "299892006", how="snomed")
    done(
        c,
        {
            "description": "Right leg weak with a brisk knee jerk, extensor plantar and lost toe "
            "vibration; pin-prick lost on the left from the umbilicus down: Brown-Sequard syndrome of "
            "the right hemicord at or above T10, not a root.",
            "source": "StatPearls Brown-Sequard syndrome (PMID 30844162); clinical-rules-2 section 1",
            "top": pat("brown-sequard", "right"),
            "no_probable_root": True,
            "excludes": [pat("polyneuropathy")],
        },
    )

    c = Case("hemiparesis-left", "p-hemi", side_style="bs-contained")
    c.motor("shoulder-abduction", "left", 4)
    c.motor("elbow-extension", "left", 4)
    c.motor("finger-extension", "left", 4)
    c.motor("elbow-flexion", "left", 5)
    c.motor("hip-flexion", "left", 4)
    c.motor("ankle-dorsiflexion", "left", 4)
    c.motor("knee-extension", "left", 5)
    c.motor("ankle-plantarflexion", "left", 5)
    c.reflex("reflex-biceps", "left", "3+", how="string")
    c.reflex("reflex-triceps", "left", "299827007", how="snomed")
    c.reflex("reflex-achilles", "left", 4)
    c.reflex("hoffmann", "left", None, how="positive")
    c.reflex("plantar-response", "left", "299891004", how="snomed")
    for side in BOTH:
        for site in ("699905007", "76505004", "6417001", "2402003"):
            c.sensory(site, side, how="isncsci", result="normal", style="ext")
    c.reflex("reflex-biceps", "right", 2, style="ext")
    c.motor("shoulder-abduction", "right", 5, style="ext")
    done(
        c,
        {
            "description": "Left arm and leg weak in a pyramidal distribution (arm extensors and "
            "abductors, hip flexion, dorsiflexion) with brisk reflexes, Hoffmann and an extensor "
            "plantar on the left, sensation normal: a left upper-motor-neuron hemiparesis (brain or "
            "high cervical cord), not a root.",
            "source": "Harrison's 19e Table 53-3; clinical-rules-2 section 2",
            "top": pat("hemiparesis", "left"),
            "no_probable_root": True,
        },
    )

    c = Case("cervical-myelopathy-hands", "p-cm", side_style="ext")
    for side in BOTH:
        c.reflex("hoffmann", side, None, how="positive")
        c.reflex("inverted-supinator", side, None, how="positive")
        c.reflex("reflex-triceps", side, "3+", how="string")
        c.reflex("reflex-patellar", side, 3, site="49076000")  # knee joint site
        c.motor("finger-abduction", side, 4)
        c.motor("finger-flexion", side, 4)
        c.motor("hip-flexion", side, 4)
        c.sensory("12406000", side, how="finding", result="normal")
    c.reflex("plantar-response", "left", "299891004", how="snomed")
    c.reflex("plantar-response", "right", "299892006", how="snomed")
    done(
        c,
        {
            "description": "Clumsy weak hands, bilateral Hoffmann and inverted supinator signs, brisk "
            "triceps and knee jerks, extensor plantars, mild hip-flexor weakness: cervical "
            "myelopathy; the hand weakness is not a C8/T1 root.",
            "source": "Cook C et al. J Man Manip Ther 2010;18:175 (myelopathy cluster); "
            "clinical-rules section 4.2",
            "top": pat("myelopathy"),
            "snomed": "202664003",
            "no_probable_root": True,
            "urgent": False,
        },
    )

    c = Case("myeloradiculopathy-c6-left", "p-mr", side_style="ext")
    c.sensory("76505004", "left", how="finding", modality="pin-prick")
    c.sensory("76505004", "right", how="finding", result="normal", modality="pin-prick")
    c.motor("wrist-extension", "left", 4)
    c.motor("elbow-flexion", "left", 4)
    c.reflex("reflex-brachioradialis", "left", 0)
    c.reflex("inverted-supinator", "left", None, how="positive")
    c.reflex("reflex-brachioradialis", "right", 2)
    c.reflex("reflex-triceps", "left", "299827007", how="snomed")
    for side in BOTH:
        c.reflex("reflex-patellar", side, "3+", how="string", site="72696002")
        c.reflex("hoffmann", side, None, how="positive")
    c.reflex("plantar-response", "left", "299891004", how="snomed")
    done(
        c,
        {
            "description": "Left C6 root signs (thumb pin-prick, weak wrist extension, absent "
            "supinator jerk with inversion) with brisk reflexes below (triceps, knees), Hoffmann and "
            "an extensor plantar: C5-C6 myeloradiculopathy, cord lesion at C6 with the left C6 root "
            "involved; both belong in the answer.",
            "source": "clinical-rules-2 section 1 (myeloradiculopathy; jabfm 11823); Cook 2010",
            "includes": [pat("myelopathy"), seg(["C6"], "left")],
            "top": [pat("myelopathy"), seg(["C6"], "left")],
            "urgent": False,
        },
    )

    c = Case("thoracic-t10-root-right", "p-t10", side_style="ext")
    c.sensory("90290004", "right", how="finding", modality="pin-prick")
    c.sensory("90290004", "left", how="finding", result="normal", modality="pin-prick")
    c.sensory("26893007", "right", how="finding", result="normal", modality="pin-prick")
    c.sensory("24142002", "right", how="finding", result="normal", modality="pin-prick")
    for side in BOTH:
        c.reflex("reflex-patellar", side, 2, site="72696002")
        c.reflex(
            "plantar-response", side, "299896009" if side == "left" else "299897000", how="snomed"
        )  # absent (flexor) - not extensor
        c.motor("hip-flexion", side, 5)
    done(
        c,
        {
            "description": "A band of pin-prick loss at the right umbilicus only, T4 and T12 normal, "
            "no long-tract signs: a right T10 thoracic radiculopathy (diabetic truncal or zoster), "
            "sensory only so possible; unilateral without UMN signs is not a cord level.",
            "source": "clinical-rules-2 section 1 (a level needs bilateral loss and UMN signs); "
            "ISNCSCI T10 key point",
            "top": root(["T10"], "right", "possible"),
            "excludes": [pat("transverse-myelopathy"), pat("myelopathy")],
            "summary_excludes": ["point to no nerve root"],
            "urgent": False,
        },
    )


PRE_INGUINAL = {"left": "85119005", "right": "37117007"}


# ---- bilateral and diffuse disease -------------------------------------------------------------


def diffuse() -> None:
    c = Case("polyradiculoneuropathy-gbs", "p-gbs", side_style="ext")
    for side in BOTH:
        c.motor("shoulder-abduction", side, 3)
        c.motor("elbow-flexion", side, 4)
        c.motor("wrist-extension", side, 4)
        c.motor("hip-flexion", side, 3)
        c.motor("knee-extension", side, 4)
        c.motor("ankle-dorsiflexion", side, 4)
        for reflex in ("reflex-biceps", "reflex-triceps", "reflex-brachioradialis"):
            c.reflex(reflex, side, "0", how="string")
        c.reflex("reflex-patellar", side, 0, how="absent-349006", site="64234005")
        c.reflex("reflex-achilles", side, 0, how="absent-349006", site="731478002")
        c.sensory("2402003", side, how="isncsci", result="normal")
        c.sensory("76505004", side, how="isncsci", result="normal")
    c.sensory("397158004", None, how="isncsci", result="normal")
    done(
        c,
        {
            "description": "Symmetric proximal and distal weakness of all four limbs with global "
            "areflexia and little sensory loss, saddle normal: a polyradiculoneuropathy (Guillain-Barre "
            "or CIDP) picture - urgent, but not cauda equina (arms involved, saddle spared) and not a "
            "root.",
            "source": "Asbury & Cornblath, Ann Neurol 1990;27 Suppl:S21; Barohn & Amato 2013 pattern "
            "P1; clinical-rules-2 section 3",
            "top": pat("polyradiculoneuropathy"),
            "excludes": [pat("cauda-equina"), pat("polyneuropathy")],
            "no_probable_root": True,
            "urgent": True,
        },
    )

    c = Case("cauda-equina-s1-saddle", "p-ces2", side_style="ext")
    for side in BOTH:
        c.sensory("397158004", side, how="isncsci", result="absent", modality="pin-prick")
        c.sensory("69030007", side, how="isncsci", result="impaired", modality="pin-prick")
        c.sensory("699909001", side, how="isncsci", result="impaired", modality="pin-prick")
        c.sensory("2402003", side, how="isncsci", result="normal", modality="pin-prick")
        c.reflex("reflex-achilles", side, 0, site="731478002")
        c.reflex("reflex-patellar", side, 2, site="72696002")
        c.motor("ankle-plantarflexion", side, 4)
        c.motor("hip-extension", side, 4)
    c.reflex("reflex-anal", None, "299863007", how="snomed")
    done(
        c,
        {
            "description": "Bilateral S1 signs (lateral heels, absent ankle jerks, weak plantar flexion "
            "and hip extension) with perianal and ischial pin-prick loss and an absent anal reflex: "
            "cauda equina syndrome, URGENT.",
            "source": "SBNS/BASS Standards 2018; GIRFT National Suspected CES Pathway 2023; "
            "clinical-rules-2 section 9",
            "top": pat("cauda-equina"),
            "excludes": [pat("polyneuropathy")],
            "urgent": True,
        },
    )

    c = Case("bilateral-s1-no-saddle", "p-bs1", side_style="ext")
    for side in BOTH:
        c.sensory("397158004", side, how="isncsci", result="normal", modality="pin-prick")
        c.sensory("69030007", side, how="isncsci", result="normal", modality="pin-prick")
        c.sensory("699909001", side, how="isncsci", result="impaired", modality="pin-prick")
        c.sensory("2402003", side, how="isncsci", result="normal", modality="pin-prick")
        c.reflex("reflex-achilles", side, 0, site="731478002")
        c.reflex("reflex-patellar", side, 2, site="72696002")
        c.motor("ankle-plantarflexion", side, 4)
        c.motor("hip-extension", side, 4)
    c.reflex("reflex-anal", None, "299866004", how="snomed")
    done(
        c,
        {
            "description": "The same bilateral S1 exam with perianal and ischial sensation and the "
            "anal reflex normal: bilateral S1 radiculopathy that flags possible cauda equina "
            "(sphincter history, post-void residual, MRI) but is not URGENT on the exam; weak hip "
            "extension and spared toes make it roots, not a length-dependent neuropathy.",
            "source": "GIRFT 2023 and SBNS/BASS 2018 (urgent triggers); clinical-rules-2 section 9 "
            "rule 2; clinical-rules section 4.4",
            "includes": [pat("bilateral-radiculopathy")],
            "excludes": [pat("polyneuropathy")],
            "urgent": False,
        },
    )

    c = Case("bilateral-l5-s1-asymmetric", "p-bil", side_style="post")
    c.sensory("2402003", "left", how="coded")
    c.sensory("264472001", "left", how="coded")
    c.motor("great-toe-extension", "left", 3, how="component")
    c.motor("hip-abduction", "left", 4, how="component")
    c.motor("ankle-inversion", "left", 4)
    c.reflex("reflex-achilles", "right", "299878000", how="snomed", site="731478002")
    c.sensory("35739000", "right", how="coded")
    c.reflex("reflex-achilles", "left", 2, site="731478002")
    c.motor("great-toe-extension", "right", 5)
    c.sensory("397158004", None, how="isncsci", result="normal", style="ext")
    c.reflex("reflex-anal", None, "299866004", how="snomed")
    done(
        c,
        {
            "description": "Left L5 radiculopathy (first web space and dorsum, EHL 3/5, hip abduction "
            "and inversion 4/5) with a partial right S1 (reduced ankle jerk, lateral sole): bilateral "
            "radicular leg signs without saddle loss - possible cauda equina flag (sphincter history, "
            "post-void residual, MRI), not URGENT; the left L5 root stays in the answer.",
            "source": "clinical-rules-2 section 9 (bilateral radicular signs even when one side is "
            "partial); Iversen & Katz, Phys Ther 2001 (stenosis: bilateral, asymmetric, multi-root)",
            "includes": [pat("bilateral-radiculopathy"), seg(["L5"], "left")],
            "excludes": [pat("polyneuropathy")],
            "urgent": False,
        },
    )

    c = Case("severe-bilateral-leg-weakness", "p-sev", side_style="ext")
    c.motor("ankle-dorsiflexion", "left", 2)
    c.motor("great-toe-extension", "left", 2)
    c.motor("ankle-dorsiflexion", "right", 3)
    for side in BOTH:
        c.motor("knee-extension", side, 3)
        c.reflex("reflex-patellar", side, 1, site="72696002")
        c.reflex("reflex-achilles", side, 2, site="731478002")
        c.sensory("6417001", side, how="finding")
        c.sensory("397158004", side, how="isncsci", result="normal", modality="pin-prick")
        c.reflex(
            "plantar-response", side, "299896009" if side == "left" else "299897000", how="snomed"
        )
    done(
        c,
        {
            "description": "Severe weakness of both legs (knee extension 3/5 both, dorsiflexion 2/5 "
            "and 3/5) with reduced knee jerks and medial-malleolus loss on both sides, saddle spared: "
            "bilateral L4 root disease with a GIRFT emergency trigger (severe deficit of both legs) - "
            "URGENT even without saddle loss; ankle jerks kept, so not a neuropathy.",
            "source": "GIRFT National Suspected CES Pathway 2023 (severe or progressive deficit of both "
            "legs); clinical-rules-2 section 9 rule 1",
            "excludes": [pat("polyneuropathy")],
            "urgent": True,
        },
    )

    c = Case("polyneuropathy-stocking", "p-pnp2", side_style="ext")
    for side in BOTH:
        for site in ("78883009", "2402003", "37136002", "699909001"):
            c.sensory(site, side, how="interpretation", modality="pin-prick")
        c.add(_code(SCT, "299934008"), site="78883009", side=side)  # toe vibration impaired
        c.sensory("25763004", side, how="interpretation", result="normal", modality="pin-prick")
        c.sensory("6417001", side, how="interpretation", result="normal", modality="pin-prick")
        c.sensory("76505004", side, how="interpretation", result="normal", modality="pin-prick")
        c.reflex("reflex-achilles", side, 0, site="70258002")  # ankle joint site
        c.reflex("reflex-patellar", side, 2, site="49076000")  # knee joint site
        c.motor("ankle-plantarflexion", side, 5)
        c.motor("hip-abduction", side, 5)
    done(
        c,
        {
            "description": "Symmetric pin-prick loss over toes, dorsum, sole and heels on both sides "
            "with toe vibration lost, both ankle jerks absent, knees, shins and hands normal: "
            "length-dependent polyneuropathy; no root.",
            "source": "England et al. Neurology 2005;64:199; Abraham et al. PLoS ONE 2017 (ankle reflex "
            "plus pin-prick or vibration Se 88%); clinical-rules-2 section 4",
            "top": pat("polyneuropathy"),
            "excludes": [pat("cauda-equina"), pat("bilateral-radiculopathy")],
            "no_probable_root": True,
            "urgent": False,
        },
    )

    c = Case("polyneuropathy-stocking-glove", "p-pnp3", side_style="ext")
    for side in BOTH:
        for site in ("78883009", "2402003", "37136002", "25763004", "75144006"):
            c.sensory(site, side, how="finding")
        for site in ("12406000", "65531009", "76505004"):
            c.sensory(site, side, how="finding")
        c.sensory("61248009", side, how="finding", result="normal")
        c.sensory("699905007", side, how="finding", result="normal")
        c.reflex("reflex-achilles", side, "0", how="string", site="731478002")
        c.reflex("reflex-patellar", side, "1+", how="string", site="72696002")
        c.reflex("reflex-biceps", side, "2+", how="string")
        c.motor("great-toe-extension", side, 4)
        c.motor("hip-flexion", side, 5)
    done(
        c,
        {
            "description": "Advanced length-dependent polyneuropathy: loss up to the mid-shins and in "
            "the fingertips on both sides, ankle jerks absent, knee jerks reduced, arm reflexes kept, "
            "mild symmetric toe-extensor weakness: stocking-glove polyneuropathy, not roots.",
            "source": "clinical-rules-2 section 4 (fingertips are involved once leg loss reaches the "
            "mid-shin); England et al. 2005",
            "top": pat("polyneuropathy"),
            "excludes": [pat("cauda-equina"), pat("carpal-tunnel")],
            "no_probable_root": True,
            "urgent": False,
        },
    )

    c = Case("bilateral-l5-not-polyneuropathy", "p-bl5", side_style="ext")
    for side in BOTH:
        c.sensory("2402003", side, how="finding", modality="pin-prick")
        c.sensory("264472001", side, how="finding", modality="pin-prick")
        c.sensory("699909001", side, how="finding", result="normal", modality="pin-prick")
        c.sensory("37136002", side, how="finding", result="normal", modality="pin-prick")
        c.reflex("reflex-achilles", side, 2, site="731478002")
    c.reflex("reflex-medial-hamstring", "left", 1, site="699995002")
    c.reflex("reflex-medial-hamstring", "right", 2, site="699995002")
    c.motor("great-toe-extension", "left", 4)
    c.motor("hip-abduction", "left", 4)
    c.motor("great-toe-extension", "right", 5)
    done(
        c,
        {
            "description": "Pin-prick loss confined to the L5 skin of both feet (dorsum and first web "
            "space; soles and heels normal), ankle jerks kept, the left medial hamstring reflex "
            "reduced and left EHL and hip abduction weak: bilateral L5 root disease (stenosis), not a "
            "stocking pattern.",
            "source": "clinical-rules-2 section 4 (symmetry and length dependence); issue 11 point 3",
            "includes": [seg(["L5"], "left")],
            "excludes": [pat("polyneuropathy")],
            "urgent": False,
        },
    )

    c = Case("polyneuropathy-plus-l5-left", "p-pnpl5", side_style="ext")
    for side in BOTH:
        for site in ("78883009", "37136002", "699909001"):
            c.sensory(site, side, how="finding", modality="pin-prick")
        c.reflex("reflex-achilles", side, 0, site="731478002")
        c.reflex("reflex-patellar", side, 2, site="72696002")
        c.sensory("6417001", side, how="finding", result="normal", modality="pin-prick")
    c.motor("great-toe-extension", "left", 3)
    c.motor("hip-abduction", "left", 4)
    c.motor("ankle-inversion", "left", 4)
    c.motor("great-toe-extension", "right", 5)
    c.motor("hip-abduction", "right", 5)
    done(
        c,
        {
            "description": "A symmetric stocking loss with both ankle jerks absent (polyneuropathy "
            "explains these) plus asymmetric left EHL, hip abduction and inversion weakness that it "
            "does not explain: polyneuropathy and a left L5 radiculopathy together.",
            "source": "clinical-rules-2 section 8 (explaining away; Korb & Nicholson 2010); "
            "Lee-Robinson 2010 (27% coexistence)",
            "includes": [pat("polyneuropathy"), seg(["L5"], "left")],
            "excludes": [seg(["S1"], "left", "probable"), seg(["S1"], "right", "probable")],
            "urgent": False,
        },
    )

    c = Case("lumbar-stenosis-polyradiculopathy", "p-lss", side_style="ext")
    c.sensory("6417001", "right", how="finding")
    c.reflex("reflex-patellar", "right", 1, site="72696002")
    c.motor("ankle-dorsiflexion", "right", 4)
    c.sensory("2402003", "left", how="finding")
    c.motor("great-toe-extension", "left", 4)
    c.reflex("reflex-achilles", "left", 0, site="731478002")
    c.sensory("699909001", "left", how="finding")
    c.reflex("reflex-patellar", "left", 2, site="72696002")
    c.reflex("reflex-achilles", "right", 2, site="731478002")
    c.sensory("397158004", None, how="isncsci", result="normal")
    done(
        c,
        {
            "description": "Right L4 (medial malleolus, reduced knee jerk, dorsiflexion) with left L5 "
            "and S1 signs, saddle normal: a bilateral asymmetric lumbar polyradiculopathy (spinal "
            "stenosis); possible cauda equina flag, not URGENT; not a neuropathy.",
            "source": "Iversen & Katz, Phys Ther 2001; clinical-rules-2 sections 3 and 9",
            "includes_any": [[pat("polyradiculopathy")], [pat("bilateral-radiculopathy")]],
            "excludes": [pat("polyneuropathy")],
            "urgent": False,
        },
    )

    c = Case("bilateral-c6", "p-bc6", side_style="ext")
    for side in BOTH:
        c.sensory("76505004", side, how="finding", modality="pin-prick")
        c.reflex("reflex-brachioradialis", side, "299837002", how="snomed")
        c.motor("wrist-extension", side, 4)
        c.reflex("reflex-triceps", side, 2)
        c.reflex("reflex-patellar", side, 2, site="72696002")
        c.motor("thumb-abduction", side, 5)
    done(
        c,
        {
            "description": "Both thumbs numb, both supinator jerks reduced, wrist extension 4/5 on "
            "both sides, thumb abduction and knee jerks normal, no long-tract signs: bilateral C6 "
            "radiculopathy (cervical spondylosis), not carpal tunnel and not a leg pattern.",
            "source": "Asian Spine J 2020 table 3 (C6); Medscape 1141168 (CTS vs C6)",
            "includes_any": [
                [seg(["C6"], "bilateral")],
                [seg(["C6"], "left"), seg(["C6"], "right")],
            ],
            "excludes": [pat("carpal-tunnel"), pat("cauda-equina"), pat("polyneuropathy")],
            "urgent": False,
        },
    )

    c = Case("tandem-c7-left-l5-right", "p-tandem", side_style="ext")
    c.sensory("40206004", "left", how="finding")
    c.reflex("reflex-triceps", "left", 1)
    c.motor("elbow-extension", "left", 4)
    c.motor("wrist-flexion", "left", 4)
    c.sensory("2402003", "right", how="finding")
    c.motor("great-toe-extension", "right", 3)
    c.motor("hip-abduction", "right", 4)
    c.reflex("reflex-medial-hamstring", "right", 1, site="699995002")
    c.reflex("reflex-patellar", "right", 2, site="72696002")
    c.reflex("plantar-response", "right", "299897000", how="snomed")
    done(
        c,
        {
            "description": "A left C7 radiculopathy (dorsal middle finger, triceps jerk, triceps and "
            "wrist flexors) and a right L5 radiculopathy (dorsum, EHL, hip abduction, medial hamstring "
            "reflex), reflexes otherwise normal, flexor plantar: two separate roots (tandem stenosis), "
            "not hemiparesis or myelopathy.",
            "source": "clinical-rules section 4.6 (concordant dermatome, myotome and reflex); "
            "clinical-rules-2 section 8 (a second diagnosis supported by >=2 residual findings)",
            "includes": [seg(["C7"], "left"), seg(["L5"], "right")],
            "excludes": [pat("hemiparesis"), pat("myelopathy"), pat("cauda-equina")],
            "urgent": False,
        },
    )

    c = Case("one-side-nonadjacent-weakness", "p-nonadj", side_style="ext")
    c.motor("shoulder-abduction", "left", 4)
    c.motor("finger-abduction", "left", 4)
    c.motor("ankle-dorsiflexion", "left", 4)
    for side in BOTH:
        c.reflex("reflex-biceps", side, 2)
        c.reflex("reflex-patellar", side, 2, site="72696002")
        c.reflex("reflex-achilles", side, 2, site="731478002")
        c.sensory("699905007", side, how="finding", result="normal")
        c.sensory("6417001", side, how="finding", result="normal")
    done(
        c,
        {
            "description": "Pure motor weakness of the left deltoid, hand intrinsics and tibialis "
            "anterior (C5, T1, L4: non-adjacent) with normal reflexes and sensation: not a root - "
            "consider motor neuron disease, neuromuscular junction or muscle.",
            "source": "clinical-rules-2 section 8 (localization order: pure weakness with normal "
            "sensation and reflexes); issue 11 point 1",
            "no_probable_root": True,
            "urgent": False,
        },
    )

    c = Case("bilateral-absent-ankle-jerks-only", "p-aj", side_style="ext")
    for side in BOTH:
        c.reflex("reflex-achilles", side, "0", how="string", site="731478002")
        c.reflex("reflex-patellar", side, "2+", how="string", site="72696002")
        c.motor("ankle-plantarflexion", side, 5)
        for site in ("699909001", "2402003", "78883009"):
            c.sensory(site, side, how="isncsci", result="normal")
        c.sensory("397158004", side, how="isncsci", result="normal")
    done(
        c,
        {
            "description": "Both ankle jerks absent with normal strength and sensation (common over "
            "60): no root is probable and nothing is urgent.",
            "source": "Bowditch JBJS Br 1996;78:276 and Vrancken J Neurol 2006 (ankle jerks absent in "
            "up to 30% of older people); clinical-rules-2 section 4",
            "no_probable_root": True,
            "urgent": False,
        },
    )

    c = Case("cauda-equina-unilateral-saddle", "p-ces3", side_style="ext")
    c.sensory("397158004", "left", how="finding", modality="pin-prick")
    c.sensory("397158004", "right", how="finding", result="normal", modality="pin-prick")
    c.sensory("699909001", "left", how="finding")
    c.reflex("reflex-achilles", "left", 1, site="731478002")
    c.reflex("reflex-achilles", "right", 2, site="731478002")
    c.motor("ankle-plantarflexion", "left", 4)
    done(
        c,
        {
            "description": "Left S1 radiculopathy with patchy pin-prick loss in the left perianal "
            "skin: saddle sensory change, even one-sided and patchy, is an URGENT cauda equina trigger.",
            "source": "Gardner, Gardner & Morley, Eur Spine J 2011;20:690 (saddle loss may start "
            "unilateral and patchy); GIRFT 2023",
            "includes": [pat("cauda-equina")],
            "urgent": True,
        },
    )


# ---- peripheral-nerve mimics and their near misses -------------------------------------------


def mimics() -> None:  # noqa: PLR0915
    def sciatic(name: str, gluteals: int) -> Case:
        c = Case(name, f"p-{name}", side_style="ext")
        c.motor("knee-flexion", "right", 3)
        c.motor("ankle-dorsiflexion", "right", 2)
        c.motor("great-toe-extension", "right", 2)
        c.motor("ankle-eversion", "right", 3)
        c.motor("ankle-inversion", "right", 3)
        c.motor("ankle-plantarflexion", "right", 4)
        c.motor("hip-abduction", "right", gluteals)
        c.motor("hip-extension", "right", gluteals)
        c.reflex("reflex-achilles", "right", 1, site="731478002")
        c.reflex("reflex-patellar", "right", 2, site="72696002")
        c.sensory("2402003", "right", how="finding")
        c.sensory("37136002", "right", how="finding")
        c.sensory("699909001", "right", how="finding")
        c.sensory("6417001", "right", how="finding", result="normal")
        c.reflex("reflex-achilles", "left", 2, site="731478002")
        return c

    done(
        sciatic("sciatic-right", 5),
        {
            "description": "Hamstrings and every below-knee muscle weak on the right (peroneal worse), "
            "reduced ankle jerk, dorsum and sole numb, saphenous skin normal, gluteal muscles normal: "
            "right sciatic neuropathy, not L5/S1 roots.",
            "source": "Radiopaedia: sciatic neuropathy; clinical-rules-2 section 5 (gluteals spared)",
            "top": pat("sciatic-neuropathy", "right"),
            "no_probable_root": True,
            "urgent": False,
        },
    )
    done(
        sciatic("l5-s1-right-near-sciatic", 4),
        {
            "description": "The sciatic exam with hip abduction and extension also weak: the lesion is "
            "proximal to the sciatic nerve - L5 and S1 roots (or the sacral plexus), not a sciatic "
            "neuropathy.",
            "source": "clinical-rules-2 section 5 (sciatic: gluteals spared; gluteal + sciatic "
            "weakness: roots or sacral plexus); neupsykey lumbosacral plexus syndromes",
            "includes_any": [
                [seg(["L5", "S1"], "right")],
                [pat("lumbosacral-plexopathy", "right")],
                [pat("polyradiculopathy")],
            ],
            "excludes": [pat("sciatic-neuropathy")],
            "urgent": False,
        },
    )

    def tibial(name: str, s1: bool) -> Case:
        c = Case(name, f"p-{name}", side_style="post")
        c.motor("ankle-plantarflexion", "left", 3)
        c.motor("ankle-inversion", "left", 4)
        c.motor("hip-extension", "left", 4 if s1 else 5)
        c.motor("ankle-eversion", "left", 4 if s1 else 5)
        c.motor("knee-flexion", "left", 5)
        c.reflex("reflex-achilles", "left", "299878000", how="snomed", site="731478002")
        c.reflex("reflex-achilles", "right", "299879008", how="snomed", site="731478002")
        c.sensory("37136002", "left", how="isncsci")
        if s1:
            c.sensory("699909001", "left", how="isncsci")
            c.sensory("35739000", "left", how="isncsci")
        else:
            c.sensory("699919007", "left", how="isncsci")
            c.sensory("699909001", "left", how="isncsci", result="normal")
        return c

    done(
        tibial("tibial-left", s1=False),
        {
            "description": "Weak plantar flexion and inversion, reduced ankle jerk, sole and medial "
            "heel numb; gluteus maximus, hamstrings and peronei normal, lateral heel normal: left "
            "tibial neuropathy, not S1.",
            "source": "WikiLectures: examination of the tibial nerve; clinical-rules-2 section 5",
            "top": pat("tibial-neuropathy", "left"),
            "no_probable_root": True,
            "urgent": False,
        },
    )
    done(
        tibial("s1-left-near-tibial", s1=True),
        {
            "description": "The tibial exam with hip extension and eversion weak and the lateral heel "
            "and lateral sole numb: a left S1 radiculopathy (muscles of three nerves share S1).",
            "source": "Harrison's lumbosacral radiculopathy table (S1: gluteus maximus); "
            "clinical-rules-2 section 5 (same-root, different-nerve muscle)",
            "top": root(["S1"], "left"),
            "excludes": [pat("tibial-neuropathy")],
            "urgent": False,
        },
    )

    def radial_or_c7(name: str, c7: bool) -> Case:
        c = Case(name, f"p-{name}", side_style="ext")
        c.motor("wrist-extension", "right", 4 if c7 else 2)
        c.motor("finger-extension", "right", 4 if c7 else 2)
        c.motor("elbow-extension", "right", 4 if c7 else 5)
        c.motor("wrist-flexion", "right", 4 if c7 else 5)
        c.reflex("reflex-triceps", "right", 1 if c7 else 2)
        c.reflex("reflex-brachioradialis", "right", 2 if c7 else 1)
        c.reflex("reflex-biceps", "right", 2)
        if c7:
            c.sensory("40206004", "right", how="finding")
        else:
            c.motor("finger-abduction", "right", 4)  # pseudo-ulnar weakness with wrist drop
            c.sensory("281642007", "right", how="finding")  # dorsum of the hand
            c.sensory("40206004", "right", how="finding", result="normal")
        return c

    done(
        radial_or_c7("radial-right", c7=False),
        {
            "description": "Wrist and finger drop with triceps, its reflex and the wrist flexors "
            "normal, reduced supinator jerk, numb dorsum of the hand (finger abduction looks weak "
            "only because the wrist drops): right radial neuropathy at the spiral groove, not C7.",
            "source": "Medscape 1141674 (radial mononeuropathy); teleemg: pseudo-ulnar weakness with "
            "wrist drop; clinical-rules-2 section 5",
            "top": pat("radial-neuropathy", "right"),
            "no_probable_root": True,
            "excludes": [pat("ulnar-neuropathy")],
            "urgent": False,
        },
    )
    done(
        radial_or_c7("c7-right-near-radial", c7=True),
        {
            "description": "Wrist and finger extensors weak together with triceps and the median "
            "wrist flexor, reduced triceps jerk, dorsal middle finger numb: a right C7 radiculopathy.",
            "source": "Asian Spine J 2020 table 3 (C7); clinical-rules-2 section 5 (same-root, "
            "different-nerve muscle)",
            "top": root(["C7"], "right"),
            "excludes": [pat("radial-neuropathy")],
            "urgent": False,
        },
    )

    def axillary_or_c5(name: str, c5: bool) -> Case:
        c = Case(name, f"p-{name}", side_style="bs-bundle")
        c.motor("shoulder-abduction", "left", 4 if c5 else 3)
        c.motor("shoulder-external-rotation", "left", 4 if c5 else 5)
        c.motor("elbow-flexion", "left", 4 if c5 else 5)
        c.reflex("reflex-biceps", "left", 1 if c5 else 2)
        c.reflex("reflex-brachioradialis", "left", 2)
        c.sensory("731058000", "left", how="finding")  # lateral upper arm ("badge")
        return c

    done(
        axillary_or_c5("axillary-left", c5=False),
        {
            "description": "Deltoid 3/5 alone with infraspinatus, biceps and both arm reflexes normal "
            "and a numb regimental-badge patch: left axillary neuropathy, not C5.",
            "source": "GPnotebook: axillary nerve lesion; clinical-rules-2 section 5",
            "top": pat("axillary-neuropathy", "left"),
            "no_probable_root": True,
            "urgent": False,
        },
    )
    done(
        axillary_or_c5("c5-left-near-axillary", c5=True),
        {
            "description": "Deltoid, infraspinatus and biceps weak with a reduced biceps jerk and a "
            "numb lateral arm: a left C5 radiculopathy (three nerves, one root).",
            "source": "Asian Spine J 2020 table 3 (C5: deltoid, biceps, infraspinatus, biceps reflex)",
            "top": root(["C5"], "left"),
            "excludes": [pat("axillary-neuropathy"), pat("suprascapular-neuropathy")],
            "urgent": False,
        },
    )

    c = Case("suprascapular-right", "p-ssn", side_style="ext")
    c.motor("shoulder-external-rotation", "right", 3)
    c.motor("shoulder-abduction", "right", 5)
    c.motor("elbow-flexion", "right", 5)
    c.reflex("reflex-biceps", "right", 2)
    c.reflex("reflex-brachioradialis", "right", 2)
    c.sensory("731058000", "right", how="finding", result="normal")
    c.sensory("699905007", "right", how="finding", result="normal")
    done(
        c,
        {
            "description": "Infraspinatus 3/5 with deltoid, biceps, arm reflexes and lateral-arm skin "
            "normal: right suprascapular neuropathy, not C5.",
            "source": "Preston & Shapiro: proximal neuropathies of the shoulder and arm; "
            "clinical-rules-2 section 5",
            "top": pat("suprascapular-neuropathy", "right"),
            "no_probable_root": True,
            "urgent": False,
        },
    )

    c = Case("lumbosacral-plexopathy-right", "p-lsp", side_style="ext")
    c.motor("hip-flexion", "right", 3)
    c.motor("hip-adduction", "right", 3)
    c.motor("knee-extension", "right", 3)
    c.motor("hip-abduction", "right", 4)
    c.motor("hip-extension", "right", 4)
    c.motor("ankle-dorsiflexion", "right", 5)
    c.reflex("reflex-patellar", "right", 0, site="49076000")  # knee joint site
    c.reflex("reflex-achilles", "right", 2, site="70258002")  # ankle joint site
    c.sensory("61248009", "right", how="finding")
    for muscle in ("hip-flexion", "knee-extension", "hip-adduction"):
        c.motor(muscle, "left", 5)
    c.reflex("reflex-patellar", "left", 2, site="49076000")
    done(
        c,
        {
            "description": "Right hip flexors, adductors and quadriceps 3/5 with the gluteal muscles "
            "4/5, knee jerk absent, ankle jerk kept, little sensory loss: a right lumbosacral "
            "plexopathy (diabetic radiculoplexus neuropathy) or a multi-root lesion - EMG needed to "
            "tell them apart; not a femoral neuropathy (adductors and gluteals weak) and not one root.",
            "source": "Neupsy Key: lumbosacral plexus syndromes; Pinto, Neurology 2021 (diabetic "
            "lumbosacral radiculoplexus neuropathy); clinical-rules-2 section 3",
            "includes_any": [[pat("lumbosacral-plexopathy", "right")], [pat("polyradiculopathy")]],
            "excludes": [pat("femoral-neuropathy")],
            "no_probable_root": True,
            "urgent": False,
        },
    )

    def peroneal_or_l5(name: str, l5: bool) -> Case:
        c = Case(name, f"p-{name}", side_style="ext")
        c.motor("ankle-dorsiflexion", "right", 3)
        c.motor("great-toe-extension", "right", 3)
        c.motor("ankle-eversion", "right", 4)
        c.motor("ankle-inversion", "right", 4 if l5 else 5)
        c.motor("hip-abduction", "right", 4 if l5 else 5)
        c.sensory("264472001", "right", how="finding", modality="pin-prick")
        c.sensory("2402003", "right", how="finding", modality="pin-prick")
        c.reflex("reflex-achilles", "right", 2, site="731478002")
        c.reflex("reflex-patellar", "right", 2, site="72696002")
        return c

    done(
        peroneal_or_l5("peroneal-right", l5=False),
        {
            "description": "Foot drop with weak EHL and eversion, first web space and dorsum numb, "
            "inversion and hip abduction normal, reflexes normal: right common peroneal neuropathy.",
            "source": "DeductMD: L5 radiculopathy vs common peroneal nerve palsy; clinical-rules "
            "section 4.5",
            "top": pat("peroneal-neuropathy", "right"),
            "no_probable_root": True,
            "urgent": False,
        },
    )
    done(
        peroneal_or_l5("l5-right-near-peroneal", l5=True),
        {
            "description": "The peroneal exam with inversion (tibial nerve) and hip abduction (superior "
            "gluteal nerve) also weak: a right L5 radiculopathy.",
            "source": "DeductMD; clinical-rules section 4.5 (weak inversion or hip abduction: L5)",
            "top": root(["L5"], "right"),
            "excludes": [pat("peroneal-neuropathy")],
            "urgent": False,
        },
    )

    c = Case("carpal-tunnel-right-thenar-spared", "p-cts2", side_style="ext")
    c.sensory("83738005", "right", how="finding")
    c.sensory("65531009", "right", how="finding")
    c.sensory("26795005", "right", how="finding", result="normal")  # thenar skin spared
    c.motor("thumb-abduction", "right", 4)
    c.motor("finger-abduction", "right", 5)
    c.motor("wrist-extension", "right", 5)
    c.reflex("reflex-biceps", "right", 2)
    c.reflex("reflex-brachioradialis", "right", 2)
    done(
        c,
        {
            "description": "Index and middle fingers numb with the thenar skin spared, APB 4/5, "
            "interossei, wrist extension and C6 reflexes normal: right carpal tunnel syndrome.",
            "source": "Medscape 1141168 (median neuropathy; palmar cutaneous branch spares the thenar "
            "skin); clinical-rules section 4.5",
            "top": pat("carpal-tunnel", "right"),
            "no_probable_root": True,
            "urgent": False,
        },
    )

    c = Case("ulnar-left-elbow", "p-ulnar2", side_style="post")
    c.sensory("12406000", "left", how="coded")
    c.sensory("89784008", "left", how="coded")  # hypothenar skin
    c.motor("finger-abduction", "left", 3)
    c.motor("thumb-abduction", "left", 5)
    c.motor("finger-flexion", "left", 5)
    c.sensory("731076007", "left", how="coded", result="normal")
    c.reflex("reflex-triceps", "left", 2)
    done(
        c,
        {
            "description": "Little finger and hypothenar numbness with weak interossei; APB, FDP to the "
            "middle finger, medial forearm and the triceps jerk normal: left ulnar neuropathy, not "
            "C8.",
            "source": "Stoker, Kim & Riew, Global Spine J 2014;4:1; clinical-rules section 4.5",
            "top": pat("ulnar-neuropathy", "left"),
            "no_probable_root": True,
            "urgent": False,
        },
    )


# ---- two-level, single key point ----------------------------------------------------------------


def roots() -> None:
    c = Case("l4-l5-left", "p-l45", side_style="ext")
    c.sensory("6417001", "left", how="finding")
    c.reflex("reflex-patellar", "left", 1, site="72696002")
    c.motor("ankle-dorsiflexion", "left", 4)
    c.sensory("2402003", "left", how="finding")
    c.motor("great-toe-extension", "left", 3)
    c.motor("hip-abduction", "left", 4)
    c.reflex("reflex-medial-hamstring", "left", 1, site="699995002")
    c.reflex("reflex-patellar", "right", 2, site="72696002")
    c.reflex("reflex-achilles", "left", 2, site="731478002")
    done(
        c,
        {
            "description": "L4 signs (medial malleolus, knee jerk, dorsiflexion) and L5 signs (dorsum, "
            "EHL, hip abduction, medial hamstring reflex) on the left, S1 normal: an adjacent "
            "two-level left L4-L5 radiculopathy.",
            "source": "clinical-rules section 4.3 (Henderson 1983: 13% two levels; report adjacent "
            "two-level)",
            "top": seg(["L4", "L5"], "left"),
            "urgent": False,
        },
    )

    c = Case("c6-c7-right", "p-c67", side_style="post")
    c.sensory("76505004", "right", how="isncsci")
    c.sensory("40206004", "right", how="isncsci")
    c.reflex("reflex-brachioradialis", "right", 1)
    c.reflex("reflex-triceps", "right", 1)
    c.motor("wrist-extension", "right", 4)
    c.motor("elbow-extension", "right", 4)
    c.reflex("reflex-biceps", "right", 2)
    c.motor("finger-abduction", "right", 5)
    done(
        c,
        {
            "description": "Thumb and dorsal middle finger numb, supinator and triceps jerks reduced, "
            "wrist and elbow extension weak: an adjacent two-level right C6-C7 radiculopathy.",
            "source": "clinical-rules section 4.3; Yoss 1957 (often 'one of two roots')",
            "top": seg(["C6", "C7"], "right"),
            "urgent": False,
        },
    )

    c = Case("single-keypoint-l4", "p-kp4", side_style="ext")
    c.sensory("6417001", "left", how="isncsci", modality="pin-prick")
    c.sensory("6417001", "right", how="isncsci", result="normal", modality="pin-prick")
    for side in BOTH:
        c.reflex("reflex-patellar", side, 2, site="72696002")
        c.reflex("reflex-achilles", side, 2, site="731478002")
        c.motor("ankle-dorsiflexion", side, 5)
        c.motor("great-toe-extension", side, 5)
        c.motor("knee-extension", side, 5)
    done(
        c,
        {
            "description": "Pin-prick reduced at the left medial malleolus only, strength and reflexes "
            "normal: a possible left L4 radiculopathy (pure sensory radiculopathy is common; normal "
            "motor and reflex tests miss many).",
            "source": "Tawa 2017 BMC Musculoskelet Disord; Iversen 2013; clinical-rules-2 section 6",
            "top": root(["L4"], "left", "possible"),
            "summary_excludes": ["point to no nerve root"],
            "urgent": False,
        },
    )

    c = Case("joint-site-reflexes-l4-right", "p-joint", side_style="ext")
    c.add(_code(SCT, "106146005"), site="49076000", side="right", valueString="+")  # knee joint
    c.add(_code(SCT, "106146005"), site="49076000", side="left", valueString="++")
    c.add(_code(SCT, "106146005"), site="70258002", side="right", valueString="++")  # ankle joint
    c.sensory("6417001", "right", how="finding")
    c.motor("ankle-dorsiflexion", "right", 4)
    done(
        c,
        {
            "description": "Knee reflex coded at the knee joint (1+ right, 2+ left), ankle reflex at "
            "the ankle joint 2+, medial malleolus numb and dorsiflexion weak on the right: "
            "a right L4 radiculopathy read from joint-site reflexes.",
            "source": "issue 11 point 5 (ankle joint 70258002, knee joint 49076000); clinical-rules "
            "section 2.5",
            "top": root(["L4"], "right"),
            "urgent": False,
        },
    )


# ---- ISNCSCI-size exams (132 Observations) ------------------------------------------------------


def isncsci_size() -> None:
    c = Case("isncsci-normal", "p-isn0")
    isncsci(c)
    done(
        c,
        {
            "description": "A complete normal ISNCSCI exam (132 Observations): nothing localizes.",
            "source": "ISNCSCI 2019 (praxis-isncsci algorithm key points and key muscles)",
            "top": None,
            "urgent": False,
        },
    )

    c = Case("isncsci-subtle-c6-right", "p-isn1")
    isncsci(c, {("right", "C6"): 1})
    done(
        c,
        {
            "description": "A complete ISNCSCI exam (132 Observations) whose only change is light touch "
            "and pin-prick scored 1 at the right C6 key point: a possible right C6 radiculopathy.",
            "source": "ISNCSCI 2019; Tawa 2017 (sensory-only radiculopathy); clinical-rules-2 "
            "section 6",
            "top": root(["C6"], "right", "possible"),
            "summary_excludes": ["point to no nerve root"],
            "urgent": False,
        },
        "searchset",
    )

    c = Case("isncsci-subtle-ehl-left", "p-isn2")
    isncsci(c, motor={("left", "great-toe-extension"): 4})
    done(
        c,
        {
            "description": "A complete ISNCSCI exam (132 Observations) whose only change is left "
            "great-toe extension 4/5: a possible left L5 radiculopathy, no more.",
            "source": "ISNCSCI 2019 (L5 key muscle); clinical-rules section 4.6",
            "top": root(["L5"], "left", "possible"),
            "no_probable_root": True,
            "urgent": False,
        },
    )

    c = Case("isncsci-t10-paraparesis", "p-isn3")
    below = LEVELS[LEVELS.index("T10") :]
    isncsci(
        c,
        {(side, level): 1 for side in BOTH for level in below},
        {(side, m): 2 for side in BOTH for _l, m in KEY_MUSCLES[5:]},
    )
    for side in BOTH:
        c.reflex(
            "plantar-response", side, "299891004" if side == "left" else "299892006", how="snomed"
        )
        c.reflex("reflex-patellar", side, "4+", how="string", site="72696002")
    done(
        c,
        {
            "description": "A complete ISNCSCI exam with light touch and pin-prick altered from T10 "
            "down on both sides (saddle included) and the leg key muscles 2/5, plus extensor plantars "
            "and clonic knee jerks: a transverse myelopathy with a T10 level (saddle loss with UMN "
            "signs is cord, not cauda equina); severe paraparesis is an emergency.",
            "source": "ISNCSCI 2019; Transverse Myelitis Consortium 2002; clinical-rules-2 section 9 "
            "rule 3 (saddle loss with UMN signs: conus or cord)",
            "top": pat("transverse-myelopathy"),
            "mentions": ["T10"],
            "not_top": [pat("cauda-equina")],
            "no_probable_root": True,
            "urgent": True,
        },
        "transaction",
    )


# ---- noisy exams --------------------------------------------------------------------------------


def noisy() -> None:
    c = Case("noisy-l5-left", "p-noisy1", side_style="ext")
    c.sensory("2402003", "left", how="finding")
    c.sensory("2402003", "left", how="finding", result="normal")  # a second, contradicting entry
    c.sensory("264472001", "left", how="finding")
    c.motor("great-toe-extension", "left", 3)
    c.motor("hip-abduction", "left", 4)
    c.motor("ankle-inversion", "left", 4)
    c.add(_code(SCT, "349006"), site="731478002", side="right", status="entered-in-error")
    not_done(c, _code(EXAM, "reflex-medial-hamstring"), "699995002", "left")
    c.reflex("reflex-achilles", "right", 2, site="731478002")
    c.reflex("reflex-achilles", "left", 2, site="731478002")
    done(
        c,
        {
            "description": "A left L5 exam (first web space, EHL 3/5, hip abduction and inversion "
            "4/5) with noise: the dorsum recorded both impaired and normal, an absent right ankle "
            "jerk entered in error, the medial hamstring reflex not done. Still a left L5 "
            "radiculopathy; the error entry must not create a right S1 or bilateral flag.",
            "source": "clinical-rules section 4.5 (L5 signature muscles); FHIR R4 Observation.status "
            "and dataAbsentReason",
            "top": root(["L5"], "left"),
            "excludes": [seg(["S1"], "right"), pat("bilateral-radiculopathy"), pat("cauda-equina")],
            "urgent": False,
        },
    )

    c = Case("noisy-s1-right-joint-site", "p-noisy2", side_style="bs-bundle")
    c.add(_code(SCT, "349006"), site="70258002", side="right")  # absent reflex at the ankle joint
    c.sensory("699909001", "right", how="finding", modality="pin-prick")
    c.sensory("35739000", "right", how="finding", modality="pin-prick")
    c.sensory("699909001", "right", how="finding", result="normal", modality="pin-prick")
    c.entries[-1]["resource"]["status"] = "entered-in-error"
    not_done(c, _code(EXAM, "ankle-plantarflexion"), None, "right", "asked-declined")
    c.motor("hip-extension", "right", 4)
    c.add(_code(SCT, "299879008"), site="731478002", side="left")
    done(
        c,
        {
            "description": "Right ankle jerk absent (349006 at the ankle joint), lateral heel and sole "
            "pin-prick reduced, hip extension 4/5; a normal heel entered in error and plantar flexion "
            "not tested: a right S1 radiculopathy.",
            "source": "issue 11 point 5 (ankle joint 70258002); Harrison's lumbosacral radiculopathy "
            "table (S1)",
            "top": root(["S1"], "right"),
            "urgent": False,
        },
    )

    c = Case("noisy-c7-not-tested", "p-noisy3", side_style="ext")
    c.sensory("40206004", "right", how="components")
    c.reflex("reflex-triceps", "right", "1+", how="string")
    not_done(c, _code(EXAM, "elbow-extension"), None, "right", "not-performed")
    c.motor("wrist-flexion", "right", 4)
    c.reflex("reflex-triceps", "left", "2+", how="string")
    c.add(_code(EXAM, "reflex-biceps"), side="right", valueString="0", status="entered-in-error")
    c.add(_code(EXAM, "reflex-biceps"), side="right", valueString="2+", status="amended")
    done(
        c,
        {
            "description": "Dorsal middle finger numb, triceps jerk reduced, wrist flexion 4/5, "
            "elbow extension not tested, an absent biceps jerk entered in error and amended to 2+: "
            "a right C7 radiculopathy.",
            "source": "Asian Spine J 2020 table 3 (C7); FHIR R4 Observation.status",
            "top": root(["C7"], "right"),
            "excludes": [seg(["C5"], "right")],
            "urgent": False,
        },
    )
