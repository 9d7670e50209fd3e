"""`scrub837 watch`: the unattended drop-folder service (see service.py and docs/watch.md)."""

from scrubber.watch.service import ConfigError, WatchConfig, Watcher, run_watch

__all__ = ["ConfigError", "WatchConfig", "Watcher", "run_watch"]
