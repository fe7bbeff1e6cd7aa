"""The frozen app's entry point (PyInstaller): the same as the ``ward-app`` console script."""

from ward_app.cli import main

if __name__ == "__main__":
    main()
