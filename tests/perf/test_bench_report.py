"""bench/README.md tells, from the figures of one run, what each answer cost the server core."""

from __future__ import annotations

from bench import report
from bench.run import SCENARIOS


def _data(results: dict) -> dict:
    machine = dict.fromkeys(("date", "cpu", "cpus", "memory", "kernel", "python", "postgresql",
                             "sqlite", "wrk"), "x")
    return {"machine": machine, "args": {"connections": 8, "warmup": 3, "runs": 3,
                                         "duration": 10},
            "results": results, "rss_mb": {}, "sizes": {}}


def _run(rps: float, **cpu: float) -> dict:
    return {"rps": rps, "p50_ms": 1.0, "p99_ms": 2.0, "requests": int(rps * 10), "errors": 0,
            **cpu}


def test_the_cpu_per_answer_table_gives_medians_of_the_rounds():
    results = {"not_modified": {
        "discuss-pg": [_run(2500, user_us=330, system_us=80, postgres_us=41),
                       _run(2400, user_us=350, system_us=90, postgres_us=45),
                       _run(2600, user_us=300, system_us=70, postgres_us=39)],
        "ceiling": [_run(3500, user_us=230, system_us=50), _run(3400, user_us=240, system_us=48),
                    _run(3600, user_us=220, system_us=52)],
    }}

    text = report.render(_data(results), SCENARIOS)

    assert "## CPU per answer, under load" in text
    assert "| conditional read answered 304 | discuss-pg | 330 | 80 | 410 | 41 |" in text
    assert "| conditional read answered 304 | ceiling | 230 | 50 | 280 |  |" in text


def test_figures_without_cpu_leave_the_table_out():
    results = {"not_modified": {"ceiling": [_run(3500), _run(3400), _run(3600)]}}

    text = report.render(_data(results), SCENARIOS)

    assert "## CPU per answer, under load" not in text
    assert "| conditional read answered 304 | ceiling | 3,500.0 |" in text
