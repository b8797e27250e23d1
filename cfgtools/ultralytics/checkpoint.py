"""What a YOLOv5 / ultralytics ``last.pt`` / ``best.pt`` says about resuming, read without torch and without
running anything it contains.

A ``.pt`` written by ``torch.save`` is a zip archive: ``<name>/data.pkl`` (the
pickled checkpoint dict), ``<name>/data/<key>`` (one member per tensor
storage), ``version``, ``byteorder``... (torch/serialization.py
``_save``). Older torch wrote one stream of pickles instead ("legacy": magic
number, protocol, sys info, the object, then the raw storages). Only the
object's pickle is read here, with an unpickler that

- maps the globals a checkpoint holds to inert placeholders that never import
  or call the real thing: torch's ``_rebuild_*`` functions, storages, dtypes
  and ``nn`` modules (anything under ``torch``), numpy scalars and arrays, the
  model classes of YOLOv5 (``models.*``, ``utils.*``) and ultralytics
  (``ultralytics.*``), ``argparse.Namespace``, ``types.SimpleNamespace``,
  ``datetime``; plus the harmless builtins pickles use (``collections.OrderedDict``,
  ``set``, ``frozenset``, ``slice``, ``complex``, ``_codecs.encode`` for latin-1,
  ``pathlib`` paths as strings);
- refuses every other global (``os.system``, ``builtins.eval``,
  ``subprocess.Popen``, ``builtins.getattr``...): one :class:`InputError`;
- answers each persistent id (a tensor storage) with a placeholder and never
  reads the storage members.

Sizes are bounded before anything is decompressed: the zip's central directory
(entries and bytes, from the end-of-central-directory record) and the pickle
(:data:`MAX_PICKLE_BYTES`, enforced while reading, so a member that lies about
its size or a deflate bomb stops there).

The checkpoint dicts (YOLOv5 train.py at v7.0:372-381, ultralytics 8.3.0
trainer.py:514-527): ``epoch`` (the last finished epoch, from 0; -1 once
``strip_optimizer`` finalised the file: YOLOv5 utils/general.py:1002-1015 at
v7.0, ultralytics utils/torch_utils.py ``strip_optimizer``), ``optimizer``
(``state_dict()``: ``param_groups`` with ``lr``, ``initial_lr``, ``momentum`` or
``betas``; None when stripped), ``opt`` (YOLOv5 v6.2+: ``vars(opt)``, with the
hyperparameters under ``hyp``) or ``train_args`` (ultralytics: ``vars(args)``),
``version`` (ultralytics), ``date``.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import re
import struct
import zipfile
import zlib
from typing import Any

from pydantic import BaseModel, ConfigDict

from cfgtools.errors import InputError
from cfgtools.ultralytics.schedule import Resume, TrainingConfig

#: the pickle of a YOLO checkpoint is a few hundred KiB (the module tree, not the tensors)
MAX_PICKLE_BYTES = 16 * 1024 * 1024
#: a checkpoint has a few thousand members (one per storage); the central directory is refused above these
MAX_ZIP_ENTRIES = 200_000
MAX_CENTRAL_DIRECTORY_BYTES = 64 * 1024 * 1024
#: distinct globals one pickle may name
MAX_GLOBALS = 10_000

_DATA_PKL = re.compile(r"^[^/]+/data\.pkl$")
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

_INERT_MODULES = ("torch", "numpy", "models", "utils", "ultralytics")
_INERT_GLOBALS = frozenset({
    ("argparse", "Namespace"), ("types", "SimpleNamespace"), ("datetime", "datetime"), ("datetime", "date"),
    ("datetime", "timedelta"), ("datetime", "timezone"),
})


class GroupState(BaseModel):
    """One optimizer parameter group as the checkpoint stores it."""

    model_config = ConfigDict(frozen=True)

    lr: float | None = None
    initial_lr: float | None = None
    #: SGD's momentum, or Adam's beta1
    momentum: float | None = None
    weight_decay: float | None = None
    #: ultralytics 8.4 names its groups ("weight", "bn", "bias", "muon")
    name: str | None = None


class CheckpointInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    format: str  # "zip" or "legacy"
    #: "yolov5" (has opt), "ultralytics" (has train_args) or "unknown"
    flavour: str
    #: the last finished epoch (from 0); -1 for a finished, stripped checkpoint; None when absent
    epoch: int | None
    has_optimizer: bool
    param_groups: tuple[GroupState, ...] = ()
    #: the run's settings: YOLOv5 ``opt`` or ultralytics ``train_args`` (plain values only)
    settings: dict[str, Any] = {}
    #: ultralytics' package version (``ckpt['version']``)
    package_version: str | None = None
    date: str | None = None

    @property
    def finished(self) -> bool:
        """Stripped by strip_optimizer at the end of training: ``--resume`` refuses it."""
        return self.epoch == -1

    @property
    def start_epoch(self) -> int | None:
        """The epoch a resume starts at (``ckpt['epoch'] + 1``)."""
        return None if self.epoch is None else self.epoch + 1

    def resume(self, previous: TrainingConfig | None = None) -> Resume:
        """The :class:`Resume` this checkpoint gives: its start epoch and, when it stores them, its groups'
        lr, initial_lr and momentum (``previous``: the settings of the run that wrote it, for what it lacks)."""
        if self.start_epoch is None:
            raise InputError("the checkpoint stores no epoch: nothing to resume", self.path)
        stored = {}
        for field_name in ("lr", "initial_lr", "momentum"):
            values = [getattr(group, field_name) for group in self.param_groups]
            if values and all(value is not None for value in values):
                stored[field_name] = tuple(values)
        return Resume(start_epoch=max(self.start_epoch, 0), previous=previous, **stored)

    @property
    def epochs(self) -> int | None:
        value = self.settings.get("epochs")
        return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- the restricted unpickler ----------------------------------------------------------------------------------------


class Inert:
    """Stands for any object of an allowed class: keeps what the pickle gives it, does nothing."""

    _global = "?"

    def __new__(cls, *args, **kwargs):
        instance = object.__new__(cls)
        instance.__dict__["_args"] = args
        return instance

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        self.__dict__["_state"] = state

    def __setitem__(self, key, value):  # SETITEMS on a dict subclass
        self.__dict__.setdefault("_items", {})[key] = value

    def append(self, value):  # APPENDS on a list subclass
        self.__dict__.setdefault("_list", []).append(value)

    def extend(self, values):
        self.__dict__.setdefault("_list", []).extend(values)

    def __repr__(self) -> str:
        return f"<inert {self._global}>"


class StorageRef:
    """A tensor storage named by a persistent id; its bytes are never read."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key


