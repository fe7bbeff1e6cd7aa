"""Use-cases: each opens one transaction, attributes it to a user, audits it and says what changed."""
