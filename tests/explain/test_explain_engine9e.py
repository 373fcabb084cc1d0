"""Engine classes of the fifth radiologist review of issue 9 that the page shows, with sentences of our own: the warning
signs follow the region scanned, never a region named in the indication or history (the patient's complaint); a
finding stated at several levels, one named as the most affected, is told at several levels."""

from __future__ import annotations

import pytest

from service.explain import explain
from service.explain.phrasebook import phrasebook
from service.explain.scope import regions
from service.extract import extract_findings

LUMBAR = ("Exam: MRI of the lumbar spine without contrast.\n\nIndication: Neck and low back pain, left leg "
          "numbness.\n\nFindings: At L4-5 a mild broad bulge causes mild central canal narrowing.")
CERVICAL = ("Clinical history: low back pain and neck stiffness.\nTechnique: MRI of the cervical spine.\n"
            "Findings: C5-6: right paracentral protrusion with moderate right foraminal narrowing.")


def test_the_indication_names_no_region():
    assert regions([], LUMBAR) == {"lower_back"}
    assert regions([], CERVICAL) == {"neck"}
    # a region named outside an indication still counts
    assert regions([], "Neck pain for years. Mild bulge at C4-5.") == {"neck"}


@pytest.mark.parametrize("language", ("en", "es"))
def test_a_lumbar_study_with_a_neck_complaint_gets_the_cauda_equina_signs_only(language):
    signs = phrasebook(language)["help"]
    page = explain(extract_findings(LUMBAR), language, text=LUMBAR).text
    assert signs["urgent_after"] in page
    assert signs["cord_after"] not in page


MULTILEVEL = "Multilevel disc bulges with facet arthropathy, mainly at L3-L4 level, encroaching both exit canals."


@pytest.mark.parametrize("language", ("en", "es"))
def test_a_multilevel_finding_is_told_at_several_levels(language):
    intro = phrasebook(language)["level_intro_most"].format(level="L3-L4")
    page = explain(extract_findings(MULTILEVEL), language, text=MULTILEVEL).text
    assert intro.strip() in page
