"""A terminal stand-in for Twilio: `here2help simulate sms | call` (not part of the server).

It talks to a RUNNING service over HTTP exactly as Twilio would: form-encoded POSTs with
realistic parameters, signed with X-Twilio-Signature (the same Auth Token the service checks,
the development one under instance/ when TWILIO_AUTH_TOKEN is unset), and for a call it follows
the TwiML the service returns: <Say>, <Gather>, <Redirect>, <Dial>, <Record>, <Hangup>.
"""
