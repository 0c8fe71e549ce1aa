"""Background actions on Celery: the queue the engine launches into and the worker that runs them."""
