"""Files written for rows, safely: a write that fails (a full disk) leaves no partial file, and
a file whose row's transaction never commits (the database gone mid-request, a full disk on the
next photo) is deleted when the request or task ends."""

from __future__ import annotations

import contextlib
import logging
import os
import threading

from django.core.files import storage
from django.core.signals import request_finished
from django.db import transaction
from django_tasks_db.compat import task_finished

log = logging.getLogger(__name__)


class FileSystemStorage(storage.FileSystemStorage):
    """Django's local-disk storage (settings.STORAGES) that leaves no partial file behind when
    a write fails (a full disk): the file it was writing is removed before the error goes up."""

    def _save(self, name, content):
        # `save()` has settled the name (get_available_name): a failed write left its partial
        # file there. (Only if another writer took the name meanwhile would Django have
        # written under a further one, and that partial file stays.)
        try:
            return super()._save(name, content)
        except OSError:
            with contextlib.suppress(OSError):
                path = self.path(name)
                if os.path.getsize(path) < (content.size or 0):
                    os.remove(path)
            raise


# ---------------------------------------------------------------------------- rolled back

_pending = threading.local()


def delete_unless_committed(stored_file) -> None:
    """Delete the file just stored for a row if the transaction writing the row does not commit
    (a full disk, the database gone mid-request): at the end of the request or task, whatever
    was rolled back goes. Outside a transaction the row is written at once: nothing to do."""
    if not transaction.get_connection().in_atomic_block:
        return
    # A list, not a dict keyed by the storage: a lazy default storage hashes as whatever it
    # wraps at the moment, which a settings change replaces.
    pending = _pending.__dict__.setdefault("files", [])
    entry = [stored_file.storage, stored_file.name, None]

    def committed():
        pending[:] = [other for other in pending if other is not entry]

    entry[2] = committed
    pending.append(entry)
    transaction.on_commit(committed)


def discard_uncommitted_files(**kwargs) -> None:
    """request_finished / task_finished: delete the files whose rows were rolled back. A
    rollback drops the on-commit callbacks of its transaction; a file whose callback still
    waits belongs to a transaction that is still open (a test's) and stays."""
    pending = getattr(_pending, "files", None)
    if not pending:
        return
    waiting = {callback for _sids, callback, *_rest in transaction.get_connection().run_on_commit}
    keep = []
    for entry in pending:
        file_storage, name, callback = entry
        if callback in waiting:
            keep.append(entry)
            continue
        try:
            file_storage.delete(name)
        except Exception:
            log.warning("could not delete the uncommitted file %s", name, exc_info=True)
    pending[:] = keep


request_finished.connect(discard_uncommitted_files, dispatch_uid="otklik.lib.file_writes")
task_finished.connect(discard_uncommitted_files, dispatch_uid="otklik.lib.file_writes")
