"""The background jobs, in one place: queue names, their limits, and which job runs where.

The web app and the services enqueue jobs by dotted path (through the `JobQueue` port), and
the `workers` package holds the functions those paths name. Keeping the names here, in `app`,
means the app never has to import the workers to know what to enqueue, and a worker that is
renamed is caught by one test (every route below must resolve to a callable).

Every enqueue goes through `app.adapters.rq_queue.RqJobQueue`, which looks the limits up here,
so a job can never be enqueued without an explicit timeout or with rq's one-year failure TTL.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class QueueName(StrEnum):
    """Queue names. A worker serves them in this order (first = highest priority)."""

    MESSAGES = "messages"  # outbound SMS: a resident or volunteer is waiting for it
    MATCHING = "matching"  # finding and offering volunteers
    DEFAULT = "default"
    MAINTENANCE = "maintenance"  # sweeper, reminders, retention: may wait behind the rest


@dataclass(frozen=True)
class QueueLimits:
    job_timeout: int  # seconds a job may run before rq kills it
    result_ttl: int  # seconds a finished job (ids only) is kept, for debugging
    failure_ttl: int  # seconds a failed job is kept in the FailedJobRegistry


_HOUR = 3600
_DAY = 24 * _HOUR

LIMITS: dict[QueueName, QueueLimits] = {
    # A send is one HTTPS call to Twilio (its client times out well before this).
    QueueName.MESSAGES: QueueLimits(job_timeout=60, result_ttl=_HOUR, failure_ttl=7 * _DAY),
    QueueName.MATCHING: QueueLimits(job_timeout=120, result_ttl=_HOUR, failure_ttl=7 * _DAY),
    QueueName.DEFAULT: QueueLimits(job_timeout=120, result_ttl=_HOUR, failure_ttl=7 * _DAY),
    QueueName.MAINTENANCE: QueueLimits(job_timeout=600, result_ttl=_HOUR, failure_ttl=7 * _DAY),
}

#: The order a worker listens in.
ALL_QUEUES: tuple[QueueName, ...] = tuple(QueueName)


def limits_for(queue: str | QueueName) -> QueueLimits:
    """The limits of a queue; ValueError for a name that is not one of ours."""
    return LIMITS[QueueName(queue)]


@dataclass(frozen=True)
class JobRoute:
    """A job: the dotted path of the worker function that runs it, and the queue it goes on."""

    func: str
    queue: QueueName


#: Find volunteers for a case and offer it to the next one (or signpost, or escalate).
MATCH_CASE = JobRoute("workers.matching.match_case", QueueName.MATCHING)
#: Periodic: expire every open offer whose time is up and move each case on.
EXPIRE_DUE_OFFERS = JobRoute("workers.matching.expire_due_offers", QueueName.MATCHING)
#: One offer's timer, as earlier versions armed it (timers still in Redis after an upgrade).
EXPIRE_OFFER = JobRoute("workers.matching.expire_offer", QueueName.MATCHING)
#: Send one outbox row to the SMS provider, exactly once.
SEND_MESSAGE = JobRoute("workers.messaging.send_message", QueueName.MESSAGES)
#: Ask the provider what became of a send whose outcome was not known ("maybe sent").
RECONCILE_MESSAGE = JobRoute("workers.messaging.reconcile_message", QueueName.MESSAGES)
#: Re-enqueue work whose job was lost (Redis down, a worker killed): the database decides.
SWEEP = JobRoute("workers.maintenance.sweep", QueueName.MAINTENANCE)
#: Tell on-duty coordinators about volunteers whose DBS check expires soon.
DBS_EXPIRY_REMINDERS = JobRoute("workers.maintenance.dbs_expiry_reminders",
                                QueueName.MAINTENANCE)
#: Check in with volunteers whose assignment has no DONE; hand still-silent ones to staff.
ASSIGNMENT_CHECKINS = JobRoute("workers.maintenance.assignment_checkins", QueueName.MAINTENANCE)
#: Anonymise or delete personal data kept longer than the retention policy allows.
RETENTION = JobRoute("workers.maintenance.retention", QueueName.MAINTENANCE)

#: Ask Twilio for the final price of a message / a call (retried with back-off until priced).
FETCH_MESSAGE_PRICE = JobRoute("workers.pricing.fetch_message_price", QueueName.DEFAULT)
FETCH_CALL_PRICE = JobRoute("workers.pricing.fetch_call_price", QueueName.DEFAULT)
#: After help: send due follow-up SMS and open the repeats whose schedule is due.
AFTERCARE = JobRoute("workers.aftercare.run_aftercare", QueueName.MAINTENANCE)

#: Sync the Community Services Directory from its live Open Referral feeds (DIRECTORY_FEEDS).
SYNC_DIRECTORY_FEEDS = JobRoute("workers.directory.sync_directory_feeds", QueueName.MAINTENANCE)

ALL_JOBS: tuple[JobRoute, ...] = (MATCH_CASE, EXPIRE_DUE_OFFERS, EXPIRE_OFFER, SEND_MESSAGE,
                                  RECONCILE_MESSAGE, SWEEP, DBS_EXPIRY_REMINDERS,
                                  SYNC_DIRECTORY_FEEDS, RETENTION, FETCH_MESSAGE_PRICE,
                                  FETCH_CALL_PRICE, AFTERCARE, ASSIGNMENT_CHECKINS)
