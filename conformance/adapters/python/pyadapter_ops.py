"""zbuf Python adapter, the Python half: one method per impl.h operation, each calling the Zarr method it stands for.

This file is compiled into libzbuf_pyadapter.so and executed as the module ``_zbuf_pyadapter`` inside the embedded
interpreter; the C half (pyadapter_*.c) converts C arguments to Python values, calls ``Instance.dispatch`` with
the GIL held, and turns the answer back into a zbuf status, a handle or bytes.

Rule for every method here: neither add nor hide a copy. A method calls the one Zarr method the operation names
and hands Zarr's own object back; where the C caller's memory must become a Python object (host bytes in, bytes
out), the method says so. Where Zarr has no method for an operation, the nearest one is used and the comment
says which and why.
"""

import ctypes
import functools
import importlib
import json
import operator
import os
import sys
import threading
import warnings

import numpy as np

# Status codes, pinned in include/zbuf/status.h.
OK, EINVAL, ERANGE, ETYPE, EUNSUPPORTED, ENOMEM, EDEVICE, ENODEV, EINTERNAL = range(9)
# DLPack device types (dlpack.h).
KDLCPU, KDLCUDA, KDLCUDAHOST = 1, 2, 3
_DEVICE_NAMES = {KDLCPU: "kDLCPU", KDLCUDA: "kDLCUDA", KDLCUDAHOST: "kDLCUDAHost"}


def _known_device(device_type):
    """Raises TypeError for a device type the adapter does not know (CONV-ERR-003: ETYPE): Zarr-Python's
    classes live in host or CUDA memory, so only kDLCPU, kDLCUDA and kDLCUDAHost mean anything here. A known
    kind that this prototype does not make is NotImplementedError (EUNSUPPORTED), raised by the caller."""
    if device_type not in _DEVICE_NAMES:
        raise TypeError(f"device type {device_type} is not one the Python adapter knows "
                        f"(kDLCPU, kDLCUDA, kDLCUDAHost)")


# ---------------------------------------------------------------------------------------------------------------
# Errors and warnings

def classify(exc):
    """The zbuf status for a Python exception, by isinstance so that subclasses map as their bases do.

    The order matters for classes with several bases: NumPy's AxisError is both a ValueError and an IndexError,
    and the contract calls an axis out of range ERANGE, so IndexError is asked before ValueError.
    NotImplementedError is a RuntimeError, so it is asked before the catch-all. An ImportError means the
    implementation needs an optional package this machine lacks (zarr.buffer.gpu without CuPy): unsupported
    here rather than broken; a BufferError is how NumPy's __dlpack__ refuses an array DLPack cannot express
    (non-native byte order): unsupported too. CUDA runtime errors from CuPy are device errors; CuPy's OutOfMemoryError is a
    MemoryError already.
    """
    if isinstance(exc, MemoryError):
        return ENOMEM
    if isinstance(exc, NotImplementedError):
        return EUNSUPPORTED
    if isinstance(exc, IndexError):
        return ERANGE
    if isinstance(exc, TypeError):
        return ETYPE
    if isinstance(exc, ValueError):
        return EINVAL
    if isinstance(exc, (ImportError, BufferError)):
        return EUNSUPPORTED
    for klass in type(exc).__mro__:
        if klass.__module__.startswith(("cupy", "cupy_backends")) and "CUDA" in klass.__name__:
            return EDEVICE
    return EINTERNAL


def _exception_name(exc):
    klass = type(exc)
    module = klass.__module__
    return klass.__qualname__ if module == "builtins" else f"{module}.{klass.__qualname__}"


_local = threading.local()
_sink_lock = threading.Lock()
_original_showwarning = warnings.showwarning


def _showwarning(message, category, filename, lineno, file=None, line=None):
    """Records a warning raised during an operation on this thread; outside operations, Python's default."""
    recorded = getattr(_local, "warnings", None)
    if recorded is None:
        _original_showwarning(message, category, filename, lineno, file, line)
        return
    recorded.append({"category": f"{category.__module__}.{category.__qualname__}", "message": str(message),
                     "filename": filename, "lineno": lineno})


