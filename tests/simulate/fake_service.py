"""A small fake of the service: canned TwiML, checking every signature with Twilio's validator.

It lets the simulator's TwiML-following be tested on its own: every request is recorded, with
its URL and form, so tests can assert what a Twilio-like client posted.
"""

from __future__ import annotations

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse


def xml(twiml) -> Response:
    return Response(str(twiml), mimetype="text/xml")


def fake_service(token: str, public_base_url: str | None = None) -> Flask:
    app = Flask("fake_service")
    app.config["posts"] = posts = []

    @app.before_request
    def check_signature():
        url = request.url
        if public_base_url:
            url = public_base_url + request.full_path.rstrip("?")
        if not RequestValidator(token).validate(url, request.form,
                                                request.headers.get("X-Twilio-Signature", "")):
            return Response("forbidden", status=403)
        posts.append((request.path, request.form.to_dict()))
        return None

    @app.post("/twilio/sms")
    def sms():
        reply = MessagingResponse()
        reply.message(f"You said: {request.form['Body']} <ok> & thanks")
        reply.message("Second message")
        return xml(reply)

    @app.post("/twilio/voice")
    def voice():
        response = VoiceResponse()
        response.say("Welcome to Here2Help. If it is an emergency, ring 9 9 9.")
        gather = Gather(input="dtmf speech", action="voice/menu", num_digits=1)
        gather.say("Press 1 for food, or say what you need.")
        response.append(gather)
        response.say("We did not hear anything.")
        response.redirect("/twilio/voice/again")
        return xml(response)

    @app.post("/twilio/voice/again")
    def again():
        response = VoiceResponse()
        gather = Gather(input="dtmf", action="/twilio/voice/menu")
        gather.say("Press 1 for food.")
        response.append(gather)
        response.say("Goodbye.")
        response.hangup()
        return xml(response)

    @app.post("/twilio/voice/menu")
    def menu():
        response = VoiceResponse()
        choice = request.form.get("Digits") or request.form.get("SpeechResult", "")
        response.say(f"You chose {choice}.")
        if choice == "0":
            dial = response.dial(action="/twilio/voice/after-dial")
            dial.number("+441632960111")
            return xml(response)
        response.say("Leave a message.")
        response.record(action="/twilio/voice/recorded", max_length=60)
        return xml(response)

    @app.post("/twilio/voice/after-dial")
    def after_dial():
        response = VoiceResponse()
        response.say(f"Dial status {request.form['DialCallStatus']}.")
        response.hangup()
        return xml(response)

    @app.post("/twilio/voice/recorded")
    def recorded():
        response = VoiceResponse()
        response.say("Thank you for your message.")
        response.hangup()
        return xml(response)

    @app.post("/twilio/status")
    def status():
        return Response(status=204)

    @app.post("/twilio/broken")
    def broken():
        return Response("oops", status=500)

    return app
