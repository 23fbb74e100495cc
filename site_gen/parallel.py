"""Sharing the heavy, independent work of a whole build out over processes.

A whole build links every meeting's minutes and renders every page; each of those is
independent of the others, and together they are most of the build. `shared_map` does
a share of them in this process and hands the rest to worker processes, which get what
they work on once, when they start. The results are the same as doing them all here, in
the same order (`tests/test_fast_paths.py` compares).
"""

from __future__ import annotations

import collections
import copyreg
import gc
import io
import itertools
import os
import pickle
import select
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import multiprocessing.connection
    import multiprocessing.context
    import multiprocessing.process

T = TypeVar("T")
R = TypeVar("R")
Reducers = dict[type, Callable[[Any], tuple]]


def can_fork() -> bool:
    """Whether worker processes can be forked safely: on Linux, with no other thread running.
    A forked worker shares what this process has built; forking while other threads run (serve)
    can deadlock, and macOS refuses to fork safely."""
    return sys.platform == "linux" and threading.active_count() == 1


def start_method() -> multiprocessing.context.BaseContext:
    """'fork' where it is safe, else 'spawn'. A spawned worker imports the program's main module
    again, which hangs a program that builds outside an `if __name__ == "__main__":`.

    multiprocessing is imported here, not with this module: loading, which forks its workers
    itself (`ForkedWorker`), comes before anything that needs it, and importing it takes 15 ms
    (`SHARED_MAP_MODULES`)."""
    import multiprocessing

    return multiprocessing.get_context("fork" if can_fork() else "spawn")


SHARED_MAP_MODULES = ("multiprocessing.connection", "multiprocessing.sharedctypes")
"""What `shared_map` imports when it first runs (its pipes, and the counter its processes share):
a one-shot build imports them while its loading workers read (`oneshot._meanwhile`)."""


