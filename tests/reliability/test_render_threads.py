"""Rendering from many threads at once (gunicorn's gthread workers do) gives the same HTML as
rendering alone, and never raises: the sanitiser's parser must not be shared between threads."""

from __future__ import annotations

import threading

from discuss.text import render_markdown

SOURCES = [
    f"Paragraph {n} with **bold**, *em*, a [link](https://example.org/{n}), `code` and\n\n"
    f"> a quote\n\n- item\n- www.example.org/{n}\n\n```\nblock {n}\n```\n" + "text " * n
    for n in range(40)
]


def test_parallel_rendering_matches_serial_rendering():
    expected = [render_markdown(source) for source in SOURCES]
    failures: list[str] = []
    start = threading.Barrier(8)

    def work(offset: int) -> None:
        start.wait()
        for round_ in range(5):
            for index in range(len(SOURCES)):
                n = (index + offset + round_) % len(SOURCES)
                try:
                    got = render_markdown(SOURCES[n])
                except Exception as error:  # noqa: BLE001 - any failure is the finding
                    failures.append(f"{type(error).__name__}: {error}")
                    continue
                if got != expected[n]:
                    failures.append(f"source {n} rendered differently")

    threads = [threading.Thread(target=work, args=(k * 5,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == [], failures[:5]
