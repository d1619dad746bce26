"""Staff accounts: signing in with two factors, enrolment invitations, session rules."""
