"""PDF reports with reportlab: pure functions from a plain data snapshot to PDF bytes (no Qt, no DB)."""
