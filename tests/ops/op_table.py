"""The op suite's table: one row per op, written by hand as data (README.md says how to add one).

A row is
    R(name, op, body, inputs, *samples, xfail=..., only=..., consts=..., mods=...)
- name: the row's name (unique; case names are <name>__<sample>__<mode>).
- op: the ATen/prim op (with overload, "" = the default overload) the frozen graph must hold:
  make_op_cases.py records reaches_op and a row that does not reach its op is a bug in the row.
- body: an expression (becomes `return <expr>`) or a forward body with its own `return`, over the
  named inputs; every non-tensor argument is a literal written into it. `self.<name>` reads a
  buffer from consts={name: "tensor expression"} or a submodule from mods={name: "constructor"}
  (both become constants when frozen). op_helpers.py's functions may be called there.
- inputs: input specs, kiln's syntax NAME:DTYPE:DIMS[:LO..HI] (DIMS x-separated, N static,
  SYMBOL=N dynamic with example size N; LO..HI the value range, which kiln's own verification
  draws from too), built with the helpers below: f() normal floats, pos() positive, unit() in
  (-0.9, 0.9), i() ints in [lo, hi), b() bool masks; gen="special" (NaN/inf sprinkled in) and
  gen="distinct" (no ties) change only the suite's reference values.
- samples: S(body=None, inputs=None, xfail=None): more literals/shapes; None inherits the
  row's. The quick set runs sample 0 only.
- xfail=xfail(mode or None, reason): an expected failure with its written reason (required).
- only=script_only(reason) / trace_only(reason): a row that one freeze mode cannot express
  (e.g. int arithmetic, which a trace records as tensor ops), with the reason.
"""

ROWS = []
EXCLUDED = {}  # op -> reason; filled at the end of the file
_NAMES = set()


class In:
    def __init__(self, spec: str, gen: str = None):
        self.spec = spec
        self.gen = gen
        self.name = spec.split(":")[0]


def _spec(name, dtype, dims, lo=None, hi=None):
    rng = "" if lo is None else f":{_n(lo)}..{_n(hi)}"
    return f"{name}:{dtype}:{dims}{rng}"


def _n(v):
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def f(dims="batch=2x3x4", name="x", lo=None, hi=None, gen=None, dtype="float32"):
    """floats: standard normal, or uniform in [lo, hi)."""
    return In(_spec(name, dtype, dims, lo, hi), gen)


def pos(dims="batch=2x3x4", name="x"):
    return f(dims, name, 0.1, 2)


def unit(dims="batch=2x3x4", name="x"):
    return f(dims, name, -0.9, 0.9)


def h(dims="batch=2x3x4", name="x"):
    return f(dims, name, dtype="float16")


def d64(dims="batch=2x3x4", name="x"):
    return f(dims, name, dtype="float64")


def i(dims="batch=2x3x4", name="x", lo=0, hi=10, dtype="int64"):
    """ints in [lo, hi)."""
    return In(_spec(name, dtype, dims, lo, hi))


def i32(dims="batch=2x3x4", name="x", lo=0, hi=10):
    return i(dims, name, lo, hi, "int32")


def b(dims="batch=2x3x4", name="m"):
    return In(_spec(name, "bool", dims))


def dims(inp: In, new_dims: str) -> In:
    """The same input (name, dtype, range, generator) with other dims."""
    parts = inp.spec.split(":")
    parts[2] = new_dims
    return In(":".join(parts), inp.gen)


def xfail(mode, reason):
    if not reason or not reason.strip():
        raise ValueError("an xfail needs a written reason")
    if mode not in (None, "trace", "script"):
        raise ValueError(f"xfail mode {mode!r}")
    return (mode, reason)


def script_only(reason):
    return ("script", reason)


def trace_only(reason):
    return ("trace", reason)


def _xfails(x):
    if x is None:
        return []
    return [x] if isinstance(x, tuple) else list(x)


class S:
    def __init__(self, body=None, inputs=None, xfail=None):
        self.body = body
        self.inputs = [inputs] if isinstance(inputs, In) else inputs
        self.xfails = _xfails(xfail)

    def xfail_for(self, mode):
        return next((r for m, r in self.xfails if m in (None, mode)), None)


class Row:
    def __init__(self, name, op, body, inputs, *samples, xfail=None, only=None, consts=None, mods=None):
        self.name, self.op, self.consts, self.mods = name, op, consts, mods
        inputs = [inputs] if isinstance(inputs, In) else list(inputs)
        first = S(body, inputs)
        self.samples = [first]
        for s in samples:
            if isinstance(s, str):
                s = S(s)
            self.samples.append(S(s.body if s.body is not None else body,
                                  s.inputs if s.inputs is not None else inputs, s.xfails))
        self.xfails = _xfails(xfail)
        self.modes = ("trace", "script") if only is None else (only[0],)
        self.mode_limits = {} if only is None else {"script" if only[0] == "trace" else "trace": only[1]}

    def xfail_for(self, mode):
        return next((r for m, r in self.xfails if m in (None, mode)), None)


