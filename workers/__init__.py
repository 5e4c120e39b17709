"""rq jobs: matching, offers, outbound SMS, sweeping. Each takes ids and is idempotent."""
