"""Staff accounts, passwords, sign-in and API tokens."""
