"""E-mail: outbound messages (an SMTP relay, or the outbox on the embedded default)."""