def _emit_warnings(op, recorded):
    """Hands recorded warnings to the side channel: ZBUF_PYADAPTER_WARNINGS=FILE appends one JSON object a
    line to FILE; without it each warning is one line on stderr, which the harness keeps with the test."""
    path = os.environ.get("ZBUF_PYADAPTER_WARNINGS")
    with _sink_lock:
        if path:
            with open(path, "a", encoding="utf-8") as sink:
                for w in recorded:
                    sink.write(json.dumps({"pid": os.getpid(), "op": op, **w}) + "\n")
        else:
            for w in recorded:
                sys.stderr.write(f"zbuf-pyadapter: warning in {op}: {w['category']}: {w['message']} "
                                 f"({w['filename']}:{w['lineno']})\n")
            sys.stderr.flush()


def tune_thread_switching():
    """Makes CPython switch threads every 10 us instead of every 5 ms (ZBUF_PYADAPTER_SWITCH_INTERVAL, in
    seconds, overrides). Each adapter call is a short Python call; at 5 ms a thread switch almost never falls
    inside one, so races that Zarr-Python has between threads (PROTO-THREAD-002: the default prototype read as
    two config keys) would show only by luck and the THREAD results would change from run to run. A shorter
    interval makes Python's own interleavings frequent: it changes when threads switch, never what a call does."""
    sys.setswitchinterval(float(os.environ.get("ZBUF_PYADAPTER_SWITCH_INTERVAL", "1e-5")))


def install_warning_hook():
    warnings.showwarning = _showwarning
    # Every warning is recorded, not only the first from each place, unless the user chose filters
    # (-W / PYTHONWARNINGS), which then apply as they would in Python, "error" included.
    if not sys.warnoptions:
        warnings.simplefilter("always")


def run(op, fn, args):
    """Calls fn(*args) recording warnings; returns (OK, result) or (status, message)."""
    _local.warnings = []
    try:
        answer = (OK, fn(*args))
    except BaseException as exc:  # every failure, whatever its class, must reach the C caller as a status
        answer = (classify(exc), f"{op}: {_exception_name(exc)}: {exc}")
    finally:
        recorded = _local.warnings
        _local.warnings = None
    if recorded:
        _emit_warnings(op, recorded)
        if answer[0] != OK:
            text = "; ".join(f"{w['category']}: {w['message']}" for w in recorded)
            answer = (answer[0], f"{answer[1]} [warnings: {text}]")
    return answer


# ---------------------------------------------------------------------------------------------------------------
# Host memory crossing the boundary

def _scalar(addr, dtype):
    """One element given as raw bytes at addr, as the NumPy scalar of dtype a Python caller would pass."""
    dtype = np.dtype(dtype)
    return np.frombuffer(ctypes.string_at(addr, dtype.itemsize), dtype=dtype)[0]


def _host_view(addr, shape, strides, dtype):
    """A NumPy view of C caller memory described by pointer, shape and byte strides (None: C order)."""
    dtype = np.dtype(dtype)
    if strides is None:
        strides, step = [], dtype.itemsize
        for extent in reversed(shape):
            strides.insert(0, step)
            step *= extent
    if any(extent == 0 for extent in shape):
        return np.empty(shape, dtype=dtype)
    low = sum((extent - 1) * s for extent, s in zip(shape, strides) if s < 0)
    high = sum((extent - 1) * s for extent, s in zip(shape, strides) if s > 0) + dtype.itemsize
    if high - low > sys.maxsize or addr + low < 0:
        # What NumPy says of an array no address space can hold; no Python caller could have such a view.
        raise ValueError(f"array is too big: shape {tuple(shape)} of {dtype} spans {high - low} bytes")
    raw = (ctypes.c_char * (high - low)).from_address(addr + low)
    return np.ndarray(shape, dtype=dtype, buffer=memoryview(raw).cast("B"), offset=-low, strides=strides)


def _address(array):
    """(address, device type, device id) of an array-like's first element, read from its interface: no copy."""
    cai = getattr(array, "__cuda_array_interface__", None)
    if cai is not None:
        device = getattr(array, "device", None)
        return cai["data"][0], KDLCUDA, int(getattr(device, "id", 0))
    return array.__array_interface__["data"][0], KDLCPU, 0


def _device_of(array):
    return _address(array)[1:]


class _CudaMemory:
    """Device memory of the C caller, shown to CuPy through __cuda_array_interface__; `owner` (the C object
    whose finaliser calls the caller's release function) lives as long as the CuPy array does."""

    def __init__(self, addr, size, owner):
        self.owner = owner
        self.__cuda_array_interface__ = {"shape": (size,), "typestr": "|u1", "data": (addr, False),
                                         "version": 3, "strides": None}


