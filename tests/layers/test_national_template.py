from layers.deposits.national import load_national_deposits
from layers.manifest import Source
from layers.settings import PROJECT_ROOT

TEMPLATE = PROJECT_ROOT / "data" / "templates" / "national_deposits_template.csv"


def test_the_shipped_template_loads_as_one_record():
    source = Source(id="national_registry", title="t", publisher="p", licence="l", attribution="a",
                    url="docs/NATIONAL_TEMPLATE.md", root="raw", files=("national/*.csv",), loader="national_deposits")
    result = load_national_deposits([TEMPLATE], source)
    record = result.records.iloc[0]
    assert len(result.records) == 1 and len(result.quarantine) == 0
    assert (record["record_id"], record["name"], record["country"]) == (
        "national-national-deposits-template:kg-example", "Example deposit", "KG")
    assert record["aliases"] == ["Пример", "Primer", "Example-2"]
    assert record["commodities"] == ["REE", "Be", "Nb"]
    assert (record.geometry.x, record.geometry.y, record["location_precision_km"]) == (74.6, 42.9, 5.0)
