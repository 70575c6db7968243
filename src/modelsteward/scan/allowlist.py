"""The tiered allowlist of callables a pickle may name, and the known-dangerous targets.

The verdict is by allowlist: a global that no tier lists is at least ``high``. The danger
table only makes the message precise (and the severity ``critical``); it is never what lets a
global through.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

_TORCH_DTYPES = [
    "bfloat16",
    "bits16",
    "bits1x8",
    "bits2x4",
    "bits4x2",
    "bits8",
    "bool",
    "complex128",
    "complex32",
    "complex64",
    "float16",
    "float32",
    "float4_e2m1fn_x2",
    "float64",
    "float8_e4m3fn",
    "float8_e4m3fnuz",
    "float8_e5m2",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
    "int1",
    "int16",
    "int2",
    "int3",
    "int32",
    "int4",
    "int5",
    "int6",
    "int64",
    "int7",
    "int8",
    "qint32",
    "qint8",
    "quint2x4",
    "quint4x2",
    "quint8",
    "uint1",
    "uint16",
    "uint2",
    "uint3",
    "uint32",
    "uint4",
    "uint5",
    "uint6",
    "uint64",
    "uint7",
    "uint8",
    "half",
    "float",
    "double",
    "long",
    "int",
    "short",
]
_TORCH_STORAGE_PREFIXES = [
    "BFloat16",
    "Bool",
    "Byte",
    "Char",
    "ComplexDouble",
    "ComplexFloat",
    "Double",
    "Float",
    "Half",
    "Int",
    "Long",
    "Short",
]
_TORCH_QSTORAGES = ("QInt32", "QInt8", "QUInt2x4", "QUInt4x2", "QUInt8")
_TORCH_REBUILDERS = [
    "_rebuild_device_tensor_from_cpu_tensor",
    "_rebuild_device_tensor_from_numpy",
    "_rebuild_meta_tensor_no_storage",
    "_rebuild_nested_tensor",
    "_rebuild_parameter",
    "_rebuild_parameter_with_state",
    "_rebuild_qtensor",
    "_rebuild_sparse_tensor",
    "_rebuild_tensor",
    "_rebuild_tensor_v2",
    "_rebuild_tensor_v3",
    "_rebuild_wrapper_subclass",
]
_TORCH_QSCHEMES = [
    "per_channel_affine",
    "per_channel_affine_float_qparams",
    "per_channel_symmetric",
    "per_tensor_affine",
    "per_tensor_symmetric",
]


def _torch_tier0() -> frozenset[str]:
    names = {
        "torch.Size",
        "torch.Tensor",
        "torch.device",
        "torch.nn.parameter.Parameter",
        "torch.nn.parameter.Buffer",
        "torch.serialization._get_layout",
        "torch._tensor._rebuild_from_type_v2",
        "torch.storage.TypedStorage",
        "torch.storage.UntypedStorage",
    }
    names.update(f"torch.{d}" for d in _TORCH_DTYPES)
    names.update(f"torch._utils.{r}" for r in _TORCH_REBUILDERS)
    names.update(f"torch.{q}" for q in _TORCH_QSCHEMES)
    names.update(f"torch.{q}Storage" for q in _TORCH_QSTORAGES)
    for prefix in _TORCH_STORAGE_PREFIXES:
        names.update({f"torch.{prefix}Storage", f"torch.cuda.{prefix}Storage"})
        names.update({f"torch.{prefix}Tensor", f"torch.cuda.{prefix}Tensor"})
        names.update({f"torch.sparse.{prefix}Tensor", f"torch.cuda.sparse.{prefix}Tensor"})
    return frozenset(names)


_NUMPY_CORE = ("numpy.core", "numpy._core")
_NUMPY_SCALARS = (
    "float16", "float32", "float64", "longdouble", "int8", "int16", "int32", "int64",
    "uint8", "uint16", "uint32", "uint64", "bool_", "complex64", "complex128", "str_",
    "bytes_", "intc", "uintc",
)  # fmt: skip

TIER0: frozenset[str] = _torch_tier0() | frozenset(
    {
        "_codecs.encode",
        "builtins.bytearray",
        "builtins.bytes",
        "builtins.complex",
        "builtins.set",
        "builtins.frozenset",
        "builtins.slice",
        "builtins.range",
        "builtins.list",
        "builtins.dict",
        "builtins.tuple",
        "builtins.int",
        "builtins.float",
        "builtins.str",
        "builtins.bool",
        "collections.OrderedDict",
        "collections.Counter",
        "collections.defaultdict",
        "collections.deque",
        "numpy.ndarray",
        "numpy.dtype",
        "numpy.random._pickle.__randomstate_ctor",
        "numpy.random._pickle.__bit_generator_ctor",
        "numpy.random._pickle.__generator_ctor",
        "numpy.random._mt19937.MT19937",
        "numpy.random._pcg64.PCG64",
        "numpy.random.mtrand.RandomState",
        *(f"{core}.multiarray._reconstruct" for core in _NUMPY_CORE),
        *(f"{core}.multiarray.scalar" for core in _NUMPY_CORE),
        *(f"{core}.numeric._frombuffer" for core in _NUMPY_CORE),
        *(f"numpy.dtypes.{n}DType" for n in ("Float64", "Float32", "Int64", "Int32", "Bool")),
    }
)
"""What ``torch.load(weights_only=True)`` permits, numpy reconstruction and plain builtins."""

TIER1: frozenset[str] = frozenset(
    {
        "joblib.numpy_pickle.NumpyArrayWrapper",
        "joblib.numpy_pickle_compat.NDArrayWrapper",
        "copyreg._reconstructor",
        "builtins.object",
        "argparse.Namespace",
        "sklearn.pipeline.Pipeline",
        "sklearn.pipeline.FeatureUnion",
        "sklearn.compose._column_transformer.ColumnTransformer",
        "sklearn.preprocessing._data.StandardScaler",
        "sklearn.preprocessing._data.MinMaxScaler",
        "sklearn.preprocessing._data.RobustScaler",
        "sklearn.preprocessing._label.LabelEncoder",
        "sklearn.preprocessing._encoders.OneHotEncoder",
        "sklearn.preprocessing._encoders.OrdinalEncoder",
        "sklearn.impute._base.SimpleImputer",
        "sklearn.decomposition._pca.PCA",
        "sklearn.decomposition._truncated_svd.TruncatedSVD",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.feature_extraction.text.CountVectorizer",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.linear_model._base.LinearRegression",
        "sklearn.linear_model._ridge.Ridge",
        "sklearn.linear_model._stochastic_gradient.SGDClassifier",
        "sklearn.svm._classes.SVC",
        "sklearn.svm._classes.LinearSVC",
        "sklearn.naive_bayes.GaussianNB",
        "sklearn.naive_bayes.MultinomialNB",
        "sklearn.neighbors._classification.KNeighborsClassifier",
        "sklearn.neighbors._kd_tree.KDTree",
        "sklearn.neighbors._ball_tree.BallTree",
        "sklearn.cluster._kmeans.KMeans",
        "sklearn.tree._classes.DecisionTreeClassifier",
        "sklearn.tree._classes.DecisionTreeRegressor",
        "sklearn.tree._classes.ExtraTreeClassifier",
        "sklearn.tree._classes.ExtraTreeRegressor",
        "sklearn.tree._tree.Tree",
        "sklearn.ensemble._forest.RandomForestClassifier",
        "sklearn.ensemble._forest.RandomForestRegressor",
        "sklearn.ensemble._forest.ExtraTreesClassifier",
        "sklearn.ensemble._gb.GradientBoostingClassifier",
        "sklearn.ensemble._gb.GradientBoostingRegressor",
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
        "sklearn.dummy.DummyClassifier",
        "sklearn._loss.loss.HalfBinomialLoss",
        "sklearn._loss.loss.HalfMultinomialLoss",
        "sklearn._loss.loss.HalfSquaredError",
        "sklearn._loss.loss.ExponentialLoss",
        "sklearn._loss.link.LogitLink",
        "sklearn._loss.link.IdentityLink",
        "sklearn._loss.link.MultinomialLogit",
        "sklearn._loss.link.Interval",
        "sklearn._loss._loss.CyHalfBinomialLoss",
        "sklearn._loss._loss.CyHalfMultinomialLoss",
        "sklearn._loss._loss.CyHalfSquaredError",
        "sklearn._loss._loss.CyExponentialLoss",
        "sklearn._loss._loss.__pyx_unpickle_CyHalfBinomialLoss",
        "sklearn._loss._loss.__pyx_unpickle_CyHalfMultinomialLoss",
        "sklearn._loss._loss.__pyx_unpickle_CyHalfSquaredError",
        "sklearn._loss._loss.__pyx_unpickle_CyExponentialLoss",
        "sklearn.ensemble._gb_losses.BinomialDeviance",
        "sklearn.ensemble._gb._init_raw_predictions",
        "sklearn.dummy.DummyRegressor",
        "sklearn.utils._bunch.Bunch",
        "numpy.random._generator.Generator",
        "numpy.random.bit_generator.SeedSequence",
        "numpy.random.bit_generator.__pyx_unpickle_SeedSequence",
        "numpy.random._pcg64.PCG64DXSM",
        "numpy.random._philox.Philox",
        "numpy.random._sfc64.SFC64",
        *(f"numpy.{t}" for t in _NUMPY_SCALARS),
    }
)
"""The ecosystem's legitimate classes (scikit-learn, joblib, numpy internals), by exact name."""


