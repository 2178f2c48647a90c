"""Writes the sample exam bundles of this folder and their expected readings.

Run ``python tests/data/samples/build_samples.py`` after changing a case; the JSON files are
committed, so the tests read files and never run this. Each case is a vignette built from the
clinical picture in clinical-rules.md section 3.3 (classic, partial, neighbour-confounded and
mimic vignettes), and each spreads its Observations over the input encodings of DESIGN section 3,
so that together the samples exercise every one of them:

- sensory: SNOMED finding codes (299913001 impaired light touch, 299928001 impaired pin prick,
  299912006 absent light touch, 299914007 normal...), the service codes with ISNCSCI integers,
  valueBoolean, valueCodeableConcept, interpretation codes, components;
- reflexes: SNOMED reflex findings, service codes with integer and string grades, 349006 with a
  bodySite, UMN signs;
- motor: service movement codes with MRC grades, 249948009 with the movement in a component or in
  ``method``, 6077001 foot drop;
- sides: the mCODE laterality extension, post-coordinated expressions, pre-coordinated lateral
  codes, BodyStructure (contained and in the Bundle), and bodySite.text;
- Bundle types collection, searchset, transaction, batch and the Parameters forms.
"""

from __future__ import annotations

import itertools
import json
import typing as t
from pathlib import Path

HERE = Path(__file__).parent
SCT = "http://snomed.info/sct"
EXAM = "http://neuroroot.org/fhir/CodeSystem/neuro-exam"
INTERP = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier"
SIDE = {"left": "7771000", "right": "24028007", "bilateral": "51440002"}
PRE = {
    ("26893007", "left"): "85119005",
    ("26893007", "right"): "37117007",
    ("122474001", "left"): "723031008",
    ("122474001", "right"): "723032001",
}

_serial = itertools.count(1)


def _code(system: str, code: str) -> dict[str, t.Any]:
    return {"coding": [{"system": system, "code": code}]}


