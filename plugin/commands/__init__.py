"""Command-line subcommands of ``helpdesk-goals``, one module each."""