class Verdict(enum.IntEnum):
    """How much a global can be trusted."""

    ALLOWED = 0
    UNVERIFIED = 1
    DANGEROUS = 2


@dataclass(frozen=True, slots=True)
class Judgement:
    """The verdict on one ``module.name`` and, when dangerous, what it can do."""

    verdict: Verdict
    tier: int | None = None
    """Which allowlist tier let it through (0, 1, 2), when allowed."""
    danger: str = ""
    """What the target can do, when dangerous: ``runs a shell command``."""


_DANGEROUS_MODULES: tuple[tuple[str, str], ...] = (
    ("os", "runs commands or touches files and the process"),
    ("posix", "runs commands or touches files and the process"),
    ("nt", "runs commands or touches files and the process"),
    ("subprocess", "starts a process"),
    ("_posixsubprocess", "starts a process"),
    ("pty", "spawns a shell"),
    ("commands", "runs a shell command"),
    ("popen2", "starts a process"),
    ("platform", "runs commands to inspect the host"),
    ("multiprocessing", "starts processes"),
    ("asyncio", "starts processes or opens sockets"),
    ("shutil", "copies, moves or deletes files"),
    ("tempfile", "creates files"),
    ("pathlib", "reads or writes files"),
    ("io", "opens files"),
    ("_io", "opens files"),
    ("fileinput", "reads files"),
    ("glob", "lists files"),
    ("zipfile", "reads or writes archives"),
    ("tarfile", "extracts archives"),
    ("socket", "opens a network connection"),
    ("_socket", "opens a network connection"),
    ("ssl", "opens a network connection"),
    ("http", "makes an HTTP request"),
    ("urllib", "makes an HTTP request"),
    ("urllib2", "makes an HTTP request"),
    ("requests", "makes an HTTP request"),
    ("httpx", "makes an HTTP request"),
    ("aiohttp", "makes an HTTP request"),
    ("ftplib", "opens an FTP connection"),
    ("smtplib", "sends mail"),
    ("telnetlib", "opens a network connection"),
    ("webbrowser", "opens a browser"),
    ("importlib", "imports arbitrary code"),
    ("imp", "imports arbitrary code"),
    ("pkgutil", "imports arbitrary code"),
    ("zipimport", "imports arbitrary code"),
    ("runpy", "runs a Python module"),
    ("code", "evaluates Python code"),
    ("codeop", "compiles Python code"),
    ("types", "builds code or function objects"),
    ("ctypes", "calls native code"),
    ("_ctypes", "calls native code"),
    ("cffi", "calls native code"),
    ("marshal", "loads code objects"),
    ("pickle", "starts a nested unpickler"),
    ("_pickle", "starts a nested unpickler"),
    ("cPickle", "starts a nested unpickler"),
    ("dill", "starts a nested unpickler"),
    ("cloudpickle", "starts a nested unpickler"),
    ("joblib", "loads a nested pickle"),
    ("shelve", "opens a pickle database"),
    ("pdb", "starts a debugger"),
    ("bdb", "starts a debugger"),
    ("trace", "runs code under a tracer"),
    ("cProfile", "runs code under a profiler"),
    ("profile", "runs code under a profiler"),
    ("timeit", "evaluates Python code"),
    ("doctest", "evaluates Python code"),
    ("sys", "changes the interpreter"),
    ("signal", "changes signal handling"),
    ("threading", "starts threads"),
    ("_thread", "starts threads"),
    ("site", "changes the import path"),
    ("sysconfig", "reads the environment"),
    ("operator", "reaches attributes or calls methods indirectly"),
    ("_operator", "reaches attributes or calls methods indirectly"),
    ("functools", "calls functions indirectly"),
    ("_functools", "calls functions indirectly"),
    ("builtins", "reaches the interpreter"),
    ("__builtin__", "reaches the interpreter"),
    ("torch.hub", "downloads and runs code"),
    ("torch.jit", "loads TorchScript code"),
    ("torch.serialization", "loads a nested checkpoint"),
    ("torch._dynamo", "compiles and runs code"),
    ("torch._inductor", "compiles and runs code"),
    ("torch.utils.cpp_extension", "compiles and loads native code"),
    ("torch.distributed", "opens network connections"),
    ("numpy.testing", "evaluates Python code"),
    ("numpy.f2py", "compiles native code"),
    ("numpy.distutils", "runs build commands"),
    ("numpy.load", "loads a nested pickle"),
    ("numpy.lib.npyio", "loads a nested pickle"),
    ("keras", "loads a nested model"),
    ("tensorflow", "runs TensorFlow operations on files"),
    ("jinja2", "renders templates"),
    ("venv", "creates environments"),
    ("ensurepip", "installs packages"),
    ("pip", "installs packages"),
    ("setuptools", "runs build commands"),
    ("distutils", "runs build commands"),
    ("uuid", "runs commands to read the host"),
    ("xmlrpc", "opens a network connection"),
    ("logging", "writes files or opens sockets"),
    ("gc", "reaches every live object"),
    ("inspect", "reaches frames and code"),
    ("ast", "compiles Python code"),
    ("_interpreters", "runs Python source in a subinterpreter"),
    ("_xxsubinterpreters", "runs Python source in a subinterpreter"),
    ("idlelib", "runs Python code from an IDE helper"),
    ("lib2to3", "rewrites and writes Python files"),
    ("torch.utils.collect_env", "runs shell commands"),
    ("mlflow", "runs projects and entry points"),
    ("pandas.io", "reads files and URLs"),
    ("pydoc", "imports modules and opens a browser"),
    ("httplib", "makes an HTTP request"),
)