class _DLPackExporter:
    """Hands one DLPack capsule made by the C half (a versioned "dltensor_versioned" one, whose flags say the
    memory is writable) to numpy.from_dlpack / cupy.from_dlpack, which ask for DLPack 1.0 (max_version)."""

    def __init__(self, capsule, device):
        self.capsule, self.device = capsule, device

    def __dlpack__(self, stream=None, **_):
        return self.capsule

    def __dlpack_device__(self):
        return self.device


# ---------------------------------------------------------------------------------------------------------------
# Loading a prototype

def _resolve(spec):
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"config {spec!r} must be MODULE:ATTRIBUTE, e.g. zarr.buffer.cpu:buffer_prototype")
    try:
        obj = importlib.import_module(module_name)
    except ImportError as exc:
        package = module_name.partition(".")[0]
        try:
            top = importlib.import_module(package)
        except ImportError:
            # EMBEDDED: set by the C half, 0 when the adapter runs in the user's own interpreter.
            hint = ("set ZBUF_PYTHON to a venv made by scripts/setup-zarr" if globals().get("EMBEDDED", 1)
                    else "install it into this environment, or run zbuf-conform (or pytest) with the Python "
                         "that has it")
            raise ValueError(f"cannot import {module_name!r} with {sys.executable} (prefix {sys.prefix}): "
                             f"{_exception_name(exc)}: {exc}; {hint}") from exc
        # The package is there but this release has no such module (zarr.buffer before 3.1): a result about
        # the release, the API migration itself, not a broken environment.
        raise NotImplementedError(f"module {module_name} not importable in {package} "
                                  f"{getattr(top, '__version__', '(unknown version)')}: "
                                  f"{_exception_name(exc)}: {exc}") from exc
    for part in attr.split("."):
        obj = getattr(obj, part)
    # default_buffer_prototype is a function returning the prototype; a prototype is a (buffer, nd_buffer) pair.
    if not (hasattr(obj, "buffer") and hasattr(obj, "nd_buffer")) and callable(obj):
        obj = obj()
    if not (hasattr(obj, "buffer") and hasattr(obj, "nd_buffer")):
        raise TypeError(f"{spec} is a {type(obj).__name__}, not a BufferPrototype (buffer=..., nd_buffer=...)")
    return obj


def _qualified(klass):
    return f"{klass.__module__}.{klass.__qualname__}"


def _versions():
    zarr = sys.modules.get("zarr")
    return getattr(zarr, "__version__", "unknown") if zarr else "not imported"


def _probe(proto):
    """Where the prototype's buffers live, found by making a zero-length Buffer and NDBuffer and reading their
    arrays' interfaces. This is also where a GPU prototype without CuPy or a GPU fails (ImportError, CUDA)."""
    buffer_device = _device_of(proto.buffer.create_zero_length().as_array_like())
    nd_device = _device_of(proto.nd_buffer.create(shape=(0,), dtype=np.dtype("u1")).as_ndarray_like())
    return buffer_device, nd_device


def _guess_device(proto, exc):
    """Where an unusable prototype would put its buffers: CUDA when its classes or the failure speak of a GPU
    (zarr.buffer.gpu without CuPy raises ImportError "... without cupy"), else host memory."""
    text = f"{proto.buffer.__module__} {proto.nd_buffer.__module__} {exc}".lower()
    gpu = classify(exc) == EDEVICE or any(word in text for word in ("gpu", "cupy", "cuda"))
    return (KDLCUDA, 0) if gpu else (KDLCPU, 0)