class Case:
    """One sample: a patient, its Observations, and how each side is written."""

    def __init__(self, name: str, patient: str, side_style: str = "ext"):
        self.name, self.patient, self.side_style = name, patient, side_style
        self.entries: list[dict[str, t.Any]] = []
        self.extra: list[dict[str, t.Any]] = []
        self.minute = 0

    # -- building blocks ------------------------------------------------------------------
    def _site(
        self, code: str | None, side: str | None, obs: dict[str, t.Any], style: str | None = None
    ) -> None:
        style = style or self.side_style
        if code is None and side is None:
            return
        if code is None and style in ("post", "pre", "text"):
            # A movement or reflex has no site concept to post-coordinate or pre-coordinate
            # ("None:272741003=7771000" is no SNOMED CT expression): an export states its
            # side with the laterality extension instead.
            style = "ext"
        if side is None:
            obs["bodySite"] = _code(SCT, code)
        elif style == "ext":
            site = _code(SCT, code) if code else {"text": f"{side} limb"}
            site["extension"] = [{"url": MCODE, "valueCodeableConcept": _code(SCT, SIDE[side])}]
            obs["bodySite"] = site
        elif style == "post":
            obs["bodySite"] = _code(SCT, f"{code}:272741003={SIDE[side]}")
        elif style == "pre":
            obs["bodySite"] = _code(SCT, PRE[(code, side)])
        elif style == "text":
            obs["bodySite"] = {**_code(SCT, code), "text": f"{side} {code}"}
            obs["bodySite"]["text"] = f"{side.capitalize()} side"
        elif style in ("bs-contained", "bs-bundle"):
            structure = {
                "resourceType": "BodyStructure",
                "patient": {"reference": f"Patient/{self.patient}"},
                "locationQualifier": [_code(SCT, SIDE[side])],
            }
            if code is not None:  # FHIR JSON has no nulls: a reflex or movement has no site code
                structure["location"] = _code(SCT, code)
            ref_ext = {"url": "http://hl7.org/fhir/StructureDefinition/bodySite"}
            if style == "bs-contained":
                structure["id"] = "site"
                obs["contained"] = [structure]
                ref_ext["valueReference"] = {"reference": "#site"}
            else:
                bs_id = f"bs-{self.name}-{next(_serial)}"
                structure["id"] = bs_id
                self.extra.append(
                    {
                        "fullUrl": f"https://ehr.example.org/fhir/BodyStructure/{bs_id}",
                        "resource": structure,
                    }
                )
                ref_ext["valueReference"] = {"reference": f"BodyStructure/{bs_id}"}
            obs["bodySite"] = {"extension": [ref_ext]}
        else:
            raise ValueError(style)

    def add(
        self,
        code: dict[str, t.Any],
        *,
        site: str | None = None,
        side: str | None = None,
        style: str | None = None,
        **values: t.Any,
    ) -> dict[str, t.Any]:
        self.minute += 1
        oid = f"{self.name}-{len(self.entries) + 1}"
        obs: dict[str, t.Any] = {
            "resourceType": "Observation",
            "id": oid,
            "status": values.pop("status", "final"),
            "category": [
                _code("http://terminology.hl7.org/CodeSystem/observation-category", "exam")
            ],
            "code": code,
            "subject": {"reference": f"Patient/{self.patient}"},
            "effectiveDateTime": (
                f"2026-11-20T{9 + self.minute // 60:02d}:{self.minute % 60:02d}:00+01:00"
            ),
        }
        self._site(site, side, obs, style)
        obs.update(values)
        self.entries.append(
            {"fullUrl": f"https://ehr.example.org/fhir/Observation/{oid}", "resource": obs}
        )
        return obs

    # -- the three kinds ------------------------------------------------------------------
    def sensory(
        self,
        site: str,
        side: str | None,
        *,
        how: str = "finding",
        result: str = "impaired",
        modality: str = "light-touch",
        style: str | None = None,
    ) -> None:
        """A sensory test written in one of several encodings (*how*)."""
        score = {"normal": 2, "impaired": 1, "absent": 0}[result]
        finding = {
            ("light-touch", "impaired"): "299913001",
            ("light-touch", "absent"): "299912006",
            ("light-touch", "normal"): "299914007",
            ("pin-prick", "impaired"): "299928001",
            ("pin-prick", "absent"): "299927006",
            ("pin-prick", "normal"): "299929009",
        }[(modality, result)]
        if how == "finding":
            self.add(_code(SCT, finding), site=site, side=side, style=style)
        elif how == "finding-boolean":
            self.add(_code(SCT, finding), site=site, side=side, style=style, valueBoolean=True)
        elif how == "isncsci":
            self.add(_code(EXAM, modality), site=site, side=side, style=style, valueInteger=score)
        elif how == "coded":
            parent = {"light-touch": "299910003", "pin-prick": "299925003"}[modality]
            self.add(
                _code(SCT, parent),
                site=site,
                side=side,
                style=style,
                valueCodeableConcept=_code(SCT, finding),
            )
        elif how == "interpretation":
            flag = {"normal": "N", "impaired": "L", "absent": "L"}[result]
            self.add(
                _code(EXAM, modality),
                site=site,
                side=side,
                style=style,
                interpretation=[_code(INTERP, flag)],
            )
        elif how == "components":
            self.add(
                {"text": "Sensory exam"},
                site=site,
                side=side,
                style=style,
                component=[
                    {"code": _code(EXAM, "light-touch"), "valueInteger": score},
                    {"code": _code(EXAM, "pin-prick"), "valueInteger": score},
                ],
            )
        else:
            raise ValueError(how)

    def reflex(
        self,
        reflex: str,
        side: str | None,
        grade: t.Any,
        *,
        how: str = "integer",
        site: str | None = None,
        style: str | None = None,
    ) -> None:
        if how == "integer":
            self.add(_code(EXAM, reflex), site=site, side=side, style=style, valueInteger=grade)
        elif how == "string":
            self.add(_code(EXAM, reflex), site=site, side=side, style=style, valueString=grade)
        elif how == "snomed":  # grade is the SNOMED finding code
            self.add(_code(SCT, grade), site=site, side=side, style=style)
        elif how == "positive":
            self.add(_code(EXAM, reflex), site=site, side=side, style=style, valueBoolean=True)
        elif how == "absent-349006":
            self.add(_code(SCT, "349006"), site=site, side=side, style=style)
        else:
            raise ValueError(how)

    def motor(
        self,
        movement: str,
        side: str | None,
        grade: int,
        *,
        how: str = "code",
        site: str | None = None,
        style: str | None = None,
    ) -> None:
        if how == "code":
            self.add(_code(EXAM, movement), site=site, side=side, style=style, valueInteger=grade)
        elif how == "component":
            self.add(
                _code(SCT, "249948009"),
                site=site,
                side=side,
                style=style,
                component=[{"code": _code(EXAM, movement), "valueInteger": grade}],
            )
        elif how == "method":
            self.add(
                _code(SCT, "249948009"),
                site=site,
                side=side,
                style=style,
                method=_code(EXAM, movement),
                valueInteger=grade,
            )
        else:
            raise ValueError(how)

    def other(self, resource: dict[str, t.Any]) -> None:
        self.extra.append(
            {
                "fullUrl": f"https://ehr.example.org/fhir/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
            }
        )

    # -- output -------------------------------------------------------------------------
    def bundle(self, kind: str = "collection") -> dict[str, t.Any]:
        entries = [dict(e) for e in self.entries + self.extra]
        if kind in ("transaction", "batch"):
            for e in entries:
                rt = e["resource"]["resourceType"]
                e["request"] = {"method": "PUT", "url": f"{rt}/{e['resource']['id']}"}
        if kind == "searchset":
            for e in entries:
                e["search"] = {"mode": "match"}
        doc: dict[str, t.Any] = {
            "resourceType": "Bundle",
            "type": kind,
            "identifier": {"system": "https://ehr.example.org/exam", "value": self.name},
            "entry": entries,
        }
        if kind == "searchset":
            doc["total"] = len(entries)
        return doc

    def parameters(self, form: str) -> dict[str, t.Any]:
        if form == "bundle":
            return {
                "resourceType": "Parameters",
                "parameter": [{"name": "bundle", "resource": self.bundle()}],
            }
        return {
            "resourceType": "Parameters",
            "parameter": [{"name": "observation", "resource": e["resource"]} for e in self.entries],
        }


