"""After help: the follow-up SMS asking whether help arrived, and repeat requests."""
