"""service.ids.uuid5_text is exactly str(uuid.uuid5(...)), and the Observation ids keep their derivation."""

import uuid

from hypothesis import given, strategies as st

from service.coding import observation_id, observation_uuid
from service.ids import uuid5_text


@given(st.uuids(), st.text())
def test_uuid5_text_is_the_standard_uuid5(namespace, name):
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: uuid.uuid5 cannot hash it either
        return
    assert uuid5_text(namespace, name) == str(uuid.uuid5(namespace, name))


def test_observation_id_is_the_observation_uuid():
    report = uuid.uuid5(uuid.NAMESPACE_URL, "https://example.org/report")
    for key in ("nerve-root|left|L5|L4-L5", "canal-stenosis|||L3-L4#2", "foraminal-stenosis|right||C5-C6"):
        assert observation_id(report, key) == str(observation_uuid(report, key)) \
            == str(uuid.uuid5(report, f"finding:{key}"))
