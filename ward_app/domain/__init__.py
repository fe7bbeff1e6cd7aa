"""Plain values and clinical rules: no SQL, no Qt, no I/O, and the time is always an argument."""