def R(name, op, body, inputs, *samples, **kw):
    if name in _NAMES:
        raise ValueError(f"row {name} twice")
    if "::" not in op:
        raise ValueError(f"row {name}: op {op!r} needs its namespace")
    _NAMES.add(name)
    ROWS.append(Row(name, op, body, inputs, *samples, **kw))


X = f()                        # x:float32:batch=2x3x4
X2 = f("batch=2x3")            # x:float32:batch=2x3
Y = f(name="y")                # y:float32:batch=2x3x4
IMG = f("batch=2x3x8x8")       # NCHW
TRACE_INTS = script_only("a trace records Python int/bool/float arithmetic on sizes as tensor ops "
                         "(prim::NumToTensor + aten tensor ops), so only script reaches this overload")
TRACE_CONTROL = script_only("a trace records one path through Python control flow and containers; "
                            "only script keeps the construct")


# =============================================================================================
# Elementwise unary math. (op, input, kiln has an in-place variant row too)
UNARY = [
    ("abs", X), ("acos", unit()), ("asin", unit()), ("atan", X), ("ceil", X), ("cos", X),
    ("erf", X), ("exp", X), ("floor", X), ("log", pos()), ("log10", pos()), ("log1p", f(lo=-0.5, hi=2)),
    ("log2", pos()), ("neg", X), ("reciprocal", pos()), ("rsqrt", pos()), ("sigmoid", X),
    ("sign", X), ("sin", X), ("sqrt", pos()), ("square", X), ("tan", unit()), ("tanh", X),
    ("round", f(lo=-20, hi=20)), ("frac", f(lo=-5, hi=5)), ("trunc", f(lo=-5, hi=5)),
    ("acosh", f(lo=1.1, hi=3)), ("asinh", X), ("atanh", unit()), ("cosh", X), ("sinh", X),
    ("exp2", X), ("expm1", X),
]
# In-place variants (x.clone().op_()) kiln converts; the peer has none of these names.
INPLACE = {"abs", "acos", "asin", "atan", "ceil", "cos", "erf", "exp", "floor", "log", "log10",
           "log1p", "log2", "neg", "reciprocal", "rsqrt", "sigmoid", "sign", "sin", "sqrt",
           "square", "tan", "tanh", "round", "frac", "trunc", "acosh", "asinh", "atanh", "cosh",
           "sinh", "exp2", "expm1"}
for _op, _inp in UNARY:
    R(_op, f"aten::{_op}", f"torch.{_op}(x)", _inp,
      S(f"x.{_op}()", dims(_inp, "5")),
      S(f"torch.{_op}(x[0, 0, 0])"))
    if _op in INPLACE:
        R(_op + "_", f"aten::{_op}_", f"x.clone().{_op}_()", _inp,
          S(f"y = x * 1.0\ny.{_op}_()\nreturn y"))
R("round_decimals", "aten::round.decimals", "torch.round(x, decimals=2)", f(lo=-20, hi=20),
  S("torch.round(x, decimals=-1)"))
R("round__decimals", "aten::round_.decimals", "x.clone().round_(decimals=1)", f(lo=-20, hi=20))
R("sgn", "aten::sgn", "torch.sgn(x)", X)
R("positive", "aten::positive", "torch.positive(x) * 2.0", X)
R("bitwise_not", "aten::bitwise_not", "torch.bitwise_not(x)", i(lo=-50, hi=50),
  S(inputs=b(name="x")), S("~x", i32(lo=-5, hi=5)))
R("logical_not", "aten::logical_not", "torch.logical_not(x)", b(name="x"),
  S(inputs=f()), S(inputs=i(lo=0, hi=2)))
R("isnan", "aten::isnan", "torch.isnan(x)", f(gen="special"))
R("isinf", "aten::isinf", "torch.isinf(x)", f(gen="special"))
R("isfinite", "aten::isfinite", "torch.isfinite(x)", f(gen="special"), S(inputs=i()))
R("nan_to_num", "aten::nan_to_num", "torch.nan_to_num(x)", f(gen="special"),
  S("torch.nan_to_num(x, nan=0.5, posinf=9.0, neginf=-9.0)"))
R("nan_to_num_", "aten::nan_to_num_", "x.clone().nan_to_num_(1.0, 2.0, -2.0)", f(gen="special"))
R("logit", "aten::logit", "torch.logit(x)", f(lo=0.05, hi=0.95), S("torch.logit(x, eps=0.2)", f()))
R("logit_", "aten::logit_", "x.clone().logit_()", f(lo=0.05, hi=0.95))
R("conj_physical", "aten::conj_physical", "torch.conj_physical(x)", X)
R("conj", "aten::conj", "torch.conj(x) + 1.0", X,
  only=script_only("a trace drops conj of a real tensor (a no-op view)"))
R("resolve_conj", "aten::resolve_conj", "torch.resolve_conj(x)", X)
R("resolve_neg", "aten::resolve_neg", "torch.resolve_neg(x)", X)