# The Zarr methods each ABI operation calls, as (class, method): "buffer" is the prototype's Buffer class,
# "nd" its NDBuffer class. An operation is absent when one of them is; a tuple of alternatives is absent when
# all are (combine: Buffer.combine, or `+` before it existed).
_OPERATION_NEEDS = {
    "buffer_create_zero_length": [("buffer", "create_zero_length")],
    "buffer_from_bytes": [("buffer", "from_bytes")],
    "buffer_wrap": [("buffer", "from_array_like")],
    "buffer_from_buffer": [("buffer", "from_buffer")],
    "buffer_info": [("buffer", "as_array_like")],
    "buffer_to_bytes": [("buffer", "to_bytes")],
    "buffer_to_host": [("buffer", "as_numpy_array")],
    "buffer_slice": [("buffer", "__getitem__")],
    "buffer_set_slice": [("buffer", "__setitem__"), ("buffer", "as_array_like")],
    "buffer_combine": [("buffer", ("combine", "__add__"))],
    "ndbuffer_create": [("nd", "create")],
    "ndbuffer_empty": [("nd", "empty")],
    "ndbuffer_from_host": [("nd", "from_numpy_array")],
    "ndbuffer_info": [("nd", "as_ndarray_like")],
    "ndbuffer_to_bytes": [("nd", "as_numpy_array")],
    "ndbuffer_to_host": [("nd", "as_numpy_array")],
    "ndbuffer_to_device": [("nd", "from_ndarray_like"), ("nd", "as_ndarray_like")],
    "ndbuffer_as_scalar": [("nd", "as_scalar")],
    "ndbuffer_reshape": [("nd", "reshape")],
    "ndbuffer_squeeze": [("nd", "squeeze")],
    "ndbuffer_astype": [("nd", "astype")],
    "ndbuffer_transpose": [("nd", "transpose")],
    "ndbuffer_get_item": [("nd", "__getitem__")],
    "ndbuffer_set_item": [("nd", "__setitem__")],
    "ndbuffer_set_item_scalar": [("nd", "__setitem__")],
    "ndbuffer_fill": [("nd", "fill")],
    "ndbuffer_copy": [("nd", "copy")],
    "ndbuffer_all_equal_scalar": [("nd", "all_equal")],
    "ndbuffer_all_equal": [("nd", "all_equal"), ("nd", "as_ndarray_like")],
    "ndbuffer_to_dlpack": [("nd", "as_ndarray_like")],
    "ndbuffer_from_dlpack": [("nd", "from_ndarray_like")],
}


def missing_operations(proto):
    """The ABI operations the prototype's classes cannot serve (a release without NDBuffer.empty, or without
    NDBuffer.as_scalar, say), in table order."""
    classes = {"buffer": proto.buffer, "nd": proto.nd_buffer}

    def has(kind, names):
        names = names if isinstance(names, tuple) else (names,)
        return any(hasattr(classes[kind], name) for name in names)

    return [op for op, needs in _OPERATION_NEEDS.items() if not all(has(k, n) for k, n in needs)]


