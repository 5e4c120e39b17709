"""Price jobs: ask Twilio what a message or call finally cost (app.services.delivery.pricing).

`fetch_message_price(id)` / `fetch_call_price(id)`: one check; while Twilio still says null the
job re-enqueues itself with a doubling delay (the row records the next due time, so the sweeper
re-enqueues a check whose job was lost). Never runs with the `record` SMS backend.
"""

from __future__ import annotations

from app.adapters.rq_queue import job_queue_for
from app.adapters.twilio.prices import TwilioPriceSource
from app.models.base import utcnow
from app.runtime import Runtime
from app.services.delivery import pricing
from workers.bootstrap import get_runtime, job_logger

log = job_logger(__name__)


def fetch_message_price(message_id: int) -> str:
    return _check(get_runtime(), pricing.MESSAGE, message_id)


def fetch_call_price(call_id: int) -> str:
    return _check(get_runtime(), pricing.CALL, call_id)


def _check(runtime: Runtime, kind: str, row_id: int) -> str:
    policy = pricing.policy_for(runtime.settings)
    if policy is None:
        return "nothing"  # no Twilio to ask
    settings = runtime.settings
    source = TwilioPriceSource(account_sid=settings.twilio_account_sid,
                               auth_token=settings.twilio_auth_token,
                               api_base_url=settings.twilio_api_base_url)
    result = pricing.check_price(runtime.write_session_factory, source, kind, row_id,
                                 utcnow(), policy)
    if result.next_check is not None:
        pricing.enqueue_price_checks(job_queue_for(runtime), [result.next_check])
    log.info("%s %d price: %s", kind, row_id, result.outcome)
    return result.outcome

