"""The render farm: each stage of a job is a Celery task on a RabbitMQ broker.

Optional (``pip install nexus-desktop[farm]``): with no ``farm.broker_url`` set,
or Celery not installed, every stage runs on this computer as before.

The store stays the source of truth. A task names a job and a stage; the worker
claims that stage in the store (``JobRepo.claim``, the exactly-once guard: a
row lock and a lease) before running it, and records the result there. A task
that arrives for a stage already done, a job deleted meanwhile or a job another
worker holds is dropped or put off, never run twice. What the queue loses (a
broker restarted without its messages) is sent again by the workers' sweep,
which reads the store.

    config.py    settings → broker URL (password from the keyring), queues, limits; no Celery
    app.py       the Celery application and its delivery guarantees
    tasks.py     the stage task, run in a worker
    dispatch.py  sending stages, the sweep, checking the broker
    remote.py    the window's runner with a farm: send a stage, follow it in the store
    produce.py   ``nexus daemon`` with a farm: send queued jobs, report those that come out
    cancel.py    cancelling a job: the store first, then its task on the workers
    serve.py     ``nexus worker``: a Celery worker for the workspace
    status.py    ``nexus workers`` and the Workers panel: Celery's inspection API
"""