_SAFE_BUILTINS_ARE_NOT_DANGEROUS = frozenset(
    {"abs", "all", "any", "ascii", "bin", "callable", "chr", "divmod", "enumerate", "filter",
     "format", "hash", "hex", "id", "isinstance", "issubclass", "iter", "len", "map", "max",
     "min", "next", "oct", "ord", "pow", "repr", "reversed", "round", "sorted", "sum", "zip",
     "Exception", "ValueError", "TypeError", "KeyError", "RuntimeError"}
)  # fmt: skip
"""Builtins that cannot reach code on their own: unverified (high), not critical."""

_DANGER_EXACT: dict[str, str] = {
    "builtins.eval": "evaluates Python code",
    "builtins.exec": "executes Python code",
    "builtins.compile": "compiles Python code",
    "builtins.open": "opens a file",
    "builtins.__import__": "imports arbitrary code",
    "builtins.getattr": "reaches any attribute of an object",
    "builtins.setattr": "overwrites an attribute",
    "builtins.delattr": "deletes an attribute",
    "builtins.breakpoint": "starts a debugger",
    "builtins.input": "reads from the terminal",
    "builtins.apply": "calls a function indirectly",
    "builtins.execfile": "executes a Python file",
    "builtins.file": "opens a file",
    "os.system": "runs a shell command",
    "posix.system": "runs a shell command",
    "nt.system": "runs a shell command",
    "os.popen": "runs a shell command",
    "posix.popen": "runs a shell command",
    "nt.popen": "runs a shell command",
    "subprocess.Popen": "starts a process",
    "subprocess.run": "starts a process",
    "subprocess.call": "starts a process",
    "subprocess.check_call": "starts a process",
    "subprocess.check_output": "starts a process",
    "subprocess.getoutput": "runs a shell command",
    "subprocess.getstatusoutput": "runs a shell command",
}