def shared_map(work: Callable[[Any, T], R], state: Any, items: Sequence[T], jobs: int, chunk: int) -> Iterator[R]:
    """`work(state, item)` for every item, in order, by this process and `jobs` - 1 workers.

    Each process takes the next `chunk` items that nobody has taken (a counter they share)
    whenever it is done with its last: whichever is faster does more, and at the end nobody
    waits for the others longer than one chunk takes. A worker sends the results of each
    chunk back as soon as it has them; this process reads them between chunks of its own, so
    no thread of its competes with it for the interpreter (a process pool's did: this
    process linked minutes 8 % slower beside it, and could not take back the last chunks
    the pool had queued). `work` must be a module-level function; `state` and `items` must
    pickle unless workers fork.
    """
    chunks = -(-len(items) // chunk)
    if jobs < 2 or chunks < 2:
        yield from (work(state, item) for item in items)
        return
    context = start_method()
    counter = context.Value("q", 0)
    # The garbage collector writes into every object it examines, which would make a forked
    # worker copy every page of memory it shares with this process: leave them out of its scans.
    gc.freeze()
    processes: list[multiprocessing.process.BaseProcess] = []
    pipes: list[multiprocessing.connection.Connection] = []
    """The results' pipe of each worker still at work."""
    finished = False
    try:
        for _ in range(min(jobs, chunks) - 1):
            results, their_results = context.Pipe(duplex=False)
            # A worker's results wait in the pipe while this process does a chunk of its own.
            _widen(results)
            process = context.Process(target=_take_chunks, args=(work, state, items, chunk, counter, their_results),
                                      daemon=True)
            process.start()
            their_results.close()
            processes.append(process)
            pipes.append(results)
        done: dict[int, list[R]] = {}
        """Results of chunks done, by chunk number, until their turn to be given."""
        given = 0
        while (number := _take(counter)) < chunks:
            done[number] = _chunk_done(work, state, items, chunk, number)
            _receive(pipes, done, wait=False)
            while given in done:
                yield from done.pop(given)
                given += 1
        while given < chunks:
            if given not in done:
                _receive(pipes, done, wait=True)
                continue
            yield from done.pop(given)
            given += 1
        finished = True
    finally:
        for process in processes:
            if not finished:  # still at work nobody waits for (this process failed or stopped asking)
                process.kill()
            process.join()
            process.close()
        for pipe in pipes:
            pipe.close()
        gc.unfreeze()


def batches(items: Sequence[T], batch: int, processes: int) -> list[list[T]]:
    """`items` in batches of `batch` for `shared_map` over `processes`, the last ones shorter
    (`_share`): at the end, a process that has run out of batches waits for the others only as
    long as a short batch takes."""
    made, start = [], 0
    while start < len(items):
        size = batch if processes < 2 else _share(len(items) - start, batch, processes - 1)
        made.append(list(items[start : start + size]))
        start += size
    return made


def _chunk_done(work: Callable[[Any, T], R], state: Any, items: Sequence[T], chunk: int, number: int) -> list[R]:
    """The results of chunk `number`, wherever it is done."""
    return [work(state, item) for item in items[number * chunk : (number + 1) * chunk]]


def _take(counter: Any) -> int:
    """The number of the next chunk nobody has taken."""
    with counter.get_lock():
        number = counter.value
        counter.value = number + 1
    return number


_DONE = -1
"""The chunk number a worker sends when no chunk is left for it."""


def _take_chunks(work: Callable[[Any, Any], Any], state: Any, items: Sequence[Any], chunk: int, counter: Any,
                 results: multiprocessing.connection.Connection) -> None:
    """A worker of `shared_map`: chunks taken and done until none is left, each one's
    results sent as (chunk number, whether it failed, the results or the exception)."""
    while (number := _take(counter)) * chunk < len(items):
        try:
            message = (number, False, _chunk_done(work, state, items, chunk, number))
        except BaseException as exc:  # sent to this process's parent, which raises it
            message = (number, True, exc)
        try:
            results.send(message)
        except Exception as exc:  # what it returned or raised does not pickle: say what it was
            shown = repr(message[2]) if message[1] else "its results"
            results.send((number, True, RuntimeError(f"a worker could not send {shown}: {exc}")))
        if message[1]:
            return
    results.send((_DONE, False, None))


def _receive(pipes: list[multiprocessing.connection.Connection], done: dict[int, list[Any]], wait: bool) -> None:
    """Every result the workers have sent through `pipes`, into `done` (waiting for one if
    `wait`); a worker's failure is raised here. A worker's pipe leaves `pipes` when it is done."""
    if wait and not pipes:
        raise RuntimeError("no worker is left to send the results of a chunk")
    import multiprocessing.connection  # imported by `start_method` by now

    ready = multiprocessing.connection.wait(pipes) if wait else [pipe for pipe in pipes if pipe.poll()]
    for pipe in ready:
        while True:
            try:
                number, failed, value = pipe.recv()
            except EOFError:  # the worker ended without saying it was done: it was killed
                raise RuntimeError("a worker of the build ended before its work was done") from None
            if failed:
                raise value
            if number == _DONE:
                pipes.remove(pipe)
                pipe.close()
                break
            done[number] = value
            if not pipe.poll():
                break


PIPE_BYTES = 1 << 20
"""Linux's largest pipe an unprivileged process may ask for (/proc/sys/fs/pipe-max-size)."""


DEFAULT_PIPE_BYTES = 1 << 16
"""What a pipe holds where it cannot be asked (Linux's default)."""


def _widen(pipe: multiprocessing.connection.Connection | _Pipe) -> int:
    """Make the pipe under `pipe` hold PIPE_BYTES, where the platform lets it (Linux); what it holds."""
    try:
        import fcntl  # not on Windows
    except ImportError:
        return DEFAULT_PIPE_BYTES
    if not hasattr(fcntl, "F_SETPIPE_SZ"):  # F_SETPIPE_SZ: Linux alone
        return DEFAULT_PIPE_BYTES
    try:
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:  # a lower limit set by the administrator: the default pipe still works
        pass
    return fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ)


_HEADER = 8
"""Bytes `_Pipe.send_bytes` writes before a message: its length."""

_LENGTH = struct.Struct("!Q")

_JOINED = 16 * 1024
"""Messages up to this size are written in one go with their length; longer ones after it."""


class _Pipe:
    """One end of an operating system pipe that carries whole messages, each its length and
    then its bytes: what `multiprocessing.Pipe` gives, without importing multiprocessing (15 ms,
    on one core, before a build's loading workers can start)."""

    def __init__(self, descriptor: int) -> None:
        self._descriptor = descriptor

    def fileno(self) -> int:
        return self._descriptor

    def send_bytes(self, data: bytes | memoryview) -> None:
        header = _LENGTH.pack(len(data))
        if len(data) <= _JOINED:
            _write_all(self._descriptor, header + bytes(data))
        else:
            _write_all(self._descriptor, header)
            _write_all(self._descriptor, data)

    def send(self, value: Any) -> None:
        self.send_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def recv(self) -> Any:
        """The next message's value; EOFError when the other end is closed before it."""
        (size,) = _LENGTH.unpack(_read_exactly(self._descriptor, _HEADER))
        return pickle.loads(_read_exactly(self._descriptor, size))

    def poll(self) -> bool:
        """Whether a message (or the end of the pipe) can be read without waiting."""
        return bool(select.select([self._descriptor], [], [], 0)[0])

    def close(self) -> None:
        if self._descriptor >= 0:
            os.close(self._descriptor)
            self._descriptor = -1

    def __del__(self) -> None:  # as multiprocessing's connections do: no descriptor left open
        self.close()


