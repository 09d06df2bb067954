"""The progress of `reckon import` on stderr: a bar for reading (and checking) the file and one
for writing it, drawn by rich on a terminal; elsewhere (a log, a pipe) nothing but one final
line, so a scheduled import leaves a readable record."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

SHOW_FROM = 100  # lines; smaller files are done before a bar would be read


class ImportProgress:
    def __init__(self, lines: int, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.shown = lines >= SHOW_FROM
        self.started = time.perf_counter()
        self.rows_read = self.rows_written = 0
        self.bar: Progress | None = None
        self.tasks: dict[str, TaskID] = {}
        if self.shown and self.stream.isatty():
            self.bar = Progress(
                TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TimeRemainingColumn(),
                console=Console(file=self.stream), transient=False)

    def __enter__(self) -> ImportProgress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.bar is not None:
            self.bar.stop()
        if self.shown and kind is None:
            seconds = time.perf_counter() - self.started
            print(f"reckon: import read {self.rows_read} lines or entries, applied "
                  f"{self.rows_written} estimates in {seconds:.1f} s", file=self.stream,
                  flush=True)

    def _advance(self, name: str, done: int, total: int) -> None:
        if self.bar is None:
            return
        if name not in self.tasks:
            self.tasks[name] = self.bar.add_task(name, total=total)
        self.bar.update(self.tasks[name], completed=done, total=total)

    def reading(self, done: int, total: int) -> None:
        self.rows_read = done
        self._advance("Reading", done, total)

    def writing(self, done: int, total: int) -> None:
        self.rows_written = done
        self._advance("Writing", done, total)
