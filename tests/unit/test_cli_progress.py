"""`reckon import`'s progress on stderr: bars for reading and writing on a terminal, one final
line anywhere else, nothing for a small file or a refused one."""

from __future__ import annotations

import io

import pytest

from app.cli_progress import SHOW_FROM, ImportProgress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(stream: io.StringIO, lines: int) -> None:
    with ImportProgress(lines, stream) as shown:
        for done in range(0, lines + 1, 1_000):
            shown.reading(done, lines)
        shown.reading(lines, lines)
        for done in range(0, lines, 5_000):
            shown.writing(done, lines - 1)
        shown.writing(lines - 1, lines - 1)


def test_elsewhere_only_one_final_line() -> None:
    stream = io.StringIO()
    _run(stream, 20_001)
    out = stream.getvalue()
    assert out.count("\n") == 1
    assert out.startswith("reckon: import read 20001 lines or entries, applied 20000 estimates in ")


def test_on_a_terminal_a_bar_for_reading_and_one_for_writing() -> None:
    stream = _Terminal()
    _run(stream, 20_001)
    out = stream.getvalue()
    assert "Reading" in out and "Writing" in out
    assert "20000/20000" in out and "20001/20001" in out
    assert out.rstrip().splitlines()[-1].endswith(" s")  # the final line after the bars
    assert "reckon: import read 20001 lines or entries, applied 20000 estimates" in out


def test_a_small_file_or_a_refused_one_prints_nothing() -> None:
    stream = io.StringIO()
    _run(stream, SHOW_FROM - 1)
    assert stream.getvalue() == ""
    stream = io.StringIO()
    with pytest.raises(ValueError), ImportProgress(50_000, stream) as shown:
        shown.reading(1_000, 50_000)
        raise ValueError("refused")
    assert stream.getvalue() == ""
