"""The built-in checks; each is registered as an entry point like any third-party check."""
