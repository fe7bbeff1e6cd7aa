"""The Qt window (PySide6 is imported here and nowhere else)."""
