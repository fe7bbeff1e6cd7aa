"""Real-process reliability tests: SIGKILL mid-write, two workstations on one database file."""
