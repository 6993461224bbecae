#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    from lms.dotenv import dot_env_load

    # `.env` only when DJANGO_READ_DOT_ENV=1; the settings module it names applies.
    dot_env_load()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
