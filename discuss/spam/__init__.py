"""Spam defence: the plugin interface, the registry of checks, and the publishing policy."""
