import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.sites import SiteQuery, filter_by_controlling_partner, filter_by_corridor, filter_sites, page
from layers.deposits.names import name_keys
from layers.errors import CRSMismatchError
from layers.types import BBox


def site(site_id, name, country, commodities, groups, point):
    return {"site_id": site_id, "name": name, "country": country, "commodities": commodities,
            "commodity_groups": groups, "search_keys": sorted(name_keys(name)), "geometry": point}


@pytest.fixture()
def sites():
    rows = [
        site("a", "Kutessai-II", "KG", ["La", "Be"], ["REE", "rare metals"], Point(76.17, 42.67)),
        site("b", "Northern Katpar", "KZ", ["W", "Mo"], ["rare metals"], Point(72.95, 48.73)),
        site("c", "Almalyk", "UZ", ["Cu", "Au"], ["base metals", "precious metals"], Point(69.67, 40.8)),
        site("d", "Aitym", "UZ", ["REE"], ["REE"], None),
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


@pytest.mark.parametrize(("query", "expected"), [
    (SiteQuery(), ["a", "b", "c", "d"]),
    (SiteQuery(countries=("UZ",)), ["c", "d"]),
    (SiteQuery(countries=("KZ", "KG")), ["a", "b"]),
    (SiteQuery(commodities=("ree",)), ["a", "d"]),
    (SiteQuery(commodities=("Cu", "W")), ["b", "c"]),
    (SiteQuery(commodities=("precious metals",)), ["c"]),
    (SiteQuery(bbox=BBox(69.0, 40.0, 77.0, 43.0)), ["a", "c"]),
    (SiteQuery(bbox=BBox(76.17, 42.67, 76.17, 42.67)), ["a"]),
    (SiteQuery(bbox=BBox(0.0, 0.0, 1.0, 1.0)), []),
    (SiteQuery(mapped_only=True), ["a", "b", "c"]),
    (SiteQuery(q="Кутессай"), ["a"]),
    (SiteQuery(q="katpar"), ["b"]),
    (SiteQuery(q="Северный Катпар"), ["b"]),
    (SiteQuery(q="aitym"), ["d"]),
    (SiteQuery(q="nothing like it"), []),
    (SiteQuery(countries=("UZ",), commodities=("REE",), mapped_only=True), []),
])
def test_filter_sites(sites, query, expected):
    assert filter_sites(sites, query)["site_id"].tolist() == expected


def test_filter_keeps_columns_and_crs_when_nothing_matches(sites):
    result = filter_sites(sites, SiteQuery(countries=("TM",)))
    assert (list(result.columns), result.crs, len(result)) == (list(sites.columns), sites.crs, 0)


def test_filter_refuses_a_projected_layer(sites):
    with pytest.raises(CRSMismatchError, match="EPSG:4326"):
        filter_sites(sites.to_crs(3857), SiteQuery(bbox=BBox(0, 0, 1, 1)))


@pytest.mark.parametrize(("limit", "offset", "expected"), [(2, 0, ["a", "b"]), (2, 2, ["c", "d"]), (5, 3, ["d"]),
                                                          (1, 9, [])])
def test_page(sites, limit, offset, expected):
    assert page(sites, limit=limit, offset=offset)["site_id"].tolist() == expected


SITE_CORRIDORS = pd.DataFrame({"site_id": ["a", "a", "b", "b", "c", "c"],
                               "corridor_id": ["north", "cku", "north", "cku", "north", "cku"],
                               "distance_km": [10.0, 300.0, 80.0, 40.0, 500.0, 600.0]})
SITE_ACCESS = pd.DataFrame({"site_id": ["a", "b", "c"], "nearest_corridor": ["north", "north", "north"],
                            "nearest_corridor_any": ["north", "cku", "north"],
                            "corridor_distance_km": [10.0, 80.0, 500.0]})


@pytest.mark.parametrize(("corridor", "max_km", "expected"), [
    (None, None, ["a", "b", "c", "d"]),
    ("north", 100.0, ["a", "b"]),
    ("cku", 100.0, ["b"]),
    ("cku", None, ["b"]),  # nearest of any status
    ("north", None, ["a", "b", "c"]),  # nearest existing
    (None, 50.0, ["a"]),
    (None, 0.0, []),
])
def test_filter_by_corridor(sites, corridor, max_km, expected):
    result = filter_by_corridor(sites, SITE_CORRIDORS, SITE_ACCESS, corridor, max_km)
    assert result["site_id"].tolist() == expected


@pytest.mark.parametrize(("partners", "expected"), [(None, ["a", "b", "c", "d"]), (["USA"], ["b"]),
                                                     (["USA", "China"], ["a", "b"]), (["EU"], [])])
def test_filter_by_controlling_partner(sites, partners, expected):
    table = pd.DataFrame({"controlling_partner": ["China", "USA", None]}, index=pd.Index(["a", "b", "c"],
                                                                                          name="site_id"))
    assert filter_by_controlling_partner(sites, table, partners)["site_id"].tolist() == expected