def _latin1(text, encoding="latin1"):
    """``_codecs.encode``, as protocol-2 pickles use it for bytes; latin-1 only."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode with an unexpected argument")
    return text.encode("latin-1")


def _reconstructor(cls, base, state=None):
    """``copyreg._reconstructor`` without calling ``base.__new__`` on anything real."""
    return Inert()


def _path(*parts):
    return "/".join(str(part) for part in parts)


_SAFE_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "slice"): slice,
    ("builtins", "complex"): complex,
    ("_codecs", "encode"): _latin1,
    ("copyreg", "_reconstructor"): _reconstructor,
    ("pathlib", "PosixPath"): _path,
    ("pathlib", "WindowsPath"): _path,
    ("pathlib", "PurePosixPath"): _path,
    ("pathlib", "PureWindowsPath"): _path,
    ("pathlib", "Path"): _path,
}


#: what pickle's fix_imports maps back for the modules checkpoints use (Lib/_compat_pickle.py IMPORT_MAPPING)
_PYTHON2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}


class RefusedGlobal(pickle.UnpicklingError):
    pass


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, stream):
        super().__init__(stream)
        self._placeholders: dict[tuple[str, str], type] = {}

    def find_class(self, module: str, name: str):
        # protocol-2 pickles (torch's default) name Python 2 modules; Unpickler.find_class maps them back
        module = _PYTHON2_MODULES.get(module, module)
        key = (module, name)
        if key in _SAFE_GLOBALS:
            return _SAFE_GLOBALS[key]
        if key in _INERT_GLOBALS or module.split(".", 1)[0] in _INERT_MODULES:
            placeholder = self._placeholders.get(key)
            if placeholder is None:
                if len(self._placeholders) >= MAX_GLOBALS:
                    raise pickle.UnpicklingError(f"more than {MAX_GLOBALS} distinct globals")
                placeholder = type("Inert", (Inert,), {"_global": f"{module}.{name}"})
                self._placeholders[key] = placeholder
            return placeholder
        raise RefusedGlobal(f"{module}.{name}")

    def persistent_load(self, pid):
        if isinstance(pid, tuple) and pid and pid[0] == "storage":
            return StorageRef(pid[2] if len(pid) > 2 else None)
        if isinstance(pid, tuple) and len(pid) > 1 and pid[0] == "module" and isinstance(pid[1], type) \
                and issubclass(pid[1], Inert):
            return pid[1]  # legacy files name each nn.Module class with its source: the placeholder stands
        raise pickle.UnpicklingError("a persistent id that is not a tensor storage")


def _unpickle(data: bytes, path: str, what: str):
    stream = io.BytesIO(data)
    unpickler = _RestrictedUnpickler(stream)
    try:
        return unpickler.load(), stream.tell()
    except RefusedGlobal as exc:
        raise InputError(
            f"refusing to read {what}: its pickle calls {exc}, which a checkpoint never needs (a hostile file?)",
            path,
        ) from None
    except (pickle.UnpicklingError, EOFError) as exc:
        raise InputError(f"not a readable checkpoint: {what} is damaged or truncated ({exc})", path) from None
    except (RecursionError, MemoryError):
        raise InputError(f"not a readable checkpoint: {what} is nested too deeply or too large", path) from None
    except Exception as exc:  # any other failure of a malformed pickle is still one line
        raise InputError(f"not a readable checkpoint: {what} is malformed ({type(exc).__name__}: {exc})",
                         path) from None


# -- the container ---------------------------------------------------------------------------------------------------


def _check_central_directory(handle, size: int, path: str) -> None:
    """Refuse a zip whose central directory is too large before zipfile loads it into memory."""
    tail_length = min(size, 65536 + 22)
    handle.seek(size - tail_length)
    tail = handle.read(tail_length)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise InputError("not a readable checkpoint: truncated zip (no end of central directory)", path)
    entries, directory_bytes = struct.unpack_from("<xxxxxxxxxxHI", tail, at)
    if entries == 0xFFFF or directory_bytes == 0xFFFFFFFF:
        locator = tail.rfind(b"PK\x06\x07", 0, at)
        if locator < 0 or at - locator < 20:
            raise InputError("not a readable checkpoint: damaged zip64 end record", path)
        (record_at,) = struct.unpack_from("<Q", tail, locator + 8)
        if record_at + 56 > size:
            raise InputError("not a readable checkpoint: truncated zip64 end record", path)
        handle.seek(record_at)
        record = handle.read(56)
        if record[:4] != b"PK\x06\x06":
            raise InputError("not a readable checkpoint: damaged zip64 end record", path)
        entries, directory_bytes = struct.unpack_from("<QQ", record, 32)
    if entries > MAX_ZIP_ENTRIES or directory_bytes > MAX_CENTRAL_DIRECTORY_BYTES:
        raise InputError(f"refusing a zip of {entries} members ({directory_bytes} bytes of directory): "
                         "not a checkpoint", path)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> bytes:
    if info.file_size > MAX_PICKLE_BYTES:
        raise InputError(f"refusing {info.filename}: {info.file_size} bytes, a checkpoint's pickle is at most "
                         f"{MAX_PICKLE_BYTES // (1024 * 1024)} MiB", path)
    chunks, total = [], 0
    with archive.open(info) as member:
        while True:
            chunk = member.read(1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_PICKLE_BYTES:
                raise InputError(f"refusing {info.filename}: it expands past {MAX_PICKLE_BYTES // (1024 * 1024)} MiB "
                                 "(a zip bomb?)", path)
            chunks.append(chunk)
    return b"".join(chunks)


def _zip_pickle(handle, size: int, path: str) -> bytes:
    _check_central_directory(handle, size, path)
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            members = [info for info in archive.infolist() if _DATA_PKL.match(info.filename)]
            if len(members) != 1:
                found = "no" if not members else f"{len(members)}"
                raise InputError(f"not a torch checkpoint: {found} '*/data.pkl' member in the zip", path)
            return _read_member(archive, members[0], path)
    except InputError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise InputError(f"not a readable checkpoint: damaged or truncated zip ({exc})", path) from None


def _legacy_pickle(handle, path: str):
    """The object of a pre-zip torch file: the fourth pickle of the stream (torch/serialization.py _legacy_load)."""
    data = handle.read(MAX_PICKLE_BYTES + 1)
    offset = 0
    values = []
    for what in ("its magic number", "its protocol version", "its system info", "the checkpoint"):
        value, used = _unpickle(data[offset:], path, what)
        values.append(value)
        offset += used
        if what == "its magic number" and value != _LEGACY_MAGIC:
            raise InputError("not a torch checkpoint: a pickle, but not torch's legacy format", path)
    return values[-1]


def read_checkpoint(path: str | os.PathLike[str]) -> CheckpointInfo:
    """The epoch, optimizer groups and settings of a YOLOv5/ultralytics checkpoint; :class:`InputError` otherwise."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(0)
            head = handle.read(4)
            handle.seek(0)
            if size == 0:
                raise InputError("empty file: not a checkpoint", name)
            if head.startswith(b"PK"):
                checkpoint, file_format = _unpickle(_zip_pickle(handle, size, name), name, "data.pkl")[0], "zip"
            elif head[:1] == b"\x80":
                checkpoint, file_format = _legacy_pickle(handle, name), "legacy"
            else:
                raise InputError("not a torch checkpoint: neither a zip archive nor a pickle", name)
    except IsADirectoryError:
        raise InputError("is a directory, not a checkpoint", name) from None
    except FileNotFoundError:
        raise InputError("no such file", name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", name) from None
    return _info(checkpoint, name, file_format)


def _plain(value, depth: int = 0):
    """``value`` if it is made of plain data (YAML-like), else None."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if depth > 4:
        return None
    if isinstance(value, (list, tuple)):
        items = [_plain(item, depth + 1) for item in value]
        return items
    if isinstance(value, dict):
        return {key: _plain(item, depth + 1) for key, item in value.items() if isinstance(key, str)}
    return None


def _number(value) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _group(raw) -> GroupState:
    if not isinstance(raw, dict):
        return GroupState()
    momentum = _number(raw.get("momentum"))
    betas = raw.get("betas")
    if momentum is None and isinstance(betas, (tuple, list)) and betas:
        momentum = _number(betas[0])
    name = raw.get("param_group")
    return GroupState(lr=_number(raw.get("lr")), initial_lr=_number(raw.get("initial_lr")), momentum=momentum,
                      weight_decay=_number(raw.get("weight_decay")), name=name if isinstance(name, str) else None)


def _info(checkpoint, path: str, file_format: str) -> CheckpointInfo:
    if not isinstance(checkpoint, dict):
        raise InputError(f"not a YOLO checkpoint: the pickle holds a {type(checkpoint).__name__}, not a dict", path)
    epoch = checkpoint.get("epoch")
    epoch = epoch if isinstance(epoch, int) and not isinstance(epoch, bool) else None
    optimizer = checkpoint.get("optimizer")
    groups = ()
    if isinstance(optimizer, dict) and isinstance(optimizer.get("param_groups"), list):
        groups = tuple(_group(raw) for raw in optimizer["param_groups"])
    if isinstance(checkpoint.get("train_args"), dict):
        flavour, settings = "ultralytics", checkpoint["train_args"]
    elif isinstance(checkpoint.get("opt"), dict):
        flavour, settings = "yolov5", checkpoint["opt"]
    else:
        flavour, settings = ("yolov5" if "model" in checkpoint and "epoch" in checkpoint else "unknown"), {}
    version = checkpoint.get("version")
    date = checkpoint.get("date")
    return CheckpointInfo(
        path=path, format=file_format, flavour=flavour, epoch=epoch, has_optimizer=isinstance(optimizer, dict),
        param_groups=groups, settings=_plain(settings) or {},
        package_version=version if isinstance(version, str) else None, date=date if isinstance(date, str) else None,
    )