def _pipe() -> tuple[_Pipe, _Pipe]:
    """A pipe's (reading end, writing end)."""
    reading, writing = os.pipe()
    return _Pipe(reading), _Pipe(writing)


def _write_all(descriptor: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def _read_exactly(descriptor: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(descriptor, left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class ForkedWorker:
    """A worker process forked at the start of a build, while this process is still small.

    A process forked later, when this one holds the whole site, would count all of it once
    more in the memory of the build's processes. This one gets what it works on with each
    call (`call`), and answers each, in order. It is forked, never spawned: a
    spawned process would import the program's main module again (see `start_method`), so
    `start_workers` makes none where forking is unsafe.
    """

    def __init__(self) -> None:
        # A pipe each way, both widened: a batch of large views sent ahead (`shared_stream`) is
        # taken at once instead of making this process wait for the worker, and a large answer
        # (the records of 64 files read: 300 KB) instead of making the worker wait for this process.
        their_calls, self._calls = _pipe()
        self._answers, their_answers = _pipe()
        self.room = _widen(self._calls)
        """Bytes the calls' pipe holds (`fits`)."""
        _widen(self._answers)
        self._pid = os.fork()
        if self._pid == 0:  # the worker: it never returns from here
            _work_until_told(their_calls, their_answers, (self._calls, self._answers))
        their_calls.close()
        their_answers.close()
        self._sizes: collections.deque[int] = collections.deque()
        """The size of each call sent and not yet answered, oldest first."""

    @property
    def pending(self) -> int:
        """Calls sent and not yet answered."""
        return len(self._sizes)

    @property
    def busy(self) -> bool:
        return self.pending > 0

    def call(self, work: Callable[..., Any], *args: Any) -> None:
        """Start `work(*args)` (a module-level function) in the worker, after the calls before it;
        `result()` gives what it returns."""
        self.send(self.message(work, *args))

    @staticmethod
    def message(work: Callable[..., Any], *args: Any, reducers: Reducers | None = None) -> memoryview:
        """The call `work(*args)` as it is sent (`send`), pickled with `reducers` (type → reduce
        function, as in `copyreg`) for objects of their types."""
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        if reducers:
            pickler.dispatch_table = {**copyreg.dispatch_table, **reducers}
        pickler.dump((work, args))
        return buffer.getbuffer()

    def fits(self, message: memoryview) -> bool:
        """Whether `message` can be sent now without waiting for the worker to read the calls
        before it: they and it fit in the pipe (which holds less than that, since the worker has
        read the call it works on)."""
        return sum(self._sizes) + _HEADER * len(self._sizes) + len(message) + _HEADER <= self.room

    def send(self, message: memoryview) -> None:
        """Start a call made by `message`."""
        self._calls.send_bytes(message)
        self._sizes.append(len(message))

    def done(self) -> bool:
        """Whether the oldest call's answer has come."""
        return self.busy and self._answers.poll()

    def result(self) -> Any:
        """What the oldest call returned (waiting for it); what it raised is raised here."""
        failed, value = self._answers.recv()
        self._sizes.popleft()
        if failed:
            raise value
        return value

    def close(self) -> None:
        """End the worker: told to, when it has no call left; killed, when it is still at work
        that nobody waits for."""
        if self._pid < 0:
            return
        busy = self.busy
        if not busy:
            self._calls.send(None)
        self._calls.close()
        self._answers.close()
        if busy:
            os.kill(self._pid, signal.SIGKILL)
        os.waitpid(self._pid, 0)
        self._pid = -1


def start_workers(count: int) -> list[ForkedWorker]:
    """`count` workers, or none where they cannot be forked safely."""
    return [ForkedWorker() for _ in range(count)] if count > 0 and can_fork() else []


def _work_until_told(calls: _Pipe, answers: _Pipe, callers_ends: tuple[_Pipe, ...]) -> None:
    """A forked worker's whole life: it answers calls until told to end, or until the build's
    process is gone, and then ends at once (it must never return into the code that forked it)."""
    code = 1
    try:
        _answer_calls(calls, answers, callers_ends)
        code = 0
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _answer_calls(calls: _Pipe, answers: _Pipe, callers_ends: tuple[_Pipe, ...]) -> None:
    for end in callers_ends:  # else this process would hold its input open: no end of input when the build's ends
        end.close()
    while True:
        try:
            call = calls.recv()
        except EOFError:  # the build's process is gone
            return
        if call is None:
            return
        work, args = call
        try:
            answer = (False, work(*args))
        except BaseException as exc:  # sent to the caller, which raises it
            answer = (True, exc)
        try:
            answers.send(answer)
        except Exception as exc:  # what it returned or raised does not pickle: say what it was
            failed, value = answer
            shown = repr(value) if failed else f"a {type(value).__name__}"  # not all of a large result
            answers.send((True, RuntimeError(f"a worker could not send {shown}: {exc}")))


def shared_stream(work: Callable[[list[T]], list[R]], items: Iterable[T], workers: Sequence[ForkedWorker],
                  batch: int, meanwhile: Iterable[Iterable[R]] = (), small_results: bool = False,
                  reducers: Reducers | None = None, total: int | None = None) -> Iterator[R]:
    """`work([item])` for every item, by this process or by a worker: a worker gets `batch`
    items at a time, and this process does an item itself only when every worker is busy and
    has its next batch. The results come in no particular order. Items are made as they are
    needed, so that a stream of items (pages) is never all in memory at once.

    Making the items (a page's view) falls to this process alone, often with other work of its
    own, so a busy worker's next batch is made in advance and sent while it works: up to eight
    batches ahead when results are `small_results` (so that the worker seldom waits for this
    process), one otherwise (a large result, such as the records of files read, is sent back
    and unpickled here while the worker goes on with its next batch). A batch is sent only when
    it fits in the pipe with the batches before it (`ForkedWorker.fits`): this process never
    waits for a worker to read, so it always reads the workers' results (both sides of a pipe
    blocked on sending, a large batch one way and a large result the other, would wait for each
    other forever), and it does a step of its own instead (large views filled the pipe: a
    quarter of a second of waiting at N=10,000).

    A batch sent cannot be taken back: at the end, this process waits for the batches a worker
    holds. With `total`, the number of items, a batch is never more than a share of the items
    nobody has taken (`_share`), so that the last batches are short.

    `meanwhile` is other work that only this process can do, in short steps, each giving
    results of its own: a step is done wherever this process would otherwise do an item, so
    that the workers work while it is done rather than wait for it at the end. `reducers`
    pickle the batches (`ForkedWorker.message`).
    """
    items, steps = iter(items), iter(meanwhile)
    calls = 8 if small_results else 2
    """Calls a worker may have at once: the one it works on and those after it, which keep it
    busy while this process does a long step of its own (site.json's last step takes 80 ms at
    N=10,000), as far as they fit in the pipe."""
    ready: dict[ForkedWorker, tuple[list[T], memoryview]] = {}
    """A busy worker's next batch and its call, when it cannot be sent yet."""
    taken = 0
    """Items taken so far, by anybody."""

    def next_batch() -> list[T]:
        nonlocal taken
        chunk = list(itertools.islice(items, batch if total is None else _share(total - taken, batch, len(workers))))
        taken += len(chunk)
        return chunk

    try:
        while True:
            for worker in workers:
                results = worker.result() if worker.done() else []
                while worker.pending < calls:
                    if worker in ready:
                        chunk, message = ready.pop(worker)
                    elif chunk := next_batch():
                        message = worker.message(work, chunk, reducers=reducers)
                    else:
                        break
                    if worker.busy and not worker.fits(message):  # sending would wait for the worker
                        ready[worker] = (chunk, message)
                        break
                    worker.send(message)
                yield from results
            step = next(steps, _END) if workers else _END
            if step is not _END:
                yield from step  # type: ignore[misc]
                continue
            item = next(items, _END)
            if item is _END:
                break
            taken += 1
            yield from work([item])
        for chunk, _ in ready.values():  # the last batches: done here sooner than after the workers' own
            yield from work(chunk)
        for step in steps:  # without workers, the steps come after the items
            yield from step
        for worker in workers:
            while worker.busy:
                yield from worker.result()
    finally:
        for worker in workers:  # after a failure here: let a worker's calls end before it is asked again
            while worker.busy:
                try:
                    worker.result()
                except BaseException:
                    pass


_FEWEST = 8
"""The fewest items in a batch `_share` makes (unless the batch asked for is smaller)."""


def _share(left: int, batch: int, workers: int) -> int:
    """A worker's next batch when `left` items are still to be taken: `batch`, or fewer when
    they run out: half a process's share of them, since a worker holds its next batch besides
    the one it works on. Nobody then waits at the end for more than a small share of the items.
    Never fewer than `_FEWEST` (unless `batch` is): each batch has costs of its own (with
    batches down to one file, the load stage took 2.0 ms longer than before at N=100; with
    eight at least, 0.6 ms, and at N=1,000 as little time as with one)."""
    return min(batch, max(_FEWEST, left // (2 * (workers + 1))))


_END = object()
