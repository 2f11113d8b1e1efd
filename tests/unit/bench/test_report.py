"""The bench's table and JSON document: ratios against raw, goals met or missed."""
import json

from bench.report import Result, table, write


def test_rate_ratio_is_platform_over_raw_and_the_goal_is_a_minimum():
    fast = Result("read", 600.0, "req/s", baseline=1000.0, min_ratio=0.5)
    slow = Result("read", 400.0, "req/s", baseline=1000.0, min_ratio=0.5)
    assert fast.ratio == 0.6 and fast.met is True
    assert slow.ratio == 0.4 and slow.met is False


def test_duration_ratio_is_raw_over_platform_so_higher_is_always_better():
    result = Result("page", 20.0, "ms", baseline=5.0, min_ratio=0.5)
    assert result.ratio == 0.25 and result.met is False


def test_absolute_bound_on_a_cost_and_on_a_rate():
    assert Result("p99", 49.0, "ms", max_value=50.0).met is True
    assert Result("p99", 51.0, "ms", max_value=50.0).met is False
    assert Result("seed", 31.0, "s", max_value=30.0).met is False
    assert Result("rate", 90.0, "req/s", max_value=100.0).met is False  # a floor for rates


def test_both_goals_must_hold():
    result = Result("p99", 40.0, "ms", baseline=10.0, min_ratio=0.5, max_value=50.0)
    assert result.met is False  # under the bound, but 0.25x raw


def test_missing_figure_misses_its_goal_and_no_goal_is_no_verdict():
    assert Result("broken", None, "req/s", baseline=10.0, min_ratio=0.5).met is False
    assert Result("latency", 12.0, "ms", baseline=3.0).met is None
    assert Result("latency", 12.0, "ms").ratio is None


def test_table_has_one_row_per_result_with_ratio_and_verdict():
    text = table([Result("gateway read", 455.0, "req/s", baseline=2135.0, min_ratio=0.5),
                  Result("seed", 12.5, "s", max_value=30.0)])
    lines = text.splitlines()
    assert len(lines) == 4 and lines[0].startswith("| measure")
    assert "0.21x" in lines[2] and "NO" in lines[2]
    assert "12.50" in lines[3] and "<= 30 s" in lines[3] and "yes" in lines[3]


def test_json_document_lists_every_field_the_issue_names(tmp_path):
    path = tmp_path / "results" / "latest.json"
    write([Result("read", 600.0, "req/s", baseline=1000.0, min_ratio=0.5,
                  figures={"p99_ms": 12.0})], str(path), mode="quick", store="mongodb://x",
          started="2026-12-04T00:00:00+00:00", seconds=12.3)
    document = json.loads(path.read_text())
    assert document["mode"] == "quick" and document["machine"]["cpus"] >= 1
    (item,) = document["results"]
    assert {k: item[k] for k in ("name", "platform", "baseline", "unit", "ratio", "goal", "met")} == {
        "name": "read", "platform": 600.0, "baseline": 1000.0, "unit": "req/s", "ratio": 0.6,
        "goal": ">= 0.5x raw", "met": True}
    assert item["figures"] == {"p99_ms": 12.0}
