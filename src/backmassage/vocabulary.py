"""The answers a person can give (SPEC section 1), with plain-language labels.

This is the contract's vocabulary, not medical knowledge: which values exist and how to
say them in plain words. What the values *mean* clinically lives in ``data/*.yaml``.
"""

from __future__ import annotations

LOCATIONS: dict[str, str] = {
    "lower": "lower back",
    "upper": "upper back, between the shoulder blades",
    "neck": "neck",
    "widespread": "all over, in many places",
}

CAUSES: dict[str, str] = {
    "lifting": "lifting something",
    "sudden-movement": "a sudden or awkward movement",
    "posture": "long hours in one position (desk, driving, phone)",
    "sports": "sport or a workout",
    "accident": "an accident or a fall",
    "repetitive": "the same movement over and over",
    "unknown": "no clear reason",
}

SYMPTOMS: dict[str, str] = {
    "stiffness": "stiffness",
    "tenderness": "sore or tender to touch",
    "spasm": "muscle spasm",
    "knot": "knots in the muscles",
    "shooting-pain": "shooting pain down a leg or arm",
    "continuous-ache": "a constant ache",
    "fatigue": "tiredness that does not go away",
    "headaches": "headaches",
    "poor-sleep": "poor sleep",
    "joint-stiffness": "stiff joints, worst after rest",
    "tingling": "tingling or pins and needles",
    "saddle-numbness": "numbness around your bottom or between your legs",
    "bladder-bowel-change": "new trouble controlling or passing urine or stools",
    "leg-weakness": "weakness in a leg that is getting worse",
    "fever": "fever or chills",
    "weight-loss": "weight loss you cannot explain",
    "night-pain": "pain at night that does not ease when you change position",
}

HISTORY: dict[str, str] = {
    "osteoarthritis": "osteoarthritis, wear-and-tear arthritis",
    "osteoporosis": "osteoporosis, thin and fragile bones",
    "fibromyalgia": "fibromyalgia",
    "pregnancy": "being pregnant",
    "anticoagulants": "taking blood thinners",
    "blood-clot": "a blood clot (DVT) now or recently",
    "cancer": "cancer now or in the past",
    "recent-surgery": "surgery in the last few months",
    "steroid-use": "taking steroid tablets for a long time",
    "iv-drug-use": "injecting drugs",
    "immunosuppressed": "a weak immune system or immune-suppressing medicine",
    "disc-herniation": "a slipped or herniated disc",
}

PRESSURES: dict[str, str] = {
    "light": "light",
    "medium": "medium",
    "firm": "firm",
}

# One place that names every choice answer, its flag, and its values.
CHOICES: dict[str, dict[str, str]] = {
    "location": LOCATIONS,
    "cause": CAUSES,
    "symptoms": SYMPTOMS,
    "history": HISTORY,
    "pressure": PRESSURES,
}

FLAGS: dict[str, str] = {
    "location": "--location",
    "cause": "--cause",
    "symptoms": "--symptom",
    "history": "--history",
    "duration": "--duration",
    "age": "--age",
    "pressure": "--pressure",
}

TRIAGE_LEVELS: tuple[str, ...] = ("massage", "see-clinician", "urgent", "emergency")
"""Least to most severe: the most severe level raised by any rule wins."""

DURATION_UNITS: dict[str, int] = {"d": 1, "w": 7, "m": 30}
AGE_RANGE = (1, 120)


def severity(triage: str) -> int:
    return TRIAGE_LEVELS.index(triage)


def label(answer: str, value: str) -> str:
    """Plain words for one answer value, e.g. ('symptoms', 'spasm') -> 'muscle spasm'."""
    return CHOICES[answer][value]
