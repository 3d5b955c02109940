"""Medication classes that interact with ketamine/esketamine, with the common names that belong to each.

Used to suggest ``Medication.interaction_class`` when staff add a medication without choosing one
(the prescriber can still change it). Sources: shared/reference/domain.md (b) items 7 and 12.
"""

from __future__ import annotations

import re

from .models import InteractionClass

KNOWN_NAMES: dict[str, tuple[str, ...]] = {
    InteractionClass.BENZODIAZEPINE: (
        "alprazolam",
        "chlordiazepoxide",
        "clobazam",
        "clonazepam",
        "clorazepate",
        "diazepam",
        "estazolam",
        "lorazepam",
        "midazolam",
        "oxazepam",
        "temazepam",
        "triazolam",
        "xanax",
        "klonopin",
        "valium",
        "ativan",
    ),
    InteractionClass.LAMOTRIGINE: ("lamotrigine", "lamictal"),
    InteractionClass.MAOI: (
        "isocarboxazid",
        "phenelzine",
        "selegiline",
        "tranylcypromine",
        "moclobemide",
        "nardil",
        "parnate",
        "marplan",
        "emsam",
    ),
    InteractionClass.STIMULANT: (
        "amphetamine",
        "dextroamphetamine",
        "lisdexamfetamine",
        "methylphenidate",
        "dexmethylphenidate",
        "methamphetamine",
        "modafinil",
        "armodafinil",
        "adderall",
        "vyvanse",
        "ritalin",
        "concerta",
        "focalin",
    ),
    InteractionClass.OPIOID: (
        "buprenorphine",
        "codeine",
        "fentanyl",
        "hydrocodone",
        "hydromorphone",
        "methadone",
        "morphine",
        "oxycodone",
        "oxymorphone",
        "tapentadol",
        "tramadol",
        "suboxone",
        "percocet",
        "vicodin",
    ),
}


def guess_interaction_class(name: str) -> str:
    """The interacting class a medication name belongs to, or "" when it is not a known one."""
    words = set(re.findall(r"[a-z]+", name.lower()))
    for klass, names in KNOWN_NAMES.items():
        if words & set(names):
            return str(klass)
    return ""
