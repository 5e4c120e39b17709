"""The fallback journal: Twilio requests kept on disk while the database cannot take them.

When the primary webhook fails (database down, timeout, 5xx), Twilio posts the same parameters
plus `ErrorCode`/`ErrorUrl` to the number's fallback URL. The fallback
must not need the database, so each request becomes ONE JSON file here, written atomically
(temp file + fsync + rename + fsync of the directory): after the answer has gone, a power cut
leaves either the whole entry or none, never half of one.

Files are named by their Twilio key (the MessageSid, or the CallSid), so a request Twilio
delivers twice overwrites itself instead of multiplying. `here2help fallback replay`
(app/services/fallback/replay.py) loads them into the database and moves each one to
`replayed/` after its commit.

Entries hold phone numbers and message text, so files are 0600 in a 0700 directory and are kept
only until replayed (then `replayed/` is for audit; delete it under the retention policy).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: Headers worth keeping: the signature (evidence the entry is genuine) and Twilio's own ids.
KEPT_HEADERS = ("X-Twilio-Signature", "I-Twilio-Idempotency-Token", "User-Agent", "Content-Type")
REPLAYED_DIR = "replayed"
FAILED_DIR = "failed"
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

KIND_SMS = "sms"
KIND_CALL = "call"
KIND_RECORDING = "recording"
KIND_STATUS = "status"
KIND_UNKNOWN = "unknown"
#: Status callbacks are posted here; their entries are keyed by sid AND status (one per step).
STATUS_PATH = "/twilio/status"


class JournalError(OSError):
    """The entry could not be written durably (disk full, read-only, permissions)."""


@dataclass(frozen=True)
class JournalEntry:
    """One captured request: exactly what Twilio sent, and when it arrived."""

    kind: str
    key: str
    url: str
    form: tuple[tuple[str, str], ...]  # every (name, value) pair in order, repeated keys kept
    headers: dict[str, str]
    received_at: str  # ISO 8601, UTC
    error_code: str | None = None
    error_url: str | None = None
    path: Path | None = field(default=None, compare=False)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of a form field (Twilio never repeats the ones replay reads)."""
        return next((v for k, v in self.form if k == name), default)

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.key}.json"

    def to_json(self) -> str:
        data = {
            "version": 1, "kind": self.kind, "key": self.key, "url": self.url,
            "form": [list(pair) for pair in self.form], "headers": self.headers,
            "received_at": self.received_at, "error_code": self.error_code,
            "error_url": self.error_url,
        }
        return json.dumps(data, ensure_ascii=False, indent=1)


def classify(form: Iterable[tuple[str, str]], url: str = "") -> tuple[str, str]:
    """(kind, key) of a request: a status callback, a voicemail, a call, an SMS, or unknown
    (keyed by content)."""
    pairs = list(form)
    first = {}
    for name, value in pairs:
        first.setdefault(name, value)
    if urlsplit(url).path.endswith(STATUS_PATH):
        sid = first.get("MessageSid") or first.get("SmsSid") or first.get("CallSid") or ""
        step = first.get("MessageStatus") or first.get("SmsStatus") or first.get("CallStatus")
        return KIND_STATUS, _safe(f"{sid}-{step or ''}") or _digest(pairs)
    call_sid = _safe(first.get("CallSid"))
    if call_sid and first.get("RecordingUrl"):
        return KIND_RECORDING, call_sid
    if call_sid:
        return KIND_CALL, call_sid
    message_sid = _safe(
        first.get("MessageSid") or first.get("SmsMessageSid") or first.get("SmsSid")
    )
    if message_sid:
        return KIND_SMS, message_sid
    return KIND_UNKNOWN, _digest(pairs)


def _digest(pairs: list[tuple[str, str]]) -> str:
    return hashlib.sha256(json.dumps(sorted(pairs)).encode()).hexdigest()[:32]


def make_entry(*, url: str, form: Iterable[tuple[str, str]], headers: dict[str, str],
               received_at: datetime) -> JournalEntry:
    """Build the entry for a request (pure: nothing is written)."""
    pairs = tuple((str(k), str(v)) for k, v in form)
    kind, key = classify(pairs, url)
    kept = {name: headers[name] for name in KEPT_HEADERS if headers.get(name)}
    first = dict(reversed(pairs))
    return JournalEntry(
        kind=kind, key=key, url=url, form=pairs, headers=kept,
        received_at=received_at.isoformat(), error_code=first.get("ErrorCode"),
        error_url=first.get("ErrorUrl"),
    )


def write_entry(directory: Path, entry: JournalEntry) -> Path:
    """Write `entry` durably and atomically; the same key replaces the earlier file."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = directory / entry.filename
        fd, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(entry.to_json())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _fsync_directory(directory)
    except OSError as exc:
        raise JournalError(f"fallback journal write failed: {exc.strerror or exc}") from exc
    return target


def read_entry(path: Path) -> JournalEntry:
    """Load one file; ValueError when it is not a journal entry."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("version") != 1:
        raise ValueError("not a version-1 fallback journal entry")
    form = tuple((str(k), str(v)) for k, v in data["form"])
    return JournalEntry(
        kind=str(data["kind"]), key=str(data["key"]), url=str(data["url"]), form=form,
        headers=dict(data.get("headers") or {}), received_at=str(data["received_at"]),
        error_code=data.get("error_code"), error_url=data.get("error_url"), path=path,
    )


def pending_files(directory: Path) -> Iterator[Path]:
    """Entries not yet replayed, oldest first (calls before their voicemail, by name order)."""
    if not directory.is_dir():
        return iter(())
    files = [p for p in directory.glob("*.json") if p.is_file() and not p.name.startswith(".")]
    return iter(sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name)))


def pending_sms_senders(directory: Path) -> set[str]:
    """The `From` of every SMS still waiting for replay (normally none: an empty directory).

    A text from one of these numbers must wait its turn behind them, so that the resident's
    conversation is replayed in the order they wrote it.
    """
    if not _has_pending_sms(directory):
        return set()  # the usual case, asked on every text: one look at the folder, no reads
    senders: set[str] = set()
    for path in pending_files(directory):
        if not path.name.startswith(f"{KIND_SMS}-"):
            continue
        try:
            sender = (read_entry(path).get("From") or "").strip()
        except (OSError, ValueError, KeyError, TypeError):
            continue  # replay reports an unreadable entry; it holds nobody's texts
        if sender:
            senders.add(sender)
    return senders


def _has_pending_sms(directory: Path) -> bool:
    """Whether the folder holds any SMS entry at all (one directory read, no stat per file)."""
    try:
        with os.scandir(directory) as entries:
            return any(entry.name.startswith(f"{KIND_SMS}-") and entry.name.endswith(".json")
                       for entry in entries)
    except (FileNotFoundError, NotADirectoryError):
        return False


def move_to(path: Path, subfolder: str) -> Path:
    """Move a replayed (or unreadable) entry aside, durably; the same name is replaced."""
    folder = path.parent / subfolder
    folder.mkdir(mode=0o700, exist_ok=True)
    target = folder / path.name
    os.replace(path, target)
    _fsync_directory(path.parent)
    return target


def _safe(value: str | None) -> str | None:
    return value if value and _SAFE_KEY.match(value) else None


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
