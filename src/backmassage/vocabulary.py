"""The answers a person can give: the values fixed by SPEC section 1.

This is the contract's vocabulary, not medical knowledge. Labels, synonyms and questions
live in the knowledge (``data/answers.yaml``); what a value *means* clinically lives in the
other knowledge files.
"""

from __future__ import annotations

CHOICES: dict[str, tuple[str, ...]] = {
    "location": ("lower", "upper", "neck", "widespread"),
    "cause": ("lifting", "sudden-movement", "posture", "sports", "accident", "major-accident", "repetitive",
              "unknown"),
    "symptoms": ("stiffness", "tenderness", "spasm", "knot", "shooting-pain", "continuous-ache", "fatigue",
                 "headaches", "poor-sleep", "joint-stiffness", "tingling", "saddle-numbness",
                 "bladder-bowel-change", "leg-weakness", "both-legs", "fever", "weight-loss", "night-pain",
                 "clumsy-hands", "belly-pain", "stroke-signs"),
    "history": ("osteoarthritis", "osteoporosis", "fibromyalgia", "pregnancy", "anticoagulants", "blood-clot",
                "cancer", "recent-surgery", "steroid-use", "iv-drug-use", "immunosuppressed", "disc-herniation"),
    "pressure": ("light", "medium", "firm"),
}
"""Every choice answer and its values, in question order."""

WARNING_SIGNS: tuple[str, ...] = ("saddle-numbness", "bladder-bowel-change", "leg-weakness", "both-legs", "fever",
                                  "weight-loss", "night-pain", "clumsy-hands", "belly-pain", "stroke-signs")
"""The symptoms that a red flag tests (SPEC section 1): never taken as "no" unless asked."""

LIST_ANSWERS = ("symptoms", "history")
SINGLE_ANSWERS = ("location", "cause", "pressure")
QUESTION_ORDER = ("location", "cause", "symptoms", "history", "duration", "age")
"""The answers a person is asked for; ``unanswered`` (SPEC section 4) names those not given."""

ANSWER_NAMES = ("location", "cause", "symptoms", "history", "duration", "age", "pressure", "screened", "unsure")
"""The keys of ``recommend`` and of a batch row (SPEC sections 5 and 8)."""

FLAGS: dict[str, str] = {
    "location": "--location",
    "cause": "--cause",
    "symptoms": "--symptom",
    "history": "--history",
    "duration": "--duration",
    "age": "--age",
    "pressure": "--pressure",
    "screened": "--screened",
    "unsure": "--unsure",
}

TRIAGE_LEVELS: tuple[str, ...] = ("massage", "see-clinician", "urgent", "emergency")
"""Least to most severe: the most severe level raised by any rule wins."""
NO_TECHNIQUES_AT = ("urgent", "emergency")
"""Triage levels at which no technique, condition or therapist note is given (SPEC section 4)."""

SOURCE_KINDS: tuple[str, ...] = ("guideline", "systematic-review", "trial", "textbook", "government",
                                 "professional", "clinic", "founding-text")
"""Kinds of evidence, strongest first (SPEC section 4)."""
WEAK_KINDS = frozenset({"clinic", "founding-text"})
"""Kinds that cannot carry a clinical claim on their own."""

AGE_RANGE = (1, 120)


def severity(triage: str) -> int:
    return TRIAGE_LEVELS.index(triage)
