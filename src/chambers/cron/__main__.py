"""``python -m chambers.cron -type cron_daily``, as docassemble's ``docassemble.webapp.cron``."""
from .command import main

raise SystemExit(main())
