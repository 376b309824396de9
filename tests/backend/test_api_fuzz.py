"""Whatever a client sends, the API answers with a clear 4xx, never a 500 (Hypothesis)."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
fields = [
    "description",
    "channel",
    "kind",
    "category",
    "severity",
    "unit",
    "contact_phone",
    "client_key",
    "locale",
]
bodies = st.dictionaries(st.sampled_from(fields), json_values, max_size=6)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(body=bodies)
async def test_new_case_never_500(api, body):  # noqa: F811
    response = await api.post("/api/v1/cases", data=json.dumps(body), headers=await api.auth())
    assert response.status in (201, 400), await response.text()
    if response.status == 400:
        error = (await response.json())["error"]
        assert error["code"] == "invalid_input" and error["details"]["field"]


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(["status", "category", "severity", "overdue", "q", "page", "per_page"]),
        st.text(max_size=20),
        max_size=4,
    )
)
async def test_list_filters_never_500(api, query):  # noqa: F811
    response = await api.get("/api/v1/cases", params=query, headers=await api.auth())
    assert response.status in (200, 400), await response.text()


@FUZZ
@given(
    action=st.sampled_from(
        ["assign", "note", "resolve", "close", "recategorize", "change_severity", "escalate"]
    ),
    body=st.dictionaries(
        st.sampled_from(
            [
                "note",
                "reason",
                "staff_id",
                "department",
                "satisfaction",
                "category",
                "severity",
                "to_tenant",
                "resolution",
            ]
        ),
        json_values,
        max_size=4,
    ),
)
async def test_actions_never_500(api, action, body):  # noqa: F811
    headers = await api.auth()
    created = await api.post("/api/v1/cases", json={"description": "门口路灯不亮"}, headers=headers)
    number = (await created.json())["number"]
    response = await api.post(
        f"/api/v1/cases/{number}/actions/{action}", data=json.dumps(body), headers=headers
    )
    assert response.status in (200, 400, 403, 404, 409), await response.text()
