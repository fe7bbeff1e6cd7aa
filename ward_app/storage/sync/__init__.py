"""Keeping several workstations of one ward in step through a PostgreSQL ward server
(docs/ward-server.md). Local-first: each workstation reads and writes its own SQLite file exactly
as before; ``tables`` says what is synced and how, ``local`` reads this workstation's waiting rows
and applies the others', ``server`` is the PostgreSQL side, ``engine`` runs push and pull.

psycopg is imported only by ``server`` (and so ``engine``): opening a ward never loads it.
"""