#: the literature behind the first twenty vignettes (clinical-rules.md sections 3.3, 4 and 2.5-2.6).
SOURCES = {
    "l2-left": "Harrison's lumbosacral radiculopathy table (L2: iliopsoas, adductors); ISNCSCI L2",
    "l3-right": "ISNCSCI L3 key point and key muscle; StatPearls deep tendon reflexes (L2-L4)",
    "l4-left": "ISNCSCI L4 key point and key muscle; Suri et al. Spine 2011;36:63",
    "l5-left": "DeductMD (L5 vs peroneal); Jensen 1987 and Esene 2012 (medial hamstring reflex)",
    "s1-right": "ISNCSCI S1 key point and key muscle; Suri et al. Spine 2011 (Achilles reflex)",
    "s2-left": "ISNCSCI S2 key point; Tawa 2017 (sensory-only radiculopathy)",
    "c5-right": "Asian Spine J 2020 table 3 (C5); ISNCSCI C5 key muscle",
    "c6-left": "Asian Spine J 2020 table 3 (C6); Medscape 1141168 (CTS vs C6)",
    "c7-right": "Asian Spine J 2020 table 3 (C7); ISNCSCI C7 key point and key muscle",
    "c8-left": "Stoker, Kim & Riew, Global Spine J 2014;4:1 (C8 vs ulnar)",
    "polyneuropathy": "England et al. Neurology 2005;64:199; Abraham et al. PLoS ONE 2017",
    "cauda-equina": "Gardner, Gardner & Morley, Eur Spine J 2011;20:690; SBNS/BASS 2018",
    "myelopathy": "Cook et al. J Man Manip Ther 2010;18:175",
    "peroneal-left": "DeductMD: L5 radiculopathy vs common peroneal nerve palsy",
    "meralgia-right": "Medscape 1141848 (meralgia paresthetica)",
    "femoral-left": "Medscape 1141793 (femoral neuropathy: adductors spared)",
    "carpal-tunnel": "Medscape 1141168 (carpal tunnel syndrome vs C6)",
    "ulnar-right": "Stoker, Kim & Riew, Global Spine J 2014;4:1; Medicowesome (C8 vs ulnar)",
    "normal-exam": "ISNCSCI 2019 key points (a normal exam)",
    "great-toe-only": "clinical-rules section 2.3 (great toe: L4/L5 disagreement zone)",
}


