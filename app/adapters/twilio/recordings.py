"""Fetching a voicemail recording from Twilio for the console to stream to a staff member.

Recording URLs reach us in Twilio's signed webhooks; we still fetch only from Twilio's own API
host (TWILIO_API_BASE_URL), so a stored URL can never make the server fetch anything else
(SSRF). Every request carries the account's credentials (HTTP basic auth), which Twilio
requires when "HTTP Basic Authentication for media access" is on and ignores otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from app.models.message import Call
from app.settings import Settings

CHUNK_BYTES = 64 * 1024
TIMEOUT_SECONDS = (5, 30)  # connect, read


class RecordingUnavailable(Exception):
    """Twilio could not give the recording (gone, refused, or unreachable)."""


@dataclass
class RecordingStream:
    content_type: str
    chunks: Iterator[bytes]


def trusted_recording_url(settings: Settings, stored_url: str | None) -> str | None:
    """The MP3 URL of a stored recording, or None when it is not on Twilio's API host."""
    if not stored_url:
        return None
    wanted, given = urlsplit(settings.twilio_api_base_url), urlsplit(stored_url)
    if (given.scheme, given.netloc) != (wanted.scheme, wanted.netloc) or given.query \
            or given.username or given.password or "/Recordings/" not in given.path:
        return None
    path = given.path if given.path.endswith((".mp3", ".wav")) else given.path + ".mp3"
    return f"{given.scheme}://{given.netloc}{path}"


def open_recording(settings: Settings, url: str) -> RecordingStream:
    """Start streaming the recording; the chunks close the connection when they end."""
    try:
        response = requests.get(url, auth=(settings.twilio_account_sid, settings.twilio_auth_token),
                                stream=True, timeout=TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as exc:
        raise RecordingUnavailable(type(exc).__name__) from None
    if response.status_code != 200:
        response.close()
        raise RecordingUnavailable(f"HTTP {response.status_code}")

    def chunks() -> Iterator[bytes]:
        with response:
            yield from response.iter_content(CHUNK_BYTES)

    content_type = response.headers.get("Content-Type", "audio/mpeg").split(";")[0]
    if not content_type.startswith("audio/"):
        response.close()
        raise RecordingUnavailable(f"not audio ({content_type})")
    return RecordingStream(content_type, chunks())


def delete_recording(settings: Settings, stored_url: str | None) -> bool:
    """Delete a recording at Twilio; True when it is gone (deleted now, or already).

    A URL that is not on Twilio's API host has nothing to delete there (True); a refusal or an
    unreachable Twilio is False, so the caller keeps the address and tries again later.
    """
    url = trusted_recording_url(settings, stored_url)
    if url is None:
        return True
    resource = url.rsplit(".", 1)[0] + ".json"
    try:
        response = requests.delete(resource, timeout=TIMEOUT_SECONDS, allow_redirects=False,
                                   auth=(settings.twilio_account_sid, settings.twilio_auth_token))
    except requests.RequestException:
        return False
    return response.status_code in (204, 404)


def recording_deleter(settings: Settings) -> Callable[[Call], bool]:
    """The retention policy's way of deleting a call's recording at Twilio, bound to settings."""
    return lambda call: delete_recording(settings, call.recording_url)