class Instance:
    """One adapter instance: a loaded prototype and the answers the C half needs to build its table."""

    def __init__(self, spec):
        self.spec = spec
        self.proto = _resolve(spec)
        # A prototype that cannot make buffers here (GPU without CuPy, or without a GPU) still loads, so that
        # the harness can ask device_check and report UNSUPPORTED (no CuPy) or SKIP (no GPU) per test; the
        # probe's failure is kept as device_check's answer.
        self.unusable = None
        try:
            self.buffer_device, self.nd_device = _probe(self.proto)
        except Exception as exc:  # a GPU prototype's probe may fail in any way without CuPy (see below)
            device = _guess_device(self.proto, exc)
            if device[0] != KDLCUDA:
                raise  # a host prototype that cannot make a buffer is broken, not unusable: the entry fails
            # No GPU (a CUDA error): ENODEV, reported SKIP. No CuPy: EUNSUPPORTED, whatever the exception;
            # zarr.buffer.gpu's create_zero_length raises AttributeError ('NoneType' object has no attribute
            # 'array') before its __init__ can raise the ImportError it means.
            status = ENODEV if classify(exc) == EDEVICE else EUNSUPPORTED
            self.unusable = (status, f"{spec} cannot make buffers here: {_exception_name(exc)}: {exc}")
            self.buffer_device = self.nd_device = device
        # Operations Zarr gained over time: an ABI operation whose Zarr methods the prototype's classes lack
        # is left NULL by the C half (UNSUPPORTED), never failed; combine falls back on `a + b`, which is how
        # releases before Buffer.combine concatenate (see buffer_combine).
        self.has_combine = hasattr(self.proto.buffer, "combine")
        self.missing_ops = missing_operations(self.proto)
        self.version = f"zarr {_versions()}"
        self.description = (f"{spec}: Buffer={_qualified(self.proto.buffer)} "
                            f"NDBuffer={_qualified(self.proto.nd_buffer)}; zarr {_versions()}, "
                            f"numpy {np.__version__}, Python {sys.version.split()[0]} at {sys.prefix}")

    def dispatch(self, op, args):
        return run(op, getattr(self, op), args)

    def summary(self):
        unusable = self.unusable or (OK, "")
        return (self.version, self.description, self.buffer_device, self.nd_device,
                " ".join(self.missing_ops)) + unusable

    def device_check(self, device_type, device_id):
        """(status, message) for device_check: the probe's failure when the prototype is unusable here."""
        if self.unusable is not None:
            return self.unusable
        if device_type in (self.buffer_device[0], self.nd_device[0]):
            return OK, ""
        kinds = sorted({_DEVICE_NAMES.get(d[0], str(d[0])) for d in (self.buffer_device, self.nd_device)})
        return EUNSUPPORTED, (f"{self.spec} makes buffers in {' and '.join(kinds)} only, not in "
                              f"{_DEVICE_NAMES.get(device_type, device_type)}")

    def _check(self, device_type, wanted, what):
        _known_device(device_type)
        if device_type != wanted[0]:
            raise NotImplementedError(
                f"{self.spec} makes {what}s in {_DEVICE_NAMES.get(wanted[0], wanted[0])}, not in "
                f"{_DEVICE_NAMES.get(device_type, device_type)}")

    def _host_classes(self):
        """Classes holding host memory: this prototype's when it is a host one, else Zarr's CPU classes (the
        ones a Zarr user gets from numpy_buffer_prototype())."""
        if self.buffer_device[0] == KDLCPU and self.nd_device[0] == KDLCPU:
            return self.proto.buffer, self.proto.nd_buffer
        from zarr.core.buffer import cpu
        return cpu.Buffer, cpu.NDBuffer

    # ---- prototypes ----
    def _class_device(self, klass, kind):
        """The memory kind a Buffer/NDBuffer class makes, without making one where Zarr's classes tell: this
        instance's classes, then Zarr's gpu and cpu classes (and subclasses); other classes are probed."""
        from zarr.core.buffer import cpu, gpu
        own = self.proto.buffer if kind == "buffer" else self.proto.nd_buffer
        if klass is own:
            return self.buffer_device if kind == "buffer" else self.nd_device
        if issubclass(klass, gpu.Buffer if kind == "buffer" else gpu.NDBuffer):
            return (KDLCUDA, 0)
        if issubclass(klass, cpu.Buffer if kind == "buffer" else cpu.NDBuffer):
            return (KDLCPU, 0)
        if kind == "buffer":
            return _device_of(klass.create_zero_length().as_array_like())
        return _device_of(klass.create(shape=(0,), dtype=np.dtype("u1")).as_ndarray_like())

    def _class_name(self, device, kind):
        """The registry name Zarr's config takes for a kind: this instance's class when it makes that kind,
        else Zarr's cpu or gpu class. A device type the adapter does not know is a TypeError; one Zarr
        has no class for (pinned host memory, a CUDA device other than the current one, other DLPack kinds)
        is NotImplementedError: such a prototype cannot be said in Zarr's terms, so nothing is set."""
        device_type, device_id = device
        own = self.proto.buffer if kind == "buffer" else self.proto.nd_buffer
        own_device = self.buffer_device if kind == "buffer" else self.nd_device
        suffix = "Buffer" if kind == "buffer" else "NDBuffer"
        if tuple(device) == tuple(own_device):
            return _qualified(own)
        if device_type == KDLCPU:
            return f"zarr.core.buffer.cpu.{suffix}"
        if device_type == KDLCUDA and device_id == 0:
            return f"zarr.core.buffer.gpu.{suffix}"
        _known_device(device_type)
        raise NotImplementedError(f"Zarr has no {suffix} class for {_DEVICE_NAMES.get(device_type, device_type)} "
                                  f"memory with device id {device_id} (its gpu classes use CuPy's current "
                                  f"device, reported as 0)")

    def default_prototype(self):
        from zarr.core.buffer import default_buffer_prototype
        proto = default_buffer_prototype()
        return self._class_device(proto.buffer, "buffer") + self._class_device(proto.nd_buffer, "nd_buffer")

    def set_default_prototype(self, buffer_type, buffer_id, nd_type, nd_id):
        # Zarr's default prototype is the pair of classes named by the config keys "buffer" and "ndbuffer"
        # (what zarr.config.enable_gpu() sets). Zarr checks the names only when the default is next read, and
        # so does the adapter: it sets the keys, as a Zarr user would, and adds no validation of its own.
        import zarr
        names = self._class_name((buffer_type, buffer_id), "buffer"), self._class_name((nd_type, nd_id), "nd_buffer")
        zarr.config.set({"buffer": names[0], "ndbuffer": names[1]})

    # ---- Buffer ----
    def buffer_create_zero_length(self, device_type):
        self._check(device_type, self.buffer_device, "Buffer")
        return self.proto.buffer.create_zero_length()

    def buffer_from_bytes(self, device_type, data):
        # `data` is a bytearray the C half filled from the caller's memory: the one copy any Python caller
        # makes to hold C memory as a bytes-like object. Zarr's from_bytes then wraps it as it wraps any
        # bytes-like (zarr.buffer.cpu: np.frombuffer, no copy).
        self._check(device_type, self.buffer_device, "Buffer")
        return self.proto.buffer.from_bytes(data)

    def buffer_wrap(self, device_type, owner, addr, size):
        # The caller's memory, not a copy: `owner` exports it through the buffer protocol and calls the
        # caller's release function when the last view of it (NumPy array, Zarr Buffer) is gone.
        _known_device(device_type)
        if device_type == KDLCPU:
            array = np.frombuffer(owner, dtype="u1")
        elif device_type == KDLCUDA:
            import cupy
            array = cupy.asarray(_CudaMemory(addr, size, owner))
        else:
            raise NotImplementedError(f"cannot wrap {_DEVICE_NAMES.get(device_type, device_type)} memory")
        return self.proto.buffer.from_array_like(array)

    def buffer_from_buffer(self, device_type, src):
        self._check(device_type, self.buffer_device, "Buffer")
        return self.proto.buffer.from_buffer(src)

    def buffer_info(self, buf):
        addr, device_type, device_id = _address(buf.as_array_like())
        return addr, len(buf), device_type, device_id

    def buffer_to_bytes(self, buf):
        return buf.to_bytes()

    def buffer_to_host(self, buf):
        # Zarr's host view of a Buffer is as_numpy_array() (no copy for host buffers); it is wrapped in a host
        # Buffer class with from_array_like, which never copies.
        return self._host_classes()[0].from_array_like(buf.as_numpy_array())

    def buffer_slice(self, buf, start, stop, step):
        return buf[slice(start, stop, step)]

    def buffer_set_slice(self, dst, start, stop, step, value):
        # Buffer.__setitem__ hands the value to the underlying array's __setitem__, which takes an array, not
        # a Buffer: the value goes in as its as_array_like() (no copy), as Zarr's own callers do.
        dst[slice(start, stop, step)] = value.as_array_like()

    def buffer_combine(self, parts):
        if self.has_combine:
            return parts[0].combine(parts[1:])
        # Zarr 3.0 has no combine; its concatenation is `a + b` (3.1 defines __add__ as combine([b])). One part
        # alone is `a + zero-length`, so that the answer is a new Buffer as combine's would be.
        if len(parts) == 1:
            return parts[0] + self.proto.buffer.create_zero_length()
        return functools.reduce(operator.add, parts[1:], parts[0])

    def buffer_equal(self, a, b):
        return bool(a == b)

    # ---- NDBuffer ----
    def ndbuffer_create(self, device_type, shape, dtype, order, fill_addr):
        self._check(device_type, self.nd_device, "NDBuffer")
        dtype = np.dtype(dtype)
        fill_value = None if fill_addr is None else _scalar(fill_addr, dtype)
        return self.proto.nd_buffer.create(shape=shape, dtype=dtype, order=order, fill_value=fill_value)

    def ndbuffer_empty(self, device_type, shape, dtype, order):
        self._check(device_type, self.nd_device, "NDBuffer")
        return self.proto.nd_buffer.empty(shape=shape, dtype=np.dtype(dtype), order=order)

    def ndbuffer_from_host(self, device_type, addr, shape, strides, dtype):
        # The caller's memory is only valid during the call, so it is copied once into a NumPy array that keeps
        # its layout (order "K"): that array is what a Python caller would hold. from_numpy_array then does
        # what it does with any array (zarr.buffer.cpu: wraps it without copying).
        self._check(device_type, self.nd_device, "NDBuffer")
        array = np.array(_host_view(addr, shape, strides, dtype), copy=True, order="K")
        return self.proto.nd_buffer.from_numpy_array(array)

    def ndbuffer_info(self, a):
        array = a.as_ndarray_like()
        addr, device_type, device_id = _address(array)
        return (array.dtype.str, tuple(int(n) for n in array.shape), tuple(int(s) for s in array.strides),
                addr, device_type, device_id)

    def ndbuffer_to_bytes(self, a):
        return a.as_numpy_array().tobytes(order="C")

    def ndbuffer_to_host(self, a):
        # as_numpy_array() is Zarr's host view (no copy for host arrays); from_ndarray_like wraps without copying.
        return self._host_classes()[1].from_ndarray_like(a.as_numpy_array())

    def ndbuffer_to_device(self, a, device_type):
        # Zarr moves an NDBuffer between prototypes with the target class's from_ndarray_like (what
        # gpu.NDBuffer.__setitem__ does with a foreign NDBuffer); host is as_numpy_array, as in to_host.
        _known_device(device_type)
        if device_type == self.nd_device[0]:
            return self.proto.nd_buffer.from_ndarray_like(a.as_ndarray_like())
        if device_type == KDLCPU:
            return self.ndbuffer_to_host(a)
        raise NotImplementedError(f"{self.spec} cannot move an NDBuffer to "
                                  f"{_DEVICE_NAMES.get(device_type, device_type)}")

    def ndbuffer_as_scalar(self, a):
        return np.asarray(a.as_scalar(), dtype=a.dtype).tobytes()

    def ndbuffer_reshape(self, a, shape):
        return a.reshape(shape)

    def ndbuffer_squeeze(self, a, axes):
        # NDBuffer.squeeze(axis: tuple[int, ...]) has no "every size-1 axis" form (None is outside its
        # signature and raises TypeError); the nearest call for the C caller's NULL axes is the tuple of the
        # size-1 axes. Given axes go to Zarr as they are, its handling of negative and out-of-range ones included.
        if axes is None:
            axes = tuple(i for i, extent in enumerate(a.shape) if extent == 1)
        return a.squeeze(axes)

    def ndbuffer_astype(self, a, dtype):
        return a.astype(np.dtype(dtype))

    def ndbuffer_transpose(self, a, axes):
        return a.transpose(axes)

    def ndbuffer_get_item(self, a, key):
        return a[key]

    def ndbuffer_set_item(self, dst, key, value):
        dst[key] = value

    def ndbuffer_set_item_scalar(self, dst, key, value_addr):
        dst[key] = _scalar(value_addr, dst.dtype)

    def ndbuffer_fill(self, dst, value_addr):
        dst.fill(_scalar(value_addr, dst.dtype))

    def ndbuffer_copy(self, a):
        return a.copy()

    def ndbuffer_all_equal_scalar(self, a, value_addr, equal_nan):
        return bool(a.all_equal(_scalar(value_addr, a.dtype), equal_nan=bool(equal_nan)))

    def ndbuffer_all_equal(self, a, b, equal_nan):
        # all_equal takes "other: Any" and broadcasts it with NumPy, which needs an array, not an NDBuffer:
        # b goes in as its as_ndarray_like() (no copy).
        return bool(a.all_equal(b.as_ndarray_like(), equal_nan=bool(equal_nan)))

    # ---- DLPack ----
    def ndbuffer_to_dlpack(self, a):
        # The array's own __dlpack__ (legacy, unversioned capsule): the C half takes the DLManagedTensor out.
        return a.as_ndarray_like().__dlpack__()

    def ndbuffer_from_dlpack(self, capsule, device_type, device_id):
        exporter = _DLPackExporter(capsule, (device_type, device_id))
        if device_type == KDLCUDA:
            import cupy
            array = cupy.from_dlpack(exporter)
        else:
            array = np.from_dlpack(exporter)
        return self.proto.nd_buffer.from_ndarray_like(array)


def preload(spec):
    """The warm start (zbuf_impl_prepare in pyadapter_entry.c): imports what every instance of `spec`
    ("MODULE:ATTR") needs, so that forked children find it imported. A failure here is left to the entry
    call, which reports it with the prototype it names."""
    for name in ("zarr", "zarr.core.buffer", "zarr.core.buffer.cpu", spec.partition(":")[0]):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - reported by the entry call in the child, where it matters
            return


def load(spec):
    """Entry call: an Instance for `spec`, or (status, message)."""
    return run(f"load {spec}", Instance, (spec,))
install_warning_hook()
tune_thread_switching()
