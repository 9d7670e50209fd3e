"""JSON-lines logging for the watcher: one object a line, to stderr or a file.

Only what the watcher passes as fields is written: file names, digests, counts, statuses,
durations. Nothing from inside a claim file (names, member ids, birth dates, diagnosis codes) is
ever handed to the log, and exceptions are logged by type and place, never by message.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOGGER_NAME = "scrub837.watch"
LIBRARY_LOGGER = "scrub837"


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry["event"] = record.getMessage()
            entry.update(fields)
        else:  # a library message (warnings only): the text, never a traceback
            entry["event"] = "library"
            entry["logger"] = record.name
            entry["message"] = record.getMessage()
        return json.dumps(entry, default=str, separators=(",", ":"))


def where(error: BaseException) -> str:
    """`module.py:123 in function` of the innermost frame: enough to find a bug, no data."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ""
    frame = frames[-1]
    return f"{os.path.basename(frame.filename)}:{frame.lineno} in {frame.name}"


def setup(log_file: Path | None) -> Callable[[], None]:
    """Send the watcher's events (and the library's warnings) as JSON lines; return a teardown."""
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
        # reopens the file when logrotate moves it away
        handler: logging.Handler = logging.handlers.WatchedFileHandler(log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    watch_logger = logging.getLogger(LOGGER_NAME)
    library = logging.getLogger(LIBRARY_LOGGER)
    saved = (watch_logger.level, watch_logger.propagate, library.level)
    watch_logger.addHandler(handler)
    watch_logger.setLevel(logging.INFO)
    watch_logger.propagate = False
    library_handler = _LevelFilterHandler(handler, logging.WARNING)
    library.addHandler(library_handler)
    if library.level == logging.NOTSET or library.level > logging.WARNING:
        library.setLevel(logging.WARNING)

    def teardown() -> None:
        watch_logger.removeHandler(handler)
        library.removeHandler(library_handler)
        watch_logger.setLevel(saved[0])
        watch_logger.propagate = saved[1]
        library.setLevel(saved[2])
        handler.close()

    return teardown


class _LevelFilterHandler(logging.Handler):
    """Pass the library's warnings and errors on to the JSON handler, without their tracebacks."""

    def __init__(self, target: logging.Handler, level: int) -> None:
        super().__init__(level)
        self.target = target

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(LOGGER_NAME):
            return
        record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        self.target.handle(record)


class EventLog:
    """`log.info("processed", file=..., counts=...)` -> one JSON line."""

    def __init__(self) -> None:
        self._logger = logging.getLogger(LOGGER_NAME)

    def info(self, event: str, **fields: Any) -> None:
        self._logger.info(event, extra={"fields": fields})

    def warning(self, event: str, **fields: Any) -> None:
        self._logger.warning(event, extra={"fields": fields})

    def error(self, event: str, **fields: Any) -> None:
        self._logger.error(event, extra={"fields": fields})
