"""qbot's built-in handlers. They register through the `qbot.plugins` entry points in setup.cfg,
exactly as a third-party package would (installed as `qbot_plugins`)."""