def write(name: str, document: dict[str, t.Any], expected: dict[str, t.Any]) -> None:
    if "source" not in expected and name in SOURCES:
        expected = {
            "description": expected["description"],
            "source": SOURCES[name],
            **{k: v for k, v in expected.items() if k != "description"},
        }
    (HERE / f"{name}.json").write_text(json.dumps(document, indent=1) + "\n")
    (HERE / f"{name}.expected.json").write_text(json.dumps(expected, indent=1) + "\n")


def root(segments: list[str], side: str | None, confidence: str = "probable") -> dict[str, t.Any]:
    pattern = "radiculopathy" if len(segments) == 1 else "polyradiculopathy"
    return {"pattern": pattern, "segments": segments, "side": side, "confidence": confidence}


def pattern(code: str, side: str | None = None) -> dict[str, t.Any]:
    return {"pattern": code, "segments": [], "side": side}


def build() -> None:
    # ---- lower limb roots ---------------------------------------------------------------
    c = Case("l2-left", "p-l2", side_style="ext")
    c.sensory("61248009", "left", how="finding")  # anterior thigh
    c.sensory("61248009", "right", how="finding", result="normal")
    c.motor("hip-flexion", "left", 4, site="68367000")
    c.motor("hip-adduction", "left", 4, site="68367000")
    c.reflex("reflex-patellar", "left", 2, site="72696002")
    c.motor("ankle-dorsiflexion", "left", 5, site="344001")
    write(
        c.name,
        c.bundle(),
        {
            "description": "Anterior-thigh numbness with weak hip flexion and adduction, "
            "patellar reflex kept: L2.",
            "top": root(["L2"], "left"),
            "urgent": False,
        },
    )

    c = Case("l3-right", "p-l3", side_style="post")
    c.sensory("73958006", "right", how="isncsci", modality="pin-prick")  # medial thigh
    c.sensory(
        "122474001", "right", how="isncsci", style="pre"
    )  # medial femoral condyle, pre-coordinated
    c.motor("knee-extension", "right", 4, site="72696002")
    c.reflex("reflex-patellar", "right", "1+", how="string", site="72696002")
    c.motor("ankle-dorsiflexion", "right", 5, site="344001")
    c.sensory("6417001", "right", how="isncsci", result="normal")
    write(
        c.name,
        c.bundle("searchset"),
        {
            "description": "Medial thigh and knee numbness, weak knee extension, "
            "reduced knee jerk, ankle spared: L3.",
            "top": root(["L3"], "right"),
            "urgent": False,
        },
    )

    c = Case("l4-left", "p-l4", side_style="ext")
    c.sensory("6417001", "left", how="isncsci")  # medial malleolus, key point
    c.sensory("6417001", "right", how="isncsci", result="normal")
    c.reflex("reflex-patellar", "left", "299872004", how="snomed", site="72696002")
    c.reflex("reflex-patellar", "right", 2, site="72696002")
    c.motor("ankle-dorsiflexion", "left", 4, how="component", site="344001")
    c.motor("great-toe-extension", "left", 5, site="78883009")
    c.other({"resourceType": "Patient", "id": "p-l4", "gender": "female"})
    write(
        c.name,
        c.bundle("transaction"),
        {
            "description": "Medial malleolus numbness, reduced knee jerk, weak "
            "dorsiflexion, EHL spared: L4.",
            "top": root(["L4"], "left"),
            "urgent": False,
        },
    )

    c = Case("l5-left", "p-l5", side_style="ext")
    c.sensory("2402003", "left", how="finding")  # dorsum of foot
    c.sensory("25763004", "left", how="coded", modality="pin-prick")  # anterior lower leg
    c.motor("great-toe-extension", "left", 3, how="method", site="78883009")
    c.motor("hip-abduction", "left", 4, site="46862004")
    c.motor("ankle-inversion", "left", 4, site="344001")
    c.reflex("reflex-medial-hamstring", "left", 1, site="32361000")
    c.reflex("reflex-achilles", "left", 2, site="731478002")
    write(
        c.name,
        c.bundle(),
        {
            "description": "Dorsum-of-foot numbness, weak EHL, hip abduction and inversion, "
            "reduced medial hamstring reflex: L5.",
            "top": root(["L5"], "left"),
            "excludes": [pattern("peroneal-neuropathy", "left")],
            "urgent": False,
        },
    )

    c = Case("s1-right", "p-s1", side_style="bs-contained")
    c.sensory(
        "76853006", "right", how="finding", modality="pin-prick"
    )  # heel (lateral heel key point)
    c.sensory("35739000", "right", how="finding")  # lateral border of sole
    c.reflex("reflex-achilles", "right", "0", how="string")
    c.reflex("reflex-achilles", "left", "++", how="string", style="ext")
    c.motor("ankle-plantarflexion", "right", 4, site="56459004")
    c.motor("great-toe-extension", "right", 5, site="78883009", style="ext")
    write(
        c.name,
        c.bundle(),
        {
            "description": "Lateral heel and foot numbness, absent ankle jerk, weak plantar "
            "flexion: S1.",
            "top": root(["S1"], "right"),
            "snomed": "2415007",
            "urgent": False,
        },
    )

    c = Case("s2-left", "p-s2", side_style="text")
    c.sensory("32361000", "left", how="finding")  # popliteal fossa, key point
    c.sensory("4578000", "left", how="finding")  # posterior thigh
    c.reflex("reflex-achilles", "left", 2, site="731478002", style="ext")
    c.motor("ankle-plantarflexion", "left", 5, site="56459004", style="ext")
    c.sensory("76853006", "left", how="finding", result="normal", style="ext")
    write(
        c.name,
        c.bundle(),
        {
            "description": "Popliteal fossa and posterior thigh numbness with the S1 "
            "reflex, muscle and heel normal (sides written only in text): S2, "
            "sensory only, so possible.",
            "top": root(["S2"], "left", "possible"),
            "urgent": False,
        },
    )

    # ---- upper limb roots ---------------------------------------------------------------
    c = Case("c5-right", "p-c5", side_style="ext")
    c.sensory("17957002", "right", how="finding")  # antecubital fossa (lateral)
    c.sensory("731058000", "right", how="finding")  # lateral arm
    c.motor("shoulder-abduction", "right", 4, site="16982005")
    c.motor("elbow-flexion", "right", 4, site="40983000")
    c.reflex("reflex-biceps", "right", 1, site="40983000")
    c.reflex("reflex-brachioradialis", "right", 2, site="14975008")
    write(
        c.name,
        c.bundle("batch"),
        {
            "description": "Lateral arm numbness, weak deltoid and biceps, reduced biceps "
            "jerk, brachioradialis kept: C5.",
            "top": root(["C5"], "right"),
            "urgent": False,
        },
    )

    c = Case("c6-left", "p-c6", side_style="post")
    c.sensory("76505004", "left", how="finding-boolean")  # thumb, key point
    c.sensory("731037006", "left", how="finding")  # lateral forearm
    c.motor("wrist-extension", "left", 4, site="14975008")
    c.reflex("reflex-brachioradialis", "left", "299837002", how="snomed", site="14975008")
    c.reflex("reflex-triceps", "left", 2, site="40983000")
    c.sensory("65531009", "left", how="finding", result="normal")
    write(
        c.name,
        c.parameters("bundle"),
        {
            "description": "Thumb and lateral forearm numbness, weak wrist "
            "extension, reduced supinator jerk: C6, not carpal tunnel.",
            "top": root(["C6"], "left"),
            "excludes": [pattern("carpal-tunnel", "left")],
            "urgent": False,
        },
    )

    c = Case("c7-right", "p-c7", side_style="ext")
    c.sensory("65531009", "right", how="interpretation")  # middle finger, key point
    c.reflex("reflex-triceps", "right", "299825004", how="snomed", site="40983000")
    c.motor("elbow-extension", "right", 4, how="component", site="40983000")
    c.reflex("reflex-biceps", "right", 2, site="40983000")
    c.motor("wrist-extension", "right", 5, site="14975008")
    write(
        c.name,
        c.parameters("observation"),
        {
            "description": "Middle-finger numbness, reduced triceps jerk, "
            "weak elbow extension: C7.",
            "top": root(["C7"], "right"),
            "urgent": False,
        },
    )

    c = Case("c8-left", "p-c8", side_style="bs-bundle")
    c.sensory("12406000", "left", how="finding")  # little finger, key point
    c.sensory("731076007", "left", how="finding")  # medial forearm
    c.motor("finger-flexion", "left", 4, site="85562004", style="ext")
    c.motor("thumb-abduction", "left", 4, site="76505004", style="ext")
    c.motor("finger-abduction", "left", 5, site="85562004", style="ext")
    c.reflex("reflex-triceps", "left", 2, site="40983000", style="ext")
    write(
        c.name,
        c.bundle(),
        {
            "description": "Little finger and medial forearm numbness, weak finger flexion "
            "and APB: C8, not ulnar neuropathy.",
            "top": root(["C8"], "left"),
            "excludes": [pattern("ulnar-neuropathy", "left")],
            "urgent": False,
        },
    )

    # ---- patterns -----------------------------------------------------------------------
    c = Case("polyneuropathy", "p-pnp", side_style="ext")
    for side in ("left", "right"):
        c.sensory("2402003", side, how="finding", modality="pin-prick")
        c.sensory("37136002", side, how="finding", modality="pin-prick")
        c.sensory("61248009", side, how="finding", modality="pin-prick", result="normal")
        c.reflex("reflex-achilles", side, 0, site="731478002")
        c.reflex("reflex-patellar", side, 2, site="72696002")
    write(
        c.name,
        c.bundle(),
        {
            "description": "Symmetric stocking loss over L5 and S1, both ankle jerks absent, "
            "knee jerks and thighs normal: polyneuropathy, not a root.",
            "top": pattern("polyneuropathy", "bilateral"),
            "urgent": False,
            "excludes": [pattern("cauda-equina")],
        },
    )

    c = Case("cauda-equina", "p-ces", side_style="ext")
    c.sensory("397158004", "bilateral", how="finding", result="absent")  # perianal, both sides
    c.reflex("reflex-anal", None, 0)
    for side in ("left", "right"):
        c.sensory("35739000", side, how="finding")
        c.reflex("reflex-achilles", side, 1, site="731478002")
        c.motor("ankle-plantarflexion", side, 4, site="56459004")
    write(
        c.name,
        c.bundle(),
        {
            "description": "Saddle anaesthesia, absent anal reflex and bilateral S1 signs: "
            "cauda equina, urgent.",
            "top": pattern("cauda-equina"),
            "urgent": True,
        },
    )

    c = Case("myelopathy", "p-myelo", side_style="ext")
    c.reflex("hoffmann", "right", None, how="positive", site="85562004")
    c.reflex("plantar-response", "left", "299891004", how="snomed")
    c.reflex("plantar-response", "right", "299892006", how="snomed")
    c.reflex("clonus", "left", "299885001", how="snomed", site="344001")
    c.reflex("reflex-biceps", "right", "299833003", how="snomed", site="40983000")
    write(
        c.name,
        c.bundle(),
        {
            "description": "Hoffmann, bilateral extensor plantars, ankle clonus, brisk biceps: "
            "cervical myelopathy.",
            "top": pattern("myelopathy"),
            "snomed": "202664003",
            "urgent": False,
        },
    )

    # ---- mimics -------------------------------------------------------------------------
    c = Case("peroneal-left", "p-peroneal", side_style="ext")
    c.add(_code(SCT, "6077001"), site="56459004", side="left")  # foot drop
    c.motor("great-toe-extension", "left", 3, site="78883009")
    c.motor("ankle-eversion", "left", 4, site="344001")
    c.motor("ankle-inversion", "left", 5, site="344001")
    c.motor("hip-abduction", "left", 5, site="46862004")
    c.sensory("2402003", "left", how="finding")
    c.sensory("25763004", "left", how="finding")
    c.reflex("reflex-achilles", "left", 2, site="731478002")
    c.reflex("reflex-medial-hamstring", "left", 2, site="32361000")
    write(
        c.name,
        c.bundle(),
        {
            "description": "Foot drop with weak EHL and eversion, inversion and hip abduction "
            "normal, reflexes normal: common peroneal neuropathy over L5.",
            "top": pattern("peroneal-neuropathy", "left"),
            "urgent": False,
        },
    )

    c = Case("meralgia-right", "p-meralgia", side_style="ext")
    c.sensory("61248009", "right", how="finding")
    c.motor("hip-flexion", "right", 5, site="68367000")
    c.motor("knee-extension", "right", 5, site="72696002")
    c.reflex("reflex-patellar", "right", 2, site="72696002")
    c.sensory("73958006", "right", how="finding", result="normal")
    write(
        c.name,
        c.bundle(),
        {
            "description": "Anterolateral thigh numbness with normal hip flexion, knee "
            "extension, knee jerk and medial thigh: meralgia paresthetica.",
            "top": pattern("meralgia-paresthetica", "right"),
            "urgent": False,
        },
    )

    c = Case("femoral-left", "p-femoral", side_style="ext")
    c.motor("knee-extension", "left", 3, site="72696002")
    c.reflex("reflex-patellar", "left", 0, how="absent-349006", site="64234005")
    c.sensory("61248009", "left", how="finding")
    c.sensory("6417001", "left", how="finding")
    c.motor("hip-adduction", "left", 5, site="68367000")
    c.motor("ankle-dorsiflexion", "left", 5, site="344001")
    write(
        c.name,
        c.bundle(),
        {
            "description": "Weak quadriceps, absent knee jerk, anterior thigh and saphenous "
            "numbness, adductors and tibialis anterior normal: femoral neuropathy.",
            "top": pattern("femoral-neuropathy", "left"),
            "urgent": False,
        },
    )

    c = Case("carpal-tunnel", "p-cts", side_style="ext")
    for side in ("left", "right"):
        c.sensory("76505004", side, how="components")  # thumb
        c.sensory("83738005", side, how="finding")  # index
        c.sensory("65531009", side, how="finding")  # middle
        c.motor("thumb-abduction", side, 4, site="76505004")
        c.reflex("reflex-biceps", side, 2, site="40983000")
        c.reflex("reflex-brachioradialis", side, 2, site="14975008")
        c.motor("wrist-extension", side, 5, site="14975008")
    write(
        c.name,
        c.bundle(),
        {
            "description": "Thumb, index and middle finger numbness on both sides with weak "
            "APB and normal C6 reflexes and wrist extension: carpal tunnel.",
            "top": {"pattern": "carpal-tunnel", "segments": []},
            "urgent": False,
            "includes": [pattern("carpal-tunnel", "left"), pattern("carpal-tunnel", "right")],
        },
    )

    c = Case("ulnar-right", "p-ulnar", side_style="ext")
    c.sensory("12406000", "right", how="finding")
    c.sensory("82002001", "right", how="finding")
    c.sensory("731990007", "right", how="finding")
    c.motor("finger-abduction", "right", 4, site="85562004")
    c.sensory("731076007", "right", how="finding", result="normal")
    c.motor("thumb-abduction", "right", 5, site="76505004")
    write(
        c.name,
        c.bundle(),
        {
            "description": "Little and ring finger and hypothenar numbness, weak interossei, "
            "medial forearm and APB spared: ulnar neuropathy over C8.",
            "top": pattern("ulnar-neuropathy", "right"),
            "urgent": False,
        },
    )

    # ---- nothing to localize, and an ambiguous zone ---------------------------------------
    c = Case("normal-exam", "p-normal", side_style="ext")
    for side in ("left", "right"):
        for site in ("6417001", "2402003", "76853006", "61248009"):
            c.sensory(site, side, how="isncsci", result="normal")
        c.reflex("reflex-patellar", side, 2, site="72696002")
        c.reflex("reflex-achilles", side, "2+", how="string", site="731478002")
        c.motor("great-toe-extension", side, 5, site="78883009")
    c.other(
        {
            "resourceType": "Encounter",
            "id": "enc-normal",
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        }
    )
    write(
        c.name,
        c.bundle(),
        {
            "description": "A normal lower-limb exam: nothing localizes.",
            "top": None,
            "urgent": False,
        },
    )

    c = Case("great-toe-only", "p-toe", side_style="ext")
    c.sensory("78883009", "left", how="finding")
    write(
        c.name,
        c.bundle(),
        {
            "description": "An isolated great-toe finding: L4 and L5 both plausible, "
            "neither confident.",
            "top": root(["L5"], "left", "possible"),
            "urgent": False,
            "includes": [root(["L4"], "left", "possible")],
        },
    )


if __name__ == "__main__":
    import build_corpus  # type: ignore[import-not-found]  # the issue-11 corpus, next to this file

    build()
    build_corpus.build()
    print(f"wrote {len(list(HERE.glob('*.expected.json')))} cases to {HERE}")
