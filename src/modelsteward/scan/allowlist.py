"""The tiered allowlist of callables a pickle may name, and the verdict on a global.

The verdict is by allowlist: a global that no tier lists is at least ``high``. The danger
table (``danger.py``) only makes the message precise (and the severity ``critical``); it is
never what lets a global through.
"""

from __future__ import annotations

import enum

from modelsteward._records import Frozen
from modelsteward.scan.danger import danger_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable


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


class Judgement(Frozen):
    """The verdict on one ``module.name`` and, when dangerous, what it can do."""

    verdict: Verdict
    tier: int | None = None
    """Which allowlist tier let it through (0, 1, 2), when allowed."""
    state_only: bool = False
    """Trusted only when built from state (``NEWOBJ``), not when called with arguments."""
    danger: str = ""
    """What the target can do, when dangerous: ``runs a shell command``."""


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
    from modelsteward.scan.allowlist_libs import Construction, library

    construction = library().get(qualname)
    if construction is not None:
        return Judgement(Verdict.ALLOWED, tier=1, state_only=construction is Construction.STATE)
    if qualname in frozenset(extra):
        return Judgement(Verdict.ALLOWED, tier=2)
    danger = danger_of(qualname, module, name)
    if danger:
        return Judgement(Verdict.DANGEROUS, danger=danger)
    return Judgement(Verdict.UNVERIFIED)
