"""One function per claim kind, each returning a Measurement."""