# =============================================================================================
# Activations
R("relu", "aten::relu", "torch.relu(x)", X, S("F.relu(x)", f("7")))
R("relu_", "aten::relu_", "torch.relu_(x.clone())", X, S("y = x + 0.0\ny.relu_()\nreturn y"))
R("relu6", "aten::relu6", "F.relu6(x)", f(lo=-8, hi=8))
R("relu6_", "aten::relu6_", "F.relu6(x.clone(), inplace=True)", f(lo=-8, hi=8))
R("elu", "aten::elu", "F.elu(x)", X, S("F.elu(x, alpha=0.5)"))
R("elu_", "aten::elu_", "F.elu(x.clone(), alpha=1.5, inplace=True)", X)
R("celu", "aten::celu", "F.celu(x, alpha=0.7)", X, S("torch.celu(x)"))
R("celu_", "aten::celu_", "F.celu(x.clone(), inplace=True)", X)
R("selu", "aten::selu", "F.selu(x)", X)
R("selu_", "aten::selu_", "F.selu(x.clone(), inplace=True)", X)
R("gelu", "aten::gelu", "F.gelu(x)", X, S("F.gelu(x, approximate='tanh')"))
R("gelu_", "aten::gelu_", "torch.ops.aten.gelu_(x.clone())", X,
  S("torch.ops.aten.gelu_(x.clone(), approximate='tanh')"))
R("glu", "aten::glu", "F.glu(x)", f("batch=2x3x4"), S("F.glu(x, dim=1)", f("batch=2x6x3")),
  S("F.glu(x, 0)", f("4x3")))
R("hardshrink", "aten::hardshrink", "F.hardshrink(x)", X, S("F.hardshrink(x, 0.2)"))
R("softshrink", "aten::softshrink", "F.softshrink(x)", X, S("F.softshrink(x, 0.2)"))
R("hardsigmoid", "aten::hardsigmoid", "F.hardsigmoid(x)", f(lo=-5, hi=5))
R("hardsigmoid_", "aten::hardsigmoid_", "F.hardsigmoid(x.clone(), inplace=True)", f(lo=-5, hi=5))
R("hardswish", "aten::hardswish", "F.hardswish(x)", f(lo=-5, hi=5))
R("hardswish_", "aten::hardswish_", "F.hardswish(x.clone(), inplace=True)", f(lo=-5, hi=5))
R("hardtanh", "aten::hardtanh", "F.hardtanh(x)", f(lo=-3, hi=3), S("F.hardtanh(x, -0.5, 2.0)"))
R("hardtanh_", "aten::hardtanh_", "F.hardtanh(x.clone(), -0.5, 0.5, inplace=True)", X)
R("leaky_relu", "aten::leaky_relu", "F.leaky_relu(x)", X, S("F.leaky_relu(x, 0.2)"))
R("leaky_relu_", "aten::leaky_relu_", "F.leaky_relu(x.clone(), 0.1, inplace=True)", X)
R("log_sigmoid", "aten::log_sigmoid", "F.logsigmoid(x)", X)
R("mish", "aten::mish", "F.mish(x)", X)
R("mish_", "aten::mish_", "F.mish(x.clone(), inplace=True)", X)
R("silu", "aten::silu", "F.silu(x)", X)
R("silu_", "aten::silu_", "F.silu(x.clone(), inplace=True)", X)
R("softplus", "aten::softplus", "F.softplus(x)", X, S("F.softplus(x, beta=2.0, threshold=1.0)"))
R("threshold", "aten::threshold", "F.threshold(x, 0.1, 20.0)", X)
R("threshold_", "aten::threshold_", "F.threshold(x.clone(), 0.1, -1.0, inplace=True)", X)
R("rrelu", "aten::rrelu", "F.rrelu(x, training=False)", X, S("F.rrelu(x, 0.1, 0.3, False)"))
R("rrelu_", "aten::rrelu_", "F.rrelu(x.clone(), training=False, inplace=True)", X)
R("prelu", "aten::prelu", "F.prelu(x, self.w)", f("batch=2x3x4x4"), consts={"w": "torch.rand(3) * 0.5"})
R("prelu_scalar", "aten::prelu", "F.prelu(x, self.w)", X, consts={"w": "torch.tensor([0.25])"})
R("_prelu_kernel", "aten::_prelu_kernel", "torch._prelu_kernel(x, self.w)", f("batch=2x3x4x4"),
  consts={"w": "torch.rand(3, 1, 1) * 0.5"})
R("tanhshrink_fn", "aten::tanh", "F.tanhshrink(x)", X)
R("softmax", "aten::softmax.int", "torch.softmax(x, 1)", X, S("F.softmax(x, dim=-1)"),
  S("torch.softmax(x, 0, dtype=torch.float64)"))
R("log_softmax", "aten::log_softmax.int", "torch.log_softmax(x, 1)", X, S("F.log_softmax(x, -1)"))
R("_softmax", "aten::_softmax", "torch._softmax(x, -1, False)", X)
R("_log_softmax", "aten::_log_softmax", "torch._log_softmax(x, 2, False)", X)