SHELL_CALLS = frozenset(
    {"os.system", "posix.system", "nt.system", "os.popen", "posix.popen", "nt.popen",
     "subprocess.getoutput", "subprocess.getstatusoutput", "commands.getoutput"}
)  # fmt: skip
"""Callables whose first argument is a shell command line."""


def _danger(qualname: str, module: str, name: str) -> str:
    exact = _DANGER_EXACT.get(qualname)
    if exact:
        return exact
    if any(part.startswith("__") and part.endswith("__") for part in name.split(".")):
        return "reaches interpreter internals through a dunder attribute"
    for prefix, what in _DANGEROUS_MODULES:
        if module == prefix or module.startswith(prefix + "."):
            if module in ("builtins", "__builtin__") and name in _SAFE_BUILTINS_ARE_NOT_DANGEROUS:
                return ""
            return what
    return ""


def judge(module: str, name: str, extra: Iterable[str] = ()) -> Judgement:
    """The verdict on the global ``module.name``; ``extra`` is the tier-2 allowlist.

    A dotted ``name`` is a chain of attribute look-ups (protocol 4): it passes only when the
    whole ``module.name`` is listed exactly.
    """
    qualname = f"{module}.{name}"
    if qualname in TIER0:
        return Judgement(Verdict.ALLOWED, tier=0)
    if qualname in TIER1:
        return Judgement(Verdict.ALLOWED, tier=1)
    if qualname in frozenset(extra):
        return Judgement(Verdict.ALLOWED, tier=2)
    danger = _danger(qualname, module, name)
    if danger:
        return Judgement(Verdict.DANGEROUS, danger=danger)
    return Judgement(Verdict.UNVERIFIED)
