"""GET /voice-prompts/<language>/<file>: the operator's recorded prompts, for Twilio's <Play>.

Public (no sign-in): Twilio fetches them from the call, as any caller of a public URL. They
hold only what the flow file already says, so nothing private is exposed. Only files directly
in a language's folder of the prompts directory (VOICE_PROMPTS_DIR, else FLOWS_DIR/recordings)
with a recording's name are served: a name with a slash, "..", or anything but letters, digits,
dots and underscores answers 404, as does any other file. Cached for a day (with ETag and
Last-Modified, so a re-recorded prompt reaches callers once the cache expires).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_from_directory

from app.domain.voice_prompts import LANGUAGE_PATTERN, PROMPT_PATTERN, RECORDING_EXTENSIONS
from app.web.session import runtime

bp = Blueprint("prompts", __name__)
CACHE_SECONDS = 86_400
MIMETYPES = {".mp3": "audio/mpeg", ".wav": "audio/wav"}


@bp.get("/voice-prompts/<language>/<name>")
def voice_prompt(language: str, name: str) -> Response:
    stem, dot, extension = name.rpartition(".")
    suffix = f"{dot}{extension}".lower()
    if not (LANGUAGE_PATTERN.match(language) and PROMPT_PATTERN.match(stem)
            and suffix in RECORDING_EXTENSIONS):
        abort(404)
    folder = runtime().settings.prompts_dir / language
    if not (folder / name).is_file():
        abort(404)
    response = send_from_directory(folder, name, mimetype=MIMETYPES[suffix],
                                   max_age=CACHE_SECONDS, conditional=True)
    response.cache_control.public = True
    return response
