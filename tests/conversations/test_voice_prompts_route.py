"""GET /voice-prompts/<language>/<file>: recorded prompts for Twilio's <Play>, public, cached,
and never a file from outside the prompts directory."""

from __future__ import annotations

import dataclasses

import pytest

from app.runtime import Runtime


@pytest.fixture
def prompts(tmp_path):
    folder = tmp_path / "prompts"
    (folder / "ur").mkdir(parents=True)
    (folder / "ur" / "welcome.mp3").write_bytes(b"ID3 welcome")
    (folder / "ur" / "need.3.wav").write_bytes(b"RIFF need")
    (folder / "ur" / "notes.txt").write_text("not a recording")
    (tmp_path / "secret.mp3").write_bytes(b"outside")
    return folder


@pytest.fixture
def runtime(settings, engine, session_factory, prompts) -> Runtime:
    own = dataclasses.replace(settings, voice_prompts_dir=prompts)
    return Runtime(settings=own, engine=engine, session_factory=session_factory)


def test_a_recording_is_served_without_sign_in_and_cached(client):
    response = client.get("/voice-prompts/ur/welcome.mp3")
    assert response.status_code == 200 and response.data == b"ID3 welcome"
    assert response.mimetype == "audio/mpeg"
    assert response.cache_control.public and response.cache_control.max_age == 86400
    assert response.headers.get("ETag") and response.headers.get("Last-Modified")
    again = client.get("/voice-prompts/ur/welcome.mp3",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    wav = client.get("/voice-prompts/ur/need.3.wav")
    assert wav.status_code == 200 and wav.mimetype == "audio/wav"


@pytest.mark.parametrize("path", [
    "/voice-prompts/ur/missing.mp3",
    "/voice-prompts/ur/notes.txt",
    "/voice-prompts/ur/..%2Fsecret.mp3",
    "/voice-prompts/ur/%2E%2E/secret.mp3",
    "/voice-prompts/../secret.mp3",
    "/voice-prompts/UR/welcome.mp3",
    "/voice-prompts/ur/welcome.mp3%00.txt",
    "/voice-prompts/ur/WELCOME.MP3",
    "/voice-prompts/urdu-pk/welcome.mp3",
])
def test_anything_else_is_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"outside" not in response.data
