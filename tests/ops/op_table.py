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
- step=: for a row whose output is quantized (static qparams), its quantization step: an output
  also passes when no element is more than one step off (ONNX Runtime's int8 kernels and
  LibTorch's round ties differently; kiln's own export verification allows the same).
- opset=: the row's ONNX opset instead of the suite's (17), for an op whose ONNX form exists only
  from a later opset (BitwiseAnd on ints: 18; Resize's antialias: 18; 5-D GridSample: 20); kiln
  refuses it below that opset, naming the opset.
- engine=: the quantized engine the row's module is built and its references run with (default:
  QNNPACK, make_op_cases.py's), for a row QNNPACK cannot save.
- tol=: the row's bound on the relative mean abs error instead of 1e-4 — only for dynamically
  quantized rows (QUANTIZED_TOL, kiln's bound for DynamicQuantizeLinear graphs: the activation
  scale is computed at run time, so there is no fixed step).
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


# The bound for quantized rows (kiln's kVerifyToleranceQuantized).
QUANTIZED_TOL = 2e-2


class Row:
    def __init__(self, name, op, body, inputs, *samples, xfail=None, only=None, consts=None, mods=None, tol=None,
                 step=None, opset=None, engine=None):
        self.name, self.op, self.consts, self.mods, self.tol, self.step = name, op, consts, mods, tol, step
        self.opset = opset
        self.engine = engine  # the quantized engine the row is built and its references run with
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
TRACE_SCALAR = script_only("a trace records a number operand as a wrapped 0-d tensor, so it reaches "
                           "the .Tensor overload; only script keeps the .Scalar one")
TRACE_CORRECTION = script_only("a trace records the Python binding's .correction overload; the "
                               "*_correction rows cover the op in traces")
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


# =============================================================================================
# Binary arithmetic. Overloads: .Tensor (tensor operand, with broadcasting samples), .Scalar
# (a number literal), .int/.float (Python numbers from a dynamic size, script only).
XY = [X, Y]
XB = [X, f("4", name="y")]            # broadcasting
XI = [i(name="x", lo=-20, hi=20), i(name="y", lo=1, hi=7)]
R("add_Tensor", "aten::add.Tensor", "x + y", XY, S(inputs=XB), S("torch.add(x, y, alpha=2)"),
  S(inputs=XI), S("x + y", [f("batch=2x1x4"), f("3x1", name="y")]))
R("add_Scalar", "aten::add.Scalar", "torch.add(x, 2.5)", X, S("torch.add(x, 3)", i()),
  S("torch.add(x, 2, alpha=3)"), only=TRACE_SCALAR)
R("add_int", "aten::add.int", "x * (x.size(0) + 1)", X, only=TRACE_INTS)
R("add_float", "aten::add.float", "x * (float(x.size(0)) + 0.5)", X, only=TRACE_INTS)
R("add_int_float", "aten::add.int_float", "x * (x.size(0) + 0.5)", X, only=TRACE_INTS)
R("add_float_int", "aten::add.float_int", "x * (0.5 + x.size(0))", X, only=TRACE_INTS)
R("add_t", "aten::add.t", "x.reshape(list(x.size()[:1]) + [-1])", X, only=TRACE_INTS)
R("add__Tensor", "aten::add_.Tensor", "y2 = y.clone()\ny2.add_(x)\nreturn y2", XY,
  S("y2 = y.clone()\ny2 += x\nreturn y2"))
R("add__Scalar", "aten::add_.Scalar", "x.clone().add_(1.5)", X, only=TRACE_SCALAR)
R("sub_Tensor", "aten::sub.Tensor", "x - y", XY, S(inputs=XB), S("torch.sub(x, y, alpha=0.5)"), S(inputs=XI))
R("sub_Scalar", "aten::sub.Scalar", "torch.sub(x, 2.5)", X, S("torch.sub(x, 3)", i()), only=TRACE_SCALAR)
R("sub_int", "aten::sub.int", "x * (x.size(0) - 3)", X, only=TRACE_INTS)
R("sub_float", "aten::sub.float", "x * (float(x.size(0)) - 0.5)", X, only=TRACE_INTS)
R("sub__Tensor", "aten::sub_.Tensor", "y2 = y.clone()\ny2.sub_(x)\nreturn y2", XY)
R("sub__Scalar", "aten::sub_.Scalar", "x.clone().sub_(1.5)", X, only=TRACE_SCALAR)
R("rsub_Scalar", "aten::rsub.Scalar", "torch.rsub(x, 1.5)", X, S("torch.rsub(x, 2, alpha=3)", i()), only=TRACE_SCALAR)
R("mul_Tensor", "aten::mul.Tensor", "x * y", XY, S(inputs=XB), S(inputs=XI),
  S("x * y", [b(name="x"), b(name="y")]))
R("mul_Scalar", "aten::mul.Scalar", "torch.mul(x, 1.5)", X, S("torch.mul(x, 3)", i()), only=TRACE_SCALAR)
R("mul_int", "aten::mul.int", "x * (x.size(0) * 3)", X, only=TRACE_INTS)
R("mul_float", "aten::mul.float", "x * (float(x.size(0)) * 0.5)", X, only=TRACE_INTS)
R("mul_left_t", "aten::mul.left_t", "x.new_zeros([x.size(0)] * 2) + 1.0", X, only=TRACE_INTS)
R("mul__Tensor", "aten::mul_.Tensor", "y2 = y.clone()\ny2.mul_(x)\nreturn y2", XY,
  S("y2 = y.clone()\ny2 *= x\nreturn y2"))
R("mul__Scalar", "aten::mul_.Scalar", "x.clone().mul_(1.5)", X, only=TRACE_SCALAR)
R("div_Tensor", "aten::div.Tensor", "x / y", [X, pos(name="y")], S(inputs=[X, pos("4", "y")]),
  S("x / y", [i(name="x", lo=-20, hi=20), i(name="y", lo=1, hi=7)]))
R("div_Scalar", "aten::div.Scalar", "torch.div(x, 2.5)", X, S("torch.div(x, 4)", i()), only=TRACE_SCALAR)
R("div_Tensor_mode", "aten::div.Tensor_mode", "torch.div(x, y, rounding_mode='floor')",
  [f(lo=-9, hi=9), pos(name="y")], S("torch.div(x, y, rounding_mode='trunc')"),
  S("torch.div(x, y, rounding_mode='floor')", [i(name="x", lo=-20, hi=20), i(name="y", lo=1, hi=7)]),
  S("torch.div(x, y, rounding_mode='trunc')", [i(name="x", lo=-20, hi=20), i(name="y", lo=1, hi=7)]))
R("div_Scalar_mode", "aten::div.Scalar_mode", "torch.div(x, 2.5, rounding_mode='floor')", f(lo=-9, hi=9),
  S("torch.div(x, 3, rounding_mode='trunc')", i(lo=-20, hi=20)), only=TRACE_SCALAR)
R("div_int", "aten::div.int", "x * (x.size(0) / 3)", X, only=TRACE_INTS)
R("div_float", "aten::div.float", "x * (float(x.size(0)) / 3.0)", X, only=TRACE_INTS)
R("div__Tensor", "aten::div_.Tensor", "y2 = x.clone()\ny2.div_(y)\nreturn y2", [X, pos(name="y")],
  S("y2 = x.clone()\ny2 /= y\nreturn y2"))
R("div__Scalar", "aten::div_.Scalar", "x.clone().div_(2.0)", X, only=TRACE_SCALAR)
R("div__Tensor_mode", "aten::div_.Tensor_mode", "x.clone().div_(y, rounding_mode='floor')", [X, pos(name="y")])
R("div__Scalar_mode", "aten::div_.Scalar_mode", "x.clone().div_(0.7, rounding_mode='trunc')", X, only=TRACE_SCALAR)
R("floor_divide", "aten::floor_divide", "torch.floor_divide(x, y)", [f(lo=-9, hi=9), pos(name="y")],
  S(inputs=[i(name="x", lo=-20, hi=20), i(name="y", lo=1, hi=7)]), S("x // y"))
R("floor_divide_Scalar", "aten::floor_divide.Scalar", "torch.floor_divide(x, 3)", i(lo=-20, hi=20),
  S("x // 0.7", f()), only=TRACE_SCALAR)
R("floor_divide__Tensor", "aten::floor_divide_.Tensor", "x.clone().floor_divide_(y)",
  [i(name="x", lo=-20, hi=20), i(name="y", lo=1, hi=7)])
R("floor_divide__Scalar", "aten::floor_divide_.Scalar", "x.clone().floor_divide_(3)", i(lo=-20, hi=20), only=TRACE_SCALAR)
R("floordiv_int", "aten::floordiv.int", "x * (x.size(0) // 3)", f("batch=4x3"), only=TRACE_INTS)
R("floordiv_float", "aten::floordiv.float", "x * (float(x.size(0)) // 1.5)", X, only=TRACE_INTS)
R("floordiv_int_float", "aten::floordiv.int_float", "x * (x.size(0) // 1.5)", X, only=TRACE_INTS)
R("floordiv_float_int", "aten::floordiv.float_int", "x * (float(x.size(0)) // 3)", X, only=TRACE_INTS)
R("remainder_Tensor", "aten::remainder.Tensor", "torch.remainder(x, y)", [f(lo=-9, hi=9), pos(name="y")],
  S(inputs=[i(name="x", lo=-20, hi=20), i(name="y", lo=1, hi=7)]), S("x % y"))
R("remainder_Scalar", "aten::remainder.Scalar", "torch.remainder(x, 1.5)", f(lo=-9, hi=9),
  S("x % 3", i(lo=-20, hi=20)), only=TRACE_SCALAR)
R("remainder_Scalar_Tensor", "aten::remainder.Scalar_Tensor", "torch.remainder(5.0, x)", pos(), only=TRACE_SCALAR)
R("remainder_int", "aten::remainder.int", "x * (x.size(0) % 3)", X, only=TRACE_INTS)
R("remainder_float", "aten::remainder.float", "x * (float(x.size(0)) % 1.5)", X, only=TRACE_INTS)
R("remainder__Tensor", "aten::remainder_.Tensor", "x.clone().remainder_(y)", [f(lo=-9, hi=9), pos(name="y")])
R("remainder__Scalar", "aten::remainder_.Scalar", "x.clone().remainder_(1.5)", f(lo=-9, hi=9), only=TRACE_SCALAR)
R("fmod_Tensor", "aten::fmod.Tensor", "torch.fmod(x, y)", [f(lo=-9, hi=9), pos(name="y")],
  S(inputs=[i(name="x", lo=-20, hi=20), i(name="y", lo=1, hi=7)]))
R("fmod_Scalar", "aten::fmod.Scalar", "torch.fmod(x, 1.5)", f(lo=-9, hi=9), S("torch.fmod(x, 3)", i(lo=-20, hi=20)), only=TRACE_SCALAR)
R("pow_Tensor_Tensor", "aten::pow.Tensor_Tensor", "torch.pow(x, y)", [pos(), f(name="y", lo=-2, hi=2)],
  S(inputs=[i(name="x", lo=0, hi=5), i(name="y", lo=0, hi=4)]))
R("pow_Tensor_Scalar", "aten::pow.Tensor_Scalar", "torch.pow(x, 2)", X, S("x ** 0.5", pos()), S("x ** 3", i()),
  S("x ** -1.5", pos()), only=TRACE_SCALAR)
R("pow_Scalar", "aten::pow.Scalar", "torch.pow(2.0, x)", X, S("2 ** x", i(lo=0, hi=8)), only=TRACE_SCALAR)
R("pow_int", "aten::pow.int", "x * (x.size(0) ** 2)", X, only=TRACE_INTS)
R("pow_float", "aten::pow.float", "x * (float(x.size(0)) ** 0.5)", X, only=TRACE_INTS)
R("atan2", "aten::atan2", "torch.atan2(x, y)", XY, S(inputs=XB))
R("maximum", "aten::maximum", "torch.maximum(x, y)", XY, S(inputs=XB), S(inputs=XI))
R("minimum", "aten::minimum", "torch.minimum(x, y)", XY, S(inputs=XB), S(inputs=XI))
R("fmax", "aten::fmax", "torch.fmax(x, y)", [f(gen="special"), Y])
R("fmin", "aten::fmin", "torch.fmin(x, y)", [f(gen="special"), Y])
R("max_other", "aten::max.other", "torch.max(x, y)", XY, S(inputs=XB))
R("min_other", "aten::min.other", "torch.min(x, y)", XY, S(inputs=XB))
R("lerp_Scalar", "aten::lerp.Scalar", "torch.lerp(x, y, 0.3)", XY, only=TRACE_SCALAR)
R("lerp_Tensor", "aten::lerp.Tensor", "torch.lerp(x, y, w)", [X, Y, f("4", name="w", lo=0, hi=1)])
R("addcmul", "aten::addcmul", "torch.addcmul(x, y, z)", [X, Y, f("4", name="z")],
  S("torch.addcmul(x, y, z, value=0.5)"))
R("addcmul_", "aten::addcmul_", "x.clone().addcmul_(y, z, value=0.5)", [X, Y, f("4", name="z")],
  S("y2 = y.clone()\ny2.addcmul_(x, z)\nreturn y2"))
R("addcdiv", "aten::addcdiv", "torch.addcdiv(x, y, z)", [X, Y, pos("4", "z")], S("torch.addcdiv(x, y, z, value=-0.5)"),
  S(inputs=[X, Y, pos(name="z")]))
R("addcdiv_", "aten::addcdiv_", "x.clone().addcdiv_(y, z, value=2.0)", [X, Y, pos("4", "z")])
R("atan2_", "aten::atan2_", "x.clone().atan2_(y)", XY, S(inputs=XB))
R("hypot", "aten::hypot", "torch.hypot(x, y)", XY, S(inputs=XB))
R("hypot_", "aten::hypot_", "x.clone().hypot_(y)", XY)
R("logaddexp", "aten::logaddexp", "torch.logaddexp(x, y)", XY, S(inputs=XB), S(inputs=[f(gen="special"), f(gen="special", name="y")]),
  S(inputs=[f(lo=-200, hi=200), f(name="y", lo=-200, hi=200)]))
R("xlogy_Tensor", "aten::xlogy.Tensor", "torch.xlogy(torch.relu(x), y)", [X, pos(name="y")],
  S("torch.xlogy(x, y)", [f(lo=-2, hi=2), pos("4", "y")]))
R("xlogy_Scalar_Other", "aten::xlogy.Scalar_Other", "torch.xlogy(torch.relu(x), 2.5)", X, only=TRACE_SCALAR)
R("xlogy_Scalar_Self", "aten::xlogy.Scalar_Self", "torch.xlogy(1.5, y)", pos(name="y"), only=TRACE_SCALAR)
R("lerp__Scalar", "aten::lerp_.Scalar", "x.clone().lerp_(y, 0.3)", XY, only=TRACE_SCALAR)
R("lerp__Tensor", "aten::lerp_.Tensor", "x.clone().lerp_(y, w)", [X, Y, f("4", name="w", lo=0, hi=1)])
R("fmod__Tensor", "aten::fmod_.Tensor", "x.clone().fmod_(y)", [f(lo=-9, hi=9), pos(name="y")],
  S(inputs=[i(name="x", lo=-20, hi=20), i(name="y", lo=1, hi=7)]))
R("fmod__Scalar", "aten::fmod_.Scalar", "x.clone().fmod_(1.5)", f(lo=-9, hi=9), only=TRACE_SCALAR)

R("clamp", "aten::clamp", "torch.clamp(x, -0.5, 0.5)", X, S("torch.clamp(x, min=0.0)"), S("x.clamp(max=0.2)"),
  S("torch.clamp(x, 2, 5)", i()))
R("clamp_Tensor", "aten::clamp.Tensor", "torch.clamp(x, lo, hi)", [X, f("4", "lo", -1, 0), f("4", "hi", 0, 1)],
  S("torch.clamp(x, min=lo)"))
R("clamp_", "aten::clamp_", "x.clone().clamp_(-0.5, 0.5)", X)
R("clamp_max", "aten::clamp_max", "torch.clamp_max(x, 0.3)", X)
R("clamp_max_Tensor", "aten::clamp_max.Tensor", "torch.clamp_max(x, hi)", [X, f("4", "hi", 0, 1)])
R("clamp_min", "aten::clamp_min", "torch.clamp_min(x, -0.3)", X)
R("clamp_min_Tensor", "aten::clamp_min.Tensor", "torch.clamp_min(x, lo)", [X, f("4", "lo", -1, 0)])
R("clamp_max_", "aten::clamp_max_", "x.clone().clamp_max_(0.3)", X)
R("clamp_min_", "aten::clamp_min_", "x.clone().clamp_min_(-0.3)", X)
for _op, _sym in (("sub", "-"), ("mul", "*"), ("remainder", "%")):  # int/float mixes scripts to the generic aten::div
    R(f"{_op}_int_float", f"aten::{_op}.int_float", f"x * (x.size(0) {_sym} 1.5)", X, only=TRACE_INTS)
    R(f"{_op}_float_int", f"aten::{_op}.float_int", f"x * (7.5 {_sym} x.size(0))", X, only=TRACE_INTS)
R("neg_float", "aten::neg.float", "x * -float(x.size(0))", X, only=TRACE_INTS)
R("mul_right_", "aten::mul.right_", "x.new_zeros(2 * [x.size(0)]) + 1.0", X, only=TRACE_INTS)
R("sum_float", "aten::sum.float", "x * sum([float(x.size(0)), 0.5])", X, only=TRACE_INTS)
R("sum_bool", "aten::sum.bool", "x * sum([x.size(0) > 1, x.size(1) > 5])", X, only=TRACE_INTS)
# any/all over a generator of run-time bools: batch 2 and 4 take different branches.
R("any_bool", "aten::any.bool", "if any([s < 3 for s in x.shape]):\n    return x + 1.0\nreturn x - 1.0", X, only=TRACE_INTS)
R("all_bool", "aten::all.bool", "if all([s > 2 for s in x.shape]):\n    return x + 1.0\nreturn x - 1.0", X, only=TRACE_INTS)
R("any_int", "aten::any.int", "x * float(any([x.size(0) - 2, 0]))", X, only=TRACE_INTS)
R("prim_max_self_float", "prim::max.self_float", "x * max([float(x.size(0)), 2.5])", X, only=TRACE_INTS)
R("prim_min_self_float", "prim::min.self_float", "x * min([float(x.size(0)), 2.5])", X, only=TRACE_INTS)
R("__contains___int", "aten::__contains__.int", "d = {1: x + 1.0}\nif x.size(0) in d:\n    return d[1]\nreturn x", X, only=TRACE_CONTROL)
R("__contains___float", "aten::__contains__.float", "d = {0.5: x + 1.0}\nif 0.5 * float(x.size(0)) in d:\n    return x\nreturn d[0.5]", X,
  only=TRACE_CONTROL)
R("__contains___bool", "aten::__contains__.bool", "d = {True: x + 1.0}\nif (x.size(0) > 1) in d:\n    return d[True]\nreturn x", X,
  only=TRACE_CONTROL)

# Linear algebra
R("mm", "aten::mm", "torch.mm(x, y)", [f("batch=2x3"), f("3x5", name="y")])
R("bmm", "aten::bmm", "torch.bmm(x, y)", [f("batch=2x3x4"), f("batch=2x4x5", name="y")])
R("mv", "aten::mv", "torch.mv(x, y)", [f("batch=2x3"), f("3", name="y")])
R("dot", "aten::dot", "torch.dot(x, y)", [f("5"), f("5", name="y")])
R("outer", "aten::outer", "torch.outer(x, y)", [f("n=3"), f("4", name="y")])
R("matmul", "aten::matmul", "torch.matmul(x, y)", [f("batch=2x3x4"), f("4x5", name="y")],
  S(inputs=[f("batch=2x3x4"), f("batch=2x4x5", name="y")]), S(inputs=[f("4"), f("4", name="y")]),
  S(inputs=[f("batch=2x1x3x4"), f("5x4x2", name="y")]), S(inputs=[f("4"), f("batch=2x4x3", name="y")]),
  S(inputs=[f("batch=2x3x4"), f("4", name="y")]), S("x @ y", [f("batch=2x3"), f("3x5", name="y")]))
R("addmm", "aten::addmm", "torch.addmm(z, x, y)", [f("batch=2x3"), f("3x5", name="y"), f("5", name="z")],
  S("torch.addmm(z, x, y, beta=0.5, alpha=2.0)"))
R("baddbmm", "aten::baddbmm", "torch.baddbmm(z, x, y)",
  [f("batch=2x3x4"), f("batch=2x4x5", name="y"), f("3x5", name="z")], S("torch.baddbmm(z, x, y, beta=0.5, alpha=2.0)"))
R("linear", "aten::linear", "F.linear(x, self.w, self.b)", f("batch=2x3x4"),
  S("F.linear(x, self.w)"), consts={"w": "torch.randn(5, 4)", "b": "torch.randn(5)"})
R("linear_input_weight", "aten::linear", "F.linear(x, w)", [f("batch=2x4"), f("5x4", name="w")])
R("einsum", "aten::einsum", "torch.einsum('bij,bjk->bik', x, y)", [f("batch=2x3x4"), f("batch=2x4x5", name="y")],
  S("torch.einsum('bij->bji', x)", [X]), S("torch.einsum('bi,bi->b', x, y)", [f("batch=2x3"), f("batch=2x3", name="y")]),
  S("torch.einsum('ij,jk', x, y)", [f("batch=2x3"), f("3x5", name="y")]))
R("tensordot", "aten::tensordot", "torch.tensordot(x, y, dims=([2], [0]))", [X, f("4x5", name="y")],
  S("torch.tensordot(x, y, 2)", [X, f("3x4x5", name="y")]))
R("cross", "aten::cross", "torch.cross(x, y, dim=1)", [f("batch=2x3"), f("batch=2x3", name="y")])
R("linalg_cross", "aten::linalg_cross", "torch.linalg.cross(x, y)", [f("batch=2x3"), f("batch=2x3", name="y")],
  S("torch.linalg.cross(x, y, dim=0)", [f("3xn=4"), f("3xn=4", name="y")]))
R("linalg_det", "aten::linalg_det", "torch.linalg.det(x)", f("batch=2x3x3"))
R("logdet", "aten::logdet", "torch.logdet(x @ x.transpose(-1, -2) + torch.eye(3))", f("batch=2x3x3"))
R("cdist", "aten::cdist", "torch.cdist(x, y)", [f("batch=2x3x4"), f("batch=2x5x4", name="y")],
  S("torch.cdist(x, y, p=1.0)"))
R("cosine_similarity", "aten::cosine_similarity", "F.cosine_similarity(x, y)", XY, S("F.cosine_similarity(x, y, dim=2)"))
R("pairwise_distance", "aten::pairwise_distance", "F.pairwise_distance(x, y)", [f("batch=2x4"), f("batch=2x4", name="y")],
  S("F.pairwise_distance(x, y, p=1.0, keepdim=True)"))

# =============================================================================================
# Comparisons, logical and bitwise ops
for _cmp, _sym in (("eq", "=="), ("ne", "!="), ("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">=")):
    R(f"{_cmp}_Tensor", f"aten::{_cmp}.Tensor", f"x {_sym} y", [i(lo=0, hi=3), i(name="y", lo=0, hi=3)],
      S(inputs=XY), S(inputs=[i(name="x", lo=0, hi=3), i("4", name="y", lo=0, hi=3)]),
      S(f"torch.{_cmp}(x, y)", [b(name="x"), b(name="y")]))
    R(f"{_cmp}_Scalar", f"aten::{_cmp}.Scalar", f"x {_sym} 0.5", X, S(f"torch.{_cmp}(x, 3)", i()), only=TRACE_SCALAR)
    R(f"{_cmp}_int", f"aten::{_cmp}.int", f"x * float(x.size(0) {_sym} 3)", X, only=TRACE_INTS)
    R(f"{_cmp}_float", f"aten::{_cmp}.float", f"x * float(float(x.size(0)) {_sym} 3.0)", X, only=TRACE_INTS)
    R(f"{_cmp}_int_float", f"aten::{_cmp}.int_float", f"x * float(x.size(0) {_sym} 3.0)", X, only=TRACE_INTS)
    R(f"{_cmp}_float_int", f"aten::{_cmp}.float_int", f"x * float(float(x.size(0)) {_sym} 3)", X, only=TRACE_INTS)
    if _cmp in ("eq", "ne"):  # lists and bools compare only for equality in TorchScript
        R(f"{_cmp}_int_list", f"aten::{_cmp}.int_list", f"x * float(x.size() {_sym} [3, 3, 4])", X, only=TRACE_INTS)
        R(f"{_cmp}_float_list", f"aten::{_cmp}.float_list", f"x * float([float(x.size(0)), 1.5] {_sym} [3.0, 1.5])", X,
          only=TRACE_INTS)
        R(f"{_cmp}_bool", f"aten::{_cmp}.bool", f"x * float((x.size(0) > 3) {_sym} (x.size(1) > 2))", X, only=TRACE_INTS)
        R(f"{_cmp}_bool_list", f"aten::{_cmp}.bool_list", f"x * float([x.size(0) > 3, True] {_sym} [True, True])", X,
          only=TRACE_INTS)
    R(f"{_cmp}_str", f"aten::{_cmp}.str", f"x * float(x.device.type {_sym} 'cpu')", X, only=TRACE_INTS)
R("eq_device", "aten::eq.device", "x * float(x.device == torch.device('cpu'))", X, only=TRACE_INTS)
for _cmp in ("gt", "lt"):  # in-place comparisons: the result in x's dtype
    R(f"{_cmp}__Tensor", f"aten::{_cmp}_.Tensor", f"x.clone().{_cmp}_(y)", XY, S(inputs=XB),
      S(inputs=[i(lo=0, hi=3), i(name="y", lo=0, hi=3)]))
    R(f"{_cmp}__Scalar", f"aten::{_cmp}_.Scalar", f"x.clone().{_cmp}_(0.5)", X, only=TRACE_SCALAR)
R("logical_and", "aten::logical_and", "torch.logical_and(x, y)", [b(name="x"), b(name="y")],
  S(inputs=XY), S(inputs=[b(name="x"), b("4", name="y")]))
R("logical_or", "aten::logical_or", "torch.logical_or(x, y)", [b(name="x"), b(name="y")], S(inputs=XI))
R("logical_xor", "aten::logical_xor", "torch.logical_xor(x, y)", [b(name="x"), b(name="y")], S(inputs=XY))
for _op in ("and", "or", "xor"):
    R(f"logical_{_op}_", f"aten::logical_{_op}_", f"x.clone().logical_{_op}_(y)", [b(name="x"), b(name="y")],
      S(inputs=[f(name="x", lo=-1, hi=1), i(name="y", lo=0, hi=2)]))
BB = [b(name="x"), b(name="y")]
II = [i(name="x", lo=0, hi=64), i(name="y", lo=0, hi=64)]
for _op, _sym in (("and", "&"), ("or", "|"), ("xor", "^")):
    R(f"__{_op}___Tensor", f"aten::__{_op}__.Tensor", f"x {_sym} y", BB, S(inputs=II),
      S(inputs=[i32(name="x", lo=0, hi=64), i32("4", name="y", lo=0, hi=64)]), opset=18)
    R(f"__{_op}___Scalar", f"aten::__{_op}__.Scalar", f"x {_sym} 6", i(lo=0, hi=64), only=TRACE_SCALAR, opset=18)
    R(f"__{_op}___int", f"aten::__{_op}__.int", f"x * (x.size(0) {_sym} 6)", X, only=TRACE_INTS, opset=18)
    R(f"__{_op}___bool", f"aten::__{_op}__.bool", f"x * float((x.size(0) > 3) {_sym} (x.size(1) == 3))", X,
      only=TRACE_INTS)
R("bitwise_or_Tensor", "aten::bitwise_or.Tensor", "torch.bitwise_or(x, y)", II, S(inputs=BB), opset=18)
R("bitwise_or_Scalar", "aten::bitwise_or.Scalar", "torch.bitwise_or(x, 5)", i(lo=0, hi=64), only=TRACE_SCALAR, opset=18)
R("bitwise_or_Scalar_Tensor", "aten::bitwise_or.Scalar_Tensor", "torch.bitwise_or(5, x)", i(lo=0, hi=64), opset=18)
TRACE_IBITWISE = trace_only("script compiles `z &= y` (|=, ^=) to the out-of-place aten::bitwise_and/or/xor; only a "
                            "trace records aten::__iand__/__ior__/__ixor__")
for _op, _sym in (("and", "&"), ("or", "|"), ("xor", "^")):
    R(f"__i{_op}___Tensor", f"aten::__i{_op}__.Tensor", f"z = x.clone()\nz {_sym}= y\nreturn z", BB, S(inputs=II),
      only=TRACE_IBITWISE, opset=18)
    R(f"__i{_op}___Scalar", f"aten::__i{_op}__.Scalar", f"z = x.clone()\nz {_sym}= 6\nreturn z", i(lo=0, hi=64),
      only=TRACE_IBITWISE, opset=18)
    if _op != "or":  # the bitwise_or rows are above
        R(f"bitwise_{_op}_Tensor", f"aten::bitwise_{_op}.Tensor", f"torch.bitwise_{_op}(x, y)", II, S(inputs=BB),
          S(inputs=[i32(name="x", lo=0, hi=64), i32("4", name="y", lo=0, hi=64)]), opset=18)
        R(f"bitwise_{_op}_Scalar", f"aten::bitwise_{_op}.Scalar", f"torch.bitwise_{_op}(x, 5)", i(lo=0, hi=64),
          only=TRACE_SCALAR, opset=18)
        R(f"bitwise_{_op}_Scalar_Tensor", f"aten::bitwise_{_op}.Scalar_Tensor", f"torch.bitwise_{_op}(5, x)", i(lo=0, hi=64),
          opset=18)
    R(f"bitwise_{_op}__Tensor", f"aten::bitwise_{_op}_.Tensor", f"x.clone().bitwise_{_op}_(y)", II, S(inputs=BB), opset=18)
    R(f"bitwise_{_op}__Scalar", f"aten::bitwise_{_op}_.Scalar", f"x.clone().bitwise_{_op}_(5)", i(lo=0, hi=64),
      only=TRACE_SCALAR, opset=18)
for _op, _sym in (("lshift", "<<"), ("rshift", ">>")):
    _bw = "bitwise_left_shift" if _op == "lshift" else "bitwise_right_shift"
    R(f"__{_op}___Tensor", f"aten::__{_op}__.Tensor", f"x {_sym} y", [i(name="x", lo=0, hi=1000), i(name="y", lo=0, hi=5)])
    R(f"__{_op}___Scalar", f"aten::__{_op}__.Scalar", f"x {_sym} 2", i(lo=0, hi=1000), only=TRACE_SCALAR)
    R(f"__{_op}___int", f"aten::__{_op}__.int", f"x * (x.size(0) {_sym} 1)", X, only=TRACE_INTS)
    R(f"{_bw}_Tensor", f"aten::{_bw}.Tensor", f"torch.{_bw}(x, y)", [i(name="x", lo=0, hi=1000), i(name="y", lo=0, hi=5)])
    R(f"{_bw}_Tensor_Scalar", f"aten::{_bw}.Tensor_Scalar", f"torch.{_bw}(x, 3)", i(lo=0, hi=1000))
    R(f"{_bw}_Scalar_Tensor", f"aten::{_bw}.Scalar_Tensor", f"torch.{_bw}(1000, x)", i(lo=0, hi=5), only=TRACE_SCALAR)
R("__not__", "aten::__not__", "x * float(not (x.size(0) > 3))", X, only=TRACE_INTS)


# =============================================================================================
# Reductions
R("sum", "aten::sum", "torch.sum(x)", X, S(inputs=i()), S("torch.sum(x, dtype=torch.float64)"))
R("sum_dim_IntList", "aten::sum.dim_IntList", "torch.sum(x, 1)", X, S("x.sum(-1, keepdim=True)"),
  S("torch.sum(x, (0, 2))"), S("x.sum([1], dtype=torch.float64)"), S("torch.sum(x, 1)", b(name="x")),
  S("torch.sum(x, [])", X))
R("sum_int", "aten::sum.int", "x * sum(x.size())", X, only=TRACE_INTS)
R("mean", "aten::mean", "torch.mean(x)", X)
R("mean_dim", "aten::mean.dim", "torch.mean(x, 1)", X, S("x.mean(-1, keepdim=True)"), S("x.mean((0, 2))"),
  S("x.mean([2, 3])", IMG))
R("prod", "aten::prod", "torch.prod(x)", f("batch=2x3", lo=0.5, hi=1.5), S(inputs=i("batch=2x3", lo=1, hi=3)))
R("prod_dim_int", "aten::prod.dim_int", "torch.prod(x, 1)", f(lo=0.5, hi=1.5), S("x.prod(-1, keepdim=True)"),
  S("x.prod(0)", i(lo=1, hi=3)))
R("amax", "aten::amax", "torch.amax(x, 1)", X, S("torch.amax(x, (0, 2), keepdim=True)"), S("torch.amax(x, -1)", i()))
R("amin", "aten::amin", "torch.amin(x, 1)", X, S("torch.amin(x, (0, 2), keepdim=True)"))
R("aminmax", "aten::aminmax", "torch.aminmax(x)", X, S("torch.aminmax(x, dim=1, keepdim=True)"))
R("max", "aten::max", "torch.max(x)", X, S(inputs=i()))
R("max_dim", "aten::max.dim", "torch.max(x, 1, keepdim=True)", f(gen="distinct"), S("torch.max(x, -1)"),
  S("torch.max(x, 0)", f("3x4", gen="distinct")))
R("min", "aten::min", "torch.min(x)", X)
R("min_dim", "aten::min.dim", "torch.min(x, 1)", f(gen="distinct"), S("torch.min(x, -1, keepdim=True)"))
R("argmax", "aten::argmax", "torch.argmax(x, 1)", f(gen="distinct"), S("torch.argmax(x)"),
  S("torch.argmax(x, -1, keepdim=True)"))
R("argmin", "aten::argmin", "torch.argmin(x, 1)", f(gen="distinct"), S("torch.argmin(x)"),
  S("torch.argmin(x, 0, keepdim=True)"))
R("all", "aten::all", "torch.all(x)", b(name="x"), S(inputs=f()))
R("all_dim", "aten::all.dim", "torch.all(x, 1)", b(name="x"), S("x.all(-1, keepdim=True)"))
R("all_dims", "aten::all.dims", "torch.all(x, (0, 2))", b(name="x"))
R("any", "aten::any", "torch.any(x)", b(name="x"), S(inputs=f()))
R("any_dim", "aten::any.dim", "torch.any(x, 1)", b(name="x"), S("x.any(-1, keepdim=True)"))
R("any_dims", "aten::any.dims", "torch.any(x, (0, 2))", b(name="x"))
R("logsumexp", "aten::logsumexp", "torch.logsumexp(x, 1)", X, S("torch.logsumexp(x, (0, 2), keepdim=True)"))
R("std", "aten::std", "torch.std(x)", X, S("torch.std(x, False)"), only=TRACE_CORRECTION)
R("std_dim", "aten::std.dim", "torch.std(x, [1])", X, S("torch.std(x, [1, 2], False, True)"))
R("std_correction", "aten::std.correction", "torch.std(x, 1, correction=0)", X, S("torch.std(x, dim=None, correction=2)"))
R("var", "aten::var", "torch.var(x)", X, only=TRACE_CORRECTION)
R("var_dim", "aten::var.dim", "torch.var(x, [1])", X, S("torch.var(x, [0, 2], False, True)"))
R("var_correction", "aten::var.correction", "torch.var(x, 1, correction=0, keepdim=True)", X)
R("std_mean", "aten::std_mean", "torch.std_mean(x)", X, only=TRACE_CORRECTION)
R("std_mean_dim", "aten::std_mean.dim", "torch.std_mean(x, [1])", X)
R("std_mean_correction", "aten::std_mean.correction", "torch.std_mean(x, 1, correction=0)", X)
R("var_mean", "aten::var_mean", "torch.var_mean(x)", X, only=TRACE_CORRECTION)
R("var_mean_dim", "aten::var_mean.dim", "torch.var_mean(x, [1], keepdim=True)", X)
R("var_mean_correction", "aten::var_mean.correction", "torch.var_mean(x, 1, correction=0)", X)
R("norm_Scalar", "aten::norm.Scalar", "torch.ops.aten.norm(x, 1)", X, S("torch.ops.aten.norm(x, 2)"))
R("norm_ScalarOpt_dim", "aten::norm.ScalarOpt_dim", "torch.ops.aten.norm(x, 2, [1])", X,
  S("torch.ops.aten.norm(x, 1, [1, 2], True)"), S("torch.ops.aten.norm(x, 3, [-1])"))
R("torch_norm_fn", "aten::linalg_vector_norm", "torch.norm(x, 2, 1)", X, S("torch.norm(x)"))
R("norm_ScalarOpt_dtype", "aten::norm.ScalarOpt_dtype", "torch.ops.aten.norm(x, 2, dtype=torch.float64)", X)
R("norm_ScalarOpt_dim_dtype", "aten::norm.ScalarOpt_dim_dtype", "torch.ops.aten.norm(x, 2, [1], False, dtype=torch.float64)", X)
R("frobenius_norm_dim", "aten::frobenius_norm.dim", "torch.frobenius_norm(x, [1, 2])", X, S("torch.frobenius_norm(x, [1], True)"))
R("linalg_vector_norm", "aten::linalg_vector_norm", "torch.linalg.vector_norm(x)", X,
  S("torch.linalg.vector_norm(x, 1, dim=1)"), S("torch.linalg.vector_norm(x, float('inf'), dim=(1, 2), keepdim=True)"),
  S("torch.linalg.vector_norm(x, 0.5, dim=-1)"))
R("linalg_matrix_norm", "aten::linalg_matrix_norm", "torch.linalg.matrix_norm(x, 1)", X,
  S("torch.linalg.matrix_norm(x, float('inf'), keepdim=True)"))
R("linalg_matrix_norm_str_ord", "aten::linalg_matrix_norm.str_ord", "torch.linalg.matrix_norm(x)", X,
  S("torch.linalg.matrix_norm(x, 'fro', dim=(0, 2))"))
R("linalg_norm", "aten::linalg_norm", "torch.linalg.norm(x, 2, dim=1)", X, S("torch.linalg.norm(x)"),
  S("torch.linalg.norm(x, 1, dim=(1, 2))"))
R("linalg_norm_ord_str", "aten::linalg_norm.ord_str", "torch.linalg.norm(x, 'fro', dim=(1, 2))", X)
R("cumsum", "aten::cumsum", "torch.cumsum(x, 1)", X, S("x.cumsum(-1)"), S("torch.cumsum(x, 0)", i()),
  S("torch.cumsum(x, 1, dtype=torch.float64)"))
R("cumsum_", "aten::cumsum_", "x.clone().cumsum_(1)", X)
R("cumprod", "aten::cumprod", "torch.cumprod(x, 1)", f(lo=0.5, hi=1.5), S("torch.cumprod(x, -1)", i(lo=1, hi=3)))
R("cumprod_", "aten::cumprod_", "x.clone().cumprod_(2)", f(lo=0.5, hi=1.5))
R("count_nonzero", "aten::count_nonzero", "torch.count_nonzero(x, 1)", i(lo=0, hi=3), S("torch.count_nonzero(x)"))
R("count_nonzero_dim_IntList", "aten::count_nonzero.dim_IntList", "torch.count_nonzero(x, [0, 2])", i(lo=0, hi=3))

# Sorting, selection
R("sort", "aten::sort", "torch.sort(x, 1)", f(gen="distinct"), S("torch.sort(x, -1, descending=True)"),
  S("torch.sort(x)", f("batch=2x5", gen="distinct")))
R("sort_stable", "aten::sort.stable", "torch.sort(x, stable=True, dim=1)", f(gen="distinct"),
  S("torch.sort(x, stable=True, dim=-1, descending=True)", i(lo=0, hi=4)))
R("argsort", "aten::argsort", "torch.argsort(x, 1)", f(gen="distinct"), S("torch.argsort(x, -1, descending=True)"))
R("argsort_stable", "aten::argsort.stable", "torch.argsort(x, stable=True, dim=1)", i(lo=0, hi=4))
R("topk", "aten::topk", "torch.topk(x, 2)", f(gen="distinct"), S("torch.topk(x, 2, dim=1, largest=False)"),
  S("torch.topk(x, 3, 0)", f("5xn=3", gen="distinct")))
R("topk_dynamic_k", "aten::topk", "torch.topk(x, x.size(0) // 2, dim=0)", f("n=4x3", gen="distinct"))
R("bucketize_Tensor", "aten::bucketize.Tensor", "torch.bucketize(x, self.bnd)", X,
  S("torch.bucketize(x, self.bnd, right=True)"), S("torch.bucketize(x, self.bnd, out_int32=True)"),
  consts={"bnd": "torch.tensor([-1.0, -0.25, 0.0, 0.5, 1.5])"})
R("bucketize_Scalar", "aten::bucketize.Scalar", "torch.bucketize(0.9, y.cumsum(0))", pos("n=5", "y"))
R("unique_dim", "aten::unique_dim", "torch.unique(x, dim=0)", i("6x2", lo=0, hi=2),
  xfail=xfail(None, "data-dependent output size; kept as a row to record support"))
R("_unique", "aten::_unique", "torch._unique(x)", i(lo=0, hi=5))
R("_unique2", "aten::_unique2", "torch.unique(x)", i(lo=0, hi=5),
  S("torch.unique(x, return_inverse=True, return_counts=True)"))
R("msort", "aten::msort", "torch.msort(x)", f(gen="distinct"), S(inputs=i(lo=0, hi=5)))
R("argwhere", "aten::argwhere", "torch.argwhere(x)", b("batch=2x3", "x"), S(inputs=i("batch=2x3", lo=0, hi=2)),
  S(inputs=f("batch=2x3x4", lo=-1, hi=1)))


# =============================================================================================
# Shape and layout
R("view", "aten::view", "x.view(x.size(0), -1)", X, S("x.view(-1)"), S("x.view(2, -1, 2)", f("batch=2x3x4")))
R("view_as", "aten::view_as", "x.view_as(y)", [X, f("batch=2x12", name="y")])
R("reshape", "aten::reshape", "x.reshape(x.size(0), -1)", X, S("torch.reshape(x, (-1, 4))"), S("x.reshape(-1)"),
  S("x.reshape(x.shape[0], 2, 6)", X))
R("reshape_as", "aten::reshape_as", "x.reshape_as(y)", [X, f("batch=2x12", name="y")])
R("_reshape_from_tensor", "aten::_reshape_from_tensor", "torch._reshape_from_tensor(x, torch._shape_as_tensor(y))",
  [X, f("batch=2x12", name="y")])
R("_shape_as_tensor", "aten::_shape_as_tensor", "torch._shape_as_tensor(x)", X)
R("flatten", "aten::flatten.using_ints", "torch.flatten(x, 1)", X, S("torch.flatten(x)"), S("x.flatten(0, 1)"),
  S("x.flatten(-2)"))
R("unflatten", "aten::unflatten.int", "x.unflatten(2, (2, 2))", X, S("x.unflatten(-1, (-1, 2))"))
R("squeeze", "aten::squeeze", "torch.squeeze(x)", f("batch=2x1x4x1"))
R("squeeze_dim", "aten::squeeze.dim", "torch.squeeze(x, 1)", f("batch=2x1x4"), S("x.squeeze(-1)", f("batch=2x3x1")),
  S("x.squeeze(1)", X))
R("squeeze_dims", "aten::squeeze.dims", "torch.squeeze(x, (1, 3))", f("batch=2x1x4x1"))
R("squeeze_", "aten::squeeze_", "x.clone().squeeze_()", f("batch=2x1x4"))
R("squeeze__dim", "aten::squeeze_.dim", "x.clone().squeeze_(1)", f("batch=2x1x4"))
R("squeeze__dims", "aten::squeeze_.dims", "x.clone().squeeze_((1, 3))", f("batch=2x1x4x1"))
R("unsqueeze", "aten::unsqueeze", "torch.unsqueeze(x, 1)", X, S("x.unsqueeze(-1)"), S("x.unsqueeze(0)"),
  S("x[0, 0, 0].unsqueeze(0)"))
R("unsqueeze_", "aten::unsqueeze_", "x.clone().unsqueeze_(1)", X)
R("permute", "aten::permute", "x.permute(2, 0, 1)", X, S("torch.permute(x, (0, -1, 1))"))
R("transpose", "aten::transpose.int", "x.transpose(1, 2)", X, S("torch.transpose(x, 0, -1)"))
R("transpose_", "aten::transpose_", "x.clone().transpose_(0, 1)", X)
R("t", "aten::t", "x.t()", X2, S("torch.t(x)", f("n=5")))
R("t_", "aten::t_", "x.clone().t_()", X2)
R("numpy_T", "aten::numpy_T", "x.T", X2, S("x.T", X))
R("mT", "aten::mT", "x.mT", X)
R("mH", "aten::mH", "x.mH", X, S("x.adjoint()"))
R("movedim_int", "aten::movedim.int", "torch.movedim(x, 0, 2)", X)
R("movedim_intlist", "aten::movedim.intlist", "torch.movedim(x, (0, 1), (2, 0))", X)
R("expand", "aten::expand", "x.expand(-1, 3, 4)", f("batch=2x1x4"), S("x.expand(2, -1, 3, 4)", f("batch=2x1x1")),
  S("x.expand(y.size(0), 3)", [f("1x3"), f("batch=2", name="y")]))
R("expand_as", "aten::expand_as", "x.expand_as(y)", [f("1x3x1"), f("batch=2x3x4", name="y")])
R("broadcast_to", "aten::broadcast_to", "torch.broadcast_to(x, (2, 3, 4))", f("3x1"),
  S("torch.broadcast_to(x, (y.size(0), 3, 4))", [f("3x1"), f("batch=2", name="y")]))
R("broadcast_tensors", "aten::broadcast_tensors", "torch.broadcast_tensors(x, y)", [f("batch=2x1x4"), f("3x1", name="y")])
R("contiguous", "aten::contiguous", "x.transpose(0, 1).contiguous()", X)
R("clone", "aten::clone", "torch.clone(x) + 1.0", X)
R("detach_", "aten::detach_", "y = x * 2.0\ny.detach_()\nreturn y", X,
  only=script_only("freezing a trace drops its detach_"))
R("alias", "aten::alias", "torch.ops.aten.alias(x) * 2.0", X)
R("lift", "aten::lift", "torch.ops.aten.lift(x) * 2.0", X)
R("lift_fresh", "aten::lift_fresh", "torch.ops.aten.lift_fresh(x) * 2.0", X)
R("type_as", "aten::type_as", "x.type_as(y)", [i(), Y], S(inputs=[X, i(name="y")]))
R("to_dtype", "aten::to.dtype", "x.to(torch.float16)", X, S("x.to(torch.int32)", f(lo=-9, hi=9)),
  S("x.to(torch.float32)", i()), S("x.to(torch.bool)", i(lo=0, hi=2)), S("x.float()", i()), S("x.long()", f(lo=-9, hi=9)))
R("to_other", "aten::to.other", "x.to(y)", [i(), Y],
  only=script_only("a trace records x.to(y) as aten::to.device with y's dtype"))
R("to_device", "aten::to.device", "x.to(torch.device('cpu'), torch.float64)", X)
R("to_prim_Device", "aten::to.prim_Device", "x.to(y.device)", [X, Y], only=TRACE_INTS)
R("cat", "aten::cat", "torch.cat([x, y], 1)", [X, f("batch=2x5x4", name="y")], S("torch.cat((x, y), -1)", [X, Y]),
  S("torch.cat([x, x, y])", [X, Y]), S("torch.cat([x, y], 1)", [i(), i("batch=2x2x4", name="y")]))
R("stack", "aten::stack", "torch.stack([x, y], 1)", XY, S("torch.stack((x, y, x))"), S("torch.stack([x, y], -1)"))
R("hstack", "aten::hstack", "torch.hstack([x, y])", XY, S(inputs=[f("3"), f("4", name="y")]))
R("vstack", "aten::vstack", "torch.vstack([x, y])", XY, S(inputs=[f("3"), f("3", name="y")]))
R("atleast_1d", "aten::atleast_1d", "torch.atleast_1d(x[0, 0, 0]) * 2.0", X, S("torch.atleast_1d(x)"))
R("atleast_2d", "aten::atleast_2d", "torch.atleast_2d(x[0, 0])", X, S("torch.atleast_2d(x)"))
R("atleast_3d", "aten::atleast_3d", "torch.atleast_3d(x[0])", X, S("torch.atleast_3d(x[0, 0])"))
R("atleast_1d_Sequence", "aten::atleast_1d.Sequence", "torch.atleast_1d([x[0, 0, 0], y])", [X, Y])
R("atleast_2d_Sequence", "aten::atleast_2d.Sequence", "torch.atleast_2d([x[0, 0], y])", [X, Y])
R("atleast_3d_Sequence", "aten::atleast_3d.Sequence", "torch.atleast_3d([x[0], y])", [X, Y])
R("split_Tensor", "aten::split.Tensor", "torch.split(x, 2, 2)", X, S("x.split(1, 1)"), S("torch.split(x, 3, -1)", f("batch=2x3x5")))
R("split_sizes", "aten::split.sizes", "torch.split(x, [1, 2], 1)", X, S("x.split([3, 1], -1)"),
  only=script_only("a trace records split with a list as split_with_sizes"))
R("split_with_sizes", "aten::split_with_sizes", "torch.split_with_sizes(x, [1, 3], 2)", X,
  # sizes computed at run time (a detector's boxes per image): the count known, the sizes packed
  S("a, b = torch.split_with_sizes(x, [1, x.size(0) - 1], 0)\nreturn b * 2.0 + a.sum()", f("batch=3x4")))
R("unsafe_split", "aten::unsafe_split.Tensor", "torch.unsafe_split(x, 2, 2)", X)
R("unsafe_split_with_sizes", "aten::unsafe_split_with_sizes", "torch.unsafe_split_with_sizes(x, [1, 3], 2)", X)
R("chunk", "aten::chunk", "torch.chunk(x, 2, 2)", X, S("x.chunk(3, 1)"), S("a, b = x.chunk(2, -1)\nreturn a * b"),
  S("x.chunk(3, 2)", f("batch=2x3x5")))
R("unsafe_chunk", "aten::unsafe_chunk", "torch.unsafe_chunk(x, 2, 2)", X)
R("tensor_split_sections", "aten::tensor_split.sections", "torch.tensor_split(x, 3, 2)", f("batch=2x3x7"),
  S("a, b, c = torch.tensor_split(x, 3, 0)\nreturn torch.cat([a, b, c * 2.0], 0)", f("batch=7x3")))  # a dynamic dim
R("tensor_split_indices", "aten::tensor_split.indices", "torch.tensor_split(x, [1, 3], 2)", X,
  S("a, b, c = torch.tensor_split(x, [1, 3], 0)\nreturn torch.cat([a, b * 2.0, c], 0)", f("batch=4x3")))  # a dynamic dim
R("tensor_split_tensor_indices_or_sections", "aten::tensor_split.tensor_indices_or_sections",
  "torch.tensor_split(x, self.idx, 2)", X, consts={"idx": "torch.tensor([1, 3])"})
R("unbind", "aten::unbind.int", "torch.unbind(x, 1)", X, S("x.unbind(-1)"), S("a, b, c = x.unbind(1)\nreturn a + b * c"))
R("narrow", "aten::narrow", "torch.narrow(x, 2, 1, 2)", X, S("x.narrow(-1, 0, 3)"))
R("narrow_Tensor", "aten::narrow.Tensor", "torch.narrow(x, 2, self.start, 2)", X, consts={"start": "torch.tensor(1)"})
R("select", "aten::select.int", "x.select(1, 2)", X, S("x[:, -1]"), S("x[0]"))
R("slice", "aten::slice.Tensor", "x[:, 1:3]", X, S("x[..., ::2]"), S("x[1:]"), S("x[:, -2:]"), S("x[:, :-1, 1::2]"),
  S("x[:, 1:100]"))
R("slice_dynamic_end", "aten::slice.Tensor", "x[:, : x.size(0)]", f("batch=2x8"))
R("slice_t", "aten::slice.t", "x.reshape(x.size()[1:])", f("1x3x4"), S("x.reshape(list(x.size()[:2]) + [-1])", X),
  S("x.reshape(x.size()[::-1])", X), S("torch.cat(list(torch.unbind(x, 1))[::-2], 1)", X), only=TRACE_INTS)
# A complex tensor (a real pair inside kiln): its sizes without the pair dim, reshaped.
R("reshape_complex", "aten::reshape", "torch.view_as_real(torch.fft.fft(x).reshape(x.size(0), -1))", X)
R("size_complex", "aten::size", "y = torch.fft.fft(x)\nreturn torch.view_as_real(y.reshape(list(y.shape[:-1]) + [2, 2]))", X,
  only=TRACE_INTS)
R("diagonal", "aten::diagonal", "torch.diagonal(x, 0, 1, 2)", X, S("torch.diagonal(x, 1, -2, -1)"),
  S("torch.diagonal(x, -1, 1, 2)"))
R("flip", "aten::flip", "torch.flip(x, [1])", X, S("x.flip((0, 2))"), S("x.flip(-1)", i()))
R("roll", "aten::roll", "torch.roll(x, 1, 2)", X, S("torch.roll(x, (1, -1), (1, 2))"), S("torch.roll(x, 5)", f("3x4")))
R("repeat", "aten::repeat", "x.repeat(1, 2, 3)", X, S("x.repeat(2, 1, 1, 2)"),
  S("x.repeat(1, x.size(0), 1)"), S("x.repeat(x.size(0), 1, 1, 2)"))  # repeats computed at run time
R("tile", "aten::tile", "torch.tile(x, (2,))", X, S("x.tile((2, 1, 1))"), S("x.tile((1, 2, 1, 2))"))
R("repeat_interleave_self_int", "aten::repeat_interleave.self_int", "torch.repeat_interleave(x, 2, 1)", X,
  S("x.repeat_interleave(3)"), S("x.repeat_interleave(2, dim=-1)"))
R("repeat_interleave_self_Tensor", "aten::repeat_interleave.self_Tensor", "torch.repeat_interleave(x, self.r, 1)", X,
  consts={"r": "torch.tensor([1, 2, 3])"})
R("repeat_interleave_Tensor", "aten::repeat_interleave.Tensor", "torch.repeat_interleave(r)", i("n=3", "r", 1, 4))
R("as_strided", "aten::as_strided", "torch.as_strided(x, (2, 2), (1, 2))", f("3x4"),
  S("torch.as_strided(x, (2, 3), (4, 1), 1)", f("3x4")))
R("unfold", "aten::unfold", "x.unfold(2, 2, 1)", X, S("x.unfold(1, 2, 2)", f("batch=2x6x3")))
R("pixel_shuffle", "aten::pixel_shuffle", "F.pixel_shuffle(x, 2)", f("batch=2x8x3x3"))
R("pixel_unshuffle", "aten::pixel_unshuffle", "F.pixel_unshuffle(x, 2)", f("batch=2x2x4x6"))
R("tril", "aten::tril", "torch.tril(x)", X, S("torch.tril(x, 1)"), S("torch.tril(x, -1)", i()))
R("triu", "aten::triu", "torch.triu(x)", X, S("torch.triu(x, 1)"), S("torch.triu(x, -1)", b(name="x")))
R("tril_", "aten::tril_", "x.clone().tril_(1)", X)
R("triu_", "aten::triu_", "x.clone().triu_(-1)", X)
R("size_int", "aten::size.int", "x.view(x.size(0), x.size(1) * x.size(2))", X)
R("size", "aten::size", "x.new_zeros(x.size()) + 1.0", X, only=TRACE_INTS)
R("dim", "aten::dim", "x * x.dim()", X, only=TRACE_INTS)
R("numel", "aten::numel", "x / x.numel()", X)
R("len_Tensor", "aten::len.Tensor", "x * len(x)", X, only=TRACE_INTS)
R("len_t", "aten::len.t", "x * len(x.size())", X, only=TRACE_INTS)
R("is_floating_point", "aten::is_floating_point", "x * float(x.is_floating_point())", X, only=TRACE_INTS)
R("is_pinned", "aten::is_pinned", "x * float(x.is_pinned())", X, only=TRACE_INTS)
R("prim_is_nested", "prim::is_nested", "if x.is_nested:\n    return x - 1.0\nreturn x + 1.0", X, only=TRACE_INTS)
R("prim_SetAttr", "prim::SetAttr", "self.h.store(x + 1.0)\nreturn self.h.items[1] - self.h.items[0]", X,
  S("self.h.store(x + 1.0)\nself.h.items.append(x * 3.0)\nreturn self.h.items[2] - self.h.items[0] + float(len(self.h.items))"),
  mods={"h": "op_helpers.Holder()"},
  only=script_only("a trace records the tensors a forward computes, not the attributes it writes"))
R("prim_CreateObject", "prim::CreateObject",
  "b = op_helpers.Batch(x * 2.0, [(x.size(0), x.size(1))])\nreturn b.tensors[:, :b.sizes[0][1]] + float(b.sizes[0][0])", X,
  only=script_only("a trace records the tensors a forward computes, not the objects it builds"))
R("dict_keys_values", "aten::values.str", "d: Dict[str, Tensor] = {}\nd['a'] = x + 1.0\nd['b'] = x * 2.0\n"
  "ks = list(d.keys())\nvs = list(d.values())\nreturn vs[1] - vs[0] + float(len(ks))", X, only=TRACE_CONTROL)
R("dict_items", "aten::items.str", "d: Dict[str, Tensor] = {}\nfor i in range(3):\n    d[str(i)] = x * float(i + 1)\n"
  "acc = torch.zeros_like(x)\nfor k, v in d.items():\n    acc = acc * v + float(len(k))\nreturn acc", X, only=TRACE_CONTROL)
R("dict_from_pairs", "aten::dict.str", "outs = [x + 1.0, x * 3.0]\nnames = ['p', 'q']\n"
  "d = op_helpers.ordered_dict([(k, v) for k, v in zip(names, outs)])\nreturn d['q'] - d['p']", X,
  S("outs = [x + 1.0, x * 3.0, x - 2.0]\nd = op_helpers.ordered_dict([(str(i), v) for i, v in enumerate(outs)])\n"
    "return d['2'] * d['0'] + d['1']"),
  only=TRACE_CONTROL)
R("dict_copy", "aten::dict.Dict_str", "d = {'a': x + 1.0}\ne = dict(d)\ne['b'] = x * 2.0\nreturn e['a'] * e['b'] + d['a']", X,
  only=TRACE_CONTROL)
R("list_insert", "aten::insert.t", "r = [x * 2.0]\nr.insert(0, x + 1.0)\nr.insert(-1, x - 3.0)\nreturn r[0] * r[1] + r[2]", X,
  only=TRACE_CONTROL)
R("list_extend", "aten::extend.t", "r = [x * 2.0]\nr.extend([x + 1.0, x - 1.0])\nnames = ['a']\nnames.extend(['b', 'c'])\n"
  "return r[2] * r[0] + float(len(names))", X, only=TRACE_CONTROL)
R("dict_in_list_write", "aten::_set_item.str", "ds: List[Dict[str, Tensor]] = [{'b': x + 1.0}, {'b': x * 2.0}]\n"
  "for i in range(len(ds)):\n    ds[i]['b'] = ds[i]['b'] * 10.0\nreturn ds[0]['b'] + ds[1]['b']", X, only=TRACE_CONTROL)
R("copy_into_constant", "aten::copy_", "z = x.new_full([2, 3, 6], 0.0)\nz[:, :, :x.size(2)].copy_(x)\nreturn z + 1.0",
  f("2x3x4"), only=TRACE_CONTROL)
R("optional_rank", "prim::unchecked_cast", "m: Optional[Tensor] = None\nif x.size(0) > 1:\n    m = x[:, 0] > 0.0\n"
  "y = x\nif m is not None:\n    y = x.masked_fill(m.unsqueeze(1), 0.0)\nreturn y", X, S(inputs=[f("batch=1x3x4")]),
  only=TRACE_CONTROL)
R("index_static_batch", "aten::index.Tensor", "v, idx = x[:, 0].topk(x.size(2) - 1, dim=1)\nb = torch.arange(x.size(0))[:, None]\n"
  "rows = x[:, 1][b, idx].unbind(0)\nreturn rows[0] + v[0]", f("1x3xn=5"))
R("loop_carried_rank", "prim::Loop", "res = torch.zeros(0, x.size(1), x.size(2))\nfor i in range(x.size(0)):\n"
  "    res = torch.cat([res, x[i:i + 1] * 2.0])\nreturn res.unsqueeze(1)", X, only=TRACE_CONTROL)
R("split_appended_sizes", "aten::split.sizes", "sizes: List[int] = []\nfor i in range(2):\n    sizes.append(x.size(2) // 2)\n"
  "parts = x.split(sizes, 2)\nreturn parts[1] - parts[0]", f("batch=2x3xn=4"), only=TRACE_CONTROL)
R("unfold_runtime", "aten::unfold", "k = x.size(0)\nreturn x.unfold(2, k, k).transpose(0, 1)", f("batch=2x3xn=6"))
R("cat_sequence_rank", "aten::cat", "outs: List[Tensor] = []\nfor i in range(x.size(0)):\n    outs.append(x[i] * 2.0)\n"
  "return torch.cat(outs, 0).transpose(0, 1)", X, only=TRACE_CONTROL)
R("prim_is_cuda", "prim::is_cuda", "x * float(x.is_cuda)", X, only=TRACE_INTS)
# The other device and layout predicates (false for a CPU dense tensor, as in the exported graph).
for _p in ("sparse", "sparse_csr", "mkldnn", "meta", "xpu", "mps", "vulkan", "ipu", "mtia", "maia", "xla"):
    R(f"prim_is_{_p}", f"prim::is_{_p}", f"x * float(x.is_{_p}) + 1.0", X, only=TRACE_INTS)
R("copy_", "aten::copy_", "z = torch.zeros_like(x)\nz.copy_(y * 2.0)\nreturn z + 1.0", [X, Y],
  S(inputs=[X, f("4", "y")]), S(inputs=[X, i(name="y")]))
R("cpu", "aten::cpu", "x.cpu() * 2.0", X, only=script_only("a trace records x.cpu() on a CPU tensor as nothing"))


# =============================================================================================
# Indexing, gather/scatter, masking
IDX3 = i("batch=2x3x2", "idx", 0, 4)   # indices valid for dim 2 (size 4) of X
R("gather", "aten::gather", "torch.gather(x, 2, idx)", [X, IDX3], S("torch.gather(x, 1, idx)", [X, i("batch=2x2x4", "idx", 0, 3)]),
  S("torch.gather(x, -1, idx)", [X, IDX3]))
R("index_select", "aten::index_select", "torch.index_select(x, 1, idx)", [X, i("5", "idx", 0, 3)],
  S("x.index_select(2, idx)", [X, i("n=3", "idx", 0, 4)]), S("x.index_select(0, idx)", [f("5x3"), i("batch=2", "idx", 0, 5)]))
R("take", "aten::take", "torch.take(x, idx)", [f("3x4"), i("batch=2x3", "idx", 0, 12)])
R("index_Tensor", "aten::index.Tensor", "x[idx]", [f("5x3"), i("batch=2", "idx", 0, 5)],
  S("x[:, idx]", [X, i("n=2", "idx", 0, 3)]), S("x[idx, :, idx2]", [X, i("k=2", "idx", 0, 2), i("k=2", "idx2", 0, 4)]),
  S("x[m]", [X, b("batch=2x3x4")]), S("x[m]", [X, b("batch=2", "m")]), S("x[:, idx]", [X, i("n=2x2", "idx", -3, 3)]))
R("index_put", "aten::index_put", "torch.index_put(x, (idx,), v)", [f("5x3"), i("2", "idx", 0, 5), f("2x3", name="v")],
  S("torch.index_put(x, (idx,), v, accumulate=True)", [f("5x3"), i("4", "idx", 0, 5), f("4x3", name="v")]))
R("index_put_", "aten::index_put_", "y = x.clone()\ny[idx] = v\nreturn y", [f("5x3"), i("2", "idx", 0, 5), f("2x3", name="v")],
  S("y = x.clone()\ny[m] = 0.5\nreturn y", [X, b()]), S("y = x.clone()\ny[:, idx] = v\nreturn y", [X, i("2", "idx", 0, 3), f("4", name="v")]),
  S("y = x.clone()\ny.index_put_((idx,), v, True)\nreturn y", [f("5x3"), i("4", "idx", 0, 5), f("4x3", name="v")]))
R("_index_put_impl_", "aten::_index_put_impl_",
  "y = x.clone()\nind: List[Optional[Tensor]] = [idx]\ntorch.ops.aten._index_put_impl_(y, ind, v, False, False)\nreturn y",
  [f("5x3"), i("2", "idx", 0, 5), f("2x3", name="v")],
  S("y = x.clone()\nind: List[Optional[Tensor]] = [idx]\ntorch.ops.aten._index_put_impl_(y, ind, v, True, False)\nreturn y",
    [f("5x3"), i("4", "idx", 0, 5), f("4x3", name="v")]))
R("index_add", "aten::index_add", "torch.index_add(x, 1, idx, v)", [X, i("2", "idx", 0, 3), f("batch=2x2x4", name="v")],
  S("torch.index_add(x, 1, idx, v, alpha=2.0)"))
R("index_add_", "aten::index_add_", "x.clone().index_add_(1, idx, v)", [X, i("2", "idx", 0, 3), f("batch=2x2x4", name="v")])
R("index_copy", "aten::index_copy", "torch.index_copy(x, 1, idx, v)", [X, i("2", "idx", 0, 3, ), f("batch=2x2x4", name="v")],
  consts=None)
R("index_copy_", "aten::index_copy_", "x.clone().index_copy_(1, idx, v)", [X, i("2", "idx", 0, 3), f("batch=2x2x4", name="v")])
R("index_fill_int_Scalar", "aten::index_fill.int_Scalar", "torch.index_fill(x, 1, idx, -1.0)", [X, i("2", "idx", 0, 3)])
R("index_fill_int_Tensor", "aten::index_fill.int_Tensor", "torch.index_fill(x, 1, idx, v[0])", [X, i("2", "idx", 0, 3), f("1", name="v")])
R("index_fill__int_Scalar", "aten::index_fill_.int_Scalar", "x.clone().index_fill_(2, idx, 3.0)", [X, i("2", "idx", 0, 4)])
R("index_fill__int_Tensor", "aten::index_fill_.int_Tensor", "x.clone().index_fill_(2, idx, v[0])", [X, i("2", "idx", 0, 4), f("1", name="v")])
SCAT = [X, i("batch=2x3x2", "idx", 0, 4), f("batch=2x3x2", name="src")]
R("scatter_src", "aten::scatter.src", "torch.scatter(x, 2, idx, src)", SCAT, S("x.scatter(1, idx, src)",
  [X, i("batch=2x2x4", "idx", 0, 3), f("batch=2x2x4", name="src")]))
R("scatter_value", "aten::scatter.value", "torch.scatter(x, 2, idx, 1.5)", SCAT[:2])
R("scatter_reduce", "aten::scatter.reduce", "torch.scatter(x, 2, idx, src, reduce='add')", SCAT,
  S("torch.scatter(x, 2, idx, src, reduce='multiply')"))
R("scatter_value_reduce", "aten::scatter.value_reduce", "torch.scatter(x, 2, idx, 1.5, reduce='add')", SCAT[:2],
  S("torch.scatter(x, 2, idx, 2.0, reduce='multiply')"))
R("scatter__src", "aten::scatter_.src", "x.clone().scatter_(2, idx, src)", SCAT)
R("scatter__value", "aten::scatter_.value", "x.clone().scatter_(2, idx, 0.5)", SCAT[:2])
R("scatter__reduce", "aten::scatter_.reduce", "x.clone().scatter_(2, idx, src, reduce='add')", SCAT)
R("scatter__value_reduce", "aten::scatter_.value_reduce", "x.clone().scatter_(2, idx, 0.5, reduce='multiply')", SCAT[:2])
R("scatter_add", "aten::scatter_add", "torch.scatter_add(x, 2, idx, src)", SCAT)
R("scatter_add_", "aten::scatter_add_", "x.clone().scatter_add_(2, idx, src)", SCAT)
R("scatter_reduce_two", "aten::scatter_reduce.two", "torch.scatter_reduce(x, 2, idx, src, 'sum')", SCAT,
  S("torch.scatter_reduce(x, 2, idx, src, 'amax')"), S("torch.scatter_reduce(x, 2, idx, src, 'amin', include_self=False)"),
  S("torch.scatter_reduce(x, 2, idx, src, 'prod')"), S("torch.scatter_reduce(x, 2, idx, src, 'mean')"))
R("scatter_reduce__two", "aten::scatter_reduce_.two", "x.clone().scatter_reduce_(2, idx, src, 'amax')", SCAT)
R("masked_fill_Scalar", "aten::masked_fill.Scalar", "x.masked_fill(m, -1.0)", [X, b()],
  S("x.masked_fill(m, float('-inf'))", [X, b("4")]), S("x.masked_fill(m, 3)", [i(), b()]))
R("masked_fill_Tensor", "aten::masked_fill.Tensor", "x.masked_fill(m, v[0])", [X, b(), f("1", name="v")])
R("masked_fill__Scalar", "aten::masked_fill_.Scalar", "x.clone().masked_fill_(m, 0.0)", [X, b()])
R("masked_fill__Tensor", "aten::masked_fill_.Tensor", "x.clone().masked_fill_(m, v[0])", [X, b(), f("1", name="v")])
R("masked_scatter", "aten::masked_scatter", "x.masked_scatter(m, src)", [X, b(), f("batch=2x3x4", name="src")])
R("masked_scatter_", "aten::masked_scatter_", "x.clone().masked_scatter_(m, src)", [X, b(), f("batch=2x3x4", name="src")],
  S(inputs=[X, b("4"), f("batch=2x3x4", name="src")]))
R("masked_select", "aten::masked_select", "torch.masked_select(x, m)", [X, b()])
R("where_self", "aten::where.self", "torch.where(m, x, y)", [b(), X, Y], S(inputs=[b("4"), X, Y]),
  S("torch.where(m, x > 0, y > 0).float()"),  # bool values: ONNX Runtime has no bool Where kernel
  S(inputs=[b(), i(), i(name="y")]))
R("where_ScalarOther", "aten::where.ScalarOther", "torch.where(m, x, 0.0)", [b(), X], only=TRACE_SCALAR)
R("where_ScalarSelf", "aten::where.ScalarSelf", "torch.where(m, 1.0, x)", [b(), X], only=TRACE_SCALAR)
R("where_Scalar", "aten::where.Scalar", "torch.where(m, 1.0, 0.0) + x", [b(), X], only=TRACE_SCALAR)
R("where", "aten::where", "torch.where(m)", b("batch=2x3"))
R("nonzero", "aten::nonzero", "torch.nonzero(x)", b("batch=2x3", "x"), S(inputs=i("batch=2x3", lo=0, hi=2)))
R("nonzero_numpy", "aten::nonzero_numpy", "torch.nonzero(x, as_tuple=True)", b("batch=2x3", "x"),
  only=trace_only("torch.jit.script rejects torch.nonzero(x, as_tuple=True) (Arguments for call are not valid)"))
R("one_hot", "aten::one_hot", "F.one_hot(x, 5)", i("batch=2x3", lo=0, hi=5))
R("embedding", "aten::embedding", "F.embedding(x, self.w)", i("batch=2x3", lo=0, hi=10),
  S("F.embedding(x, self.w, padding_idx=0)"), consts={"w": "torch.randn(10, 4)"})
R("embedding_module", "aten::embedding", "self.emb(x)", i("batch=2xseq=3", lo=0, hi=10),
  mods={"emb": "torch.nn.Embedding(10, 4)"})
R("embedding_bag", "aten::embedding_bag", "torch.embedding_bag(self.w, x, self.off, False, 1, False, None, False)",
  i("n=6", lo=0, hi=10), S("torch.embedding_bag(self.w, x, self.off, False, 0, False, None, False)"),
  S("torch.embedding_bag(self.w, x, self.off, False, 2, False, None, False)"),
  consts={"w": "torch.randn(10, 4)", "off": "torch.tensor([0, 2])"})
R("embedding_bag_fn", "aten::embedding_bag.padding_idx", "F.embedding_bag(x, self.w, mode='mean')", i("batch=2x3", lo=0, hi=10),
  S("F.embedding_bag(x, self.w, mode='max')"), consts={"w": "torch.randn(10, 4)"})
R("embedding_bag_offsets", "aten::embedding_bag.padding_idx", "F.embedding_bag(x, self.w, self.off, mode='sum', padding_idx=0)",
  i("n=6", lo=0, hi=10), consts={"w": "torch.randn(10, 4)", "off": "torch.tensor([0, 2])"})
R("embedding_renorm", "aten::embedding_renorm", "torch.ops.aten.embedding_renorm(self.w, x, 1.0, 2.0)[x]",
  i("batch=2x3", lo=0, hi=10), consts={"w": "torch.randn(10, 4)"})

# =============================================================================================
# Creation (sizes from the dynamic input, so that nothing folds)
R("zeros", "aten::zeros", "torch.zeros(x.size(0), 3) + x", X2, S("torch.zeros([x.size(0), 2], dtype=torch.int64)"))
R("ones", "aten::ones", "torch.ones(x.size(0), 3) + x", X2, S("torch.ones([x.size(0)], dtype=torch.bool)"))
R("full", "aten::full", "torch.full((x.size(0), 3), 2.5) + x", X2, S("torch.full([x.size(0)], 7)"))
R("empty", "aten::empty.memory_format", "torch.empty(x.size(0), 3).fill_(1.0) + x", X2,
  S("torch.empty([x.size(0), 3]).zero_() + x"))
R("zeros_like", "aten::zeros_like", "torch.zeros_like(x)", X, S("torch.zeros_like(x, dtype=torch.int64)"))
R("ones_like", "aten::ones_like", "torch.ones_like(x)", X, S("torch.ones_like(x, dtype=torch.int32)"))
R("full_like", "aten::full_like", "torch.full_like(x, 2.5)", X, S("torch.full_like(x, 3, dtype=torch.int64)"))
R("empty_like", "aten::empty_like", "torch.empty_like(x).fill_(1.0)", X, S("torch.empty_like(x).zero_()"))
R("new_zeros", "aten::new_zeros", "x.new_zeros((x.size(0), 2))", X)
R("new_ones", "aten::new_ones", "x.new_ones([x.size(0), 2])", X)
R("new_full", "aten::new_full", "x.new_full((x.size(0), 2), 3.5)", X)
R("new_empty", "aten::new_empty", "x.new_empty((x.size(0), 2)).fill_(1.0)", X)
TRACE_FILL = script_only("torch.jit.trace fails on it: alias analysis has no op for the full_like/zeros_like it records")
R("fill_Scalar", "aten::fill.Scalar", "torch.fill(x, 2.0)", X, only=TRACE_FILL)
R("fill_Tensor", "aten::fill.Tensor", "torch.fill(x, v[0])", [X, f("1", name="v")], only=TRACE_FILL)
R("fill__Scalar", "aten::fill_.Scalar", "x.clone().fill_(2.0)", X)
R("fill__Tensor", "aten::fill_.Tensor", "x.clone().fill_(v[0])", [X, f("1", name="v")])
R("zero", "aten::zero", "torch.ops.aten.zero(x)", X, only=TRACE_FILL)
R("zero_", "aten::zero_", "x.clone().zero_()", X)
R("arange", "aten::arange", "torch.arange(x.size(0)) + x", f("n=5"), S("torch.arange(x.size(0), dtype=torch.float32)"))
R("arange_start", "aten::arange.start", "torch.arange(1, x.size(0) + 1)", f("n=5"))
R("arange_start_step", "aten::arange.start_step", "torch.arange(0, x.size(0), 2)", f("n=5"),
  S("torch.arange(0.5, x.size(0), 0.5)"), S("torch.arange(x.size(0), 0, -1)"))
R("_dim_arange", "aten::_dim_arange", "torch._dim_arange(x, 0)", X)
R("linspace", "aten::linspace", "torch.linspace(0.0, 1.0, x.size(0)) + x", f("n=5"), S("torch.linspace(-2, 2, x.size(0)) * x"))
R("linspace_Tensor_Tensor", "aten::linspace.Tensor_Tensor", "torch.linspace(a[0], a[1], 5)", f("2", "a"))
R("linspace_Tensor_Scalar", "aten::linspace.Tensor_Scalar", "torch.linspace(a[0], 2.0, 5)", f("2", "a"))
R("linspace_Scalar_Tensor", "aten::linspace.Scalar_Tensor", "torch.linspace(-1.0, a[0], 5)", f("2", "a"))
R("eye", "aten::eye", "torch.eye(x.size(0)) + x", f("n=3xn=3"))
R("eye_m", "aten::eye.m", "torch.eye(x.size(0), 4) + x", f("n=3x4"))
R("scalar_tensor", "aten::scalar_tensor", "torch.scalar_tensor(x.size(0)) * x", X, only=TRACE_INTS)
R("tensor_int", "aten::tensor.int", "torch.tensor(x.size(0)) * x", X, only=TRACE_INTS)
R("tensor_float", "aten::tensor.float", "torch.tensor(float(x.size(0)) * 0.5) * x", X, only=TRACE_INTS)
R("tensor_bool", "aten::tensor.bool", "torch.tensor(x.size(0) > 3) * x", X, only=TRACE_INTS)
R("tensor", "aten::tensor", "torch.tensor([x.size(0), x.size(1)]) * 2", X, only=TRACE_INTS)
R("as_tensor", "aten::as_tensor", "torch.as_tensor(x, dtype=torch.float64)", X,
  only=script_only("a trace records as_tensor(Tensor, dtype) as aten::to"))
R("as_tensor_int", "aten::as_tensor.int", "torch.as_tensor(x.size(0)) * x", X, only=TRACE_INTS)
R("as_tensor_float", "aten::as_tensor.float", "torch.as_tensor(float(x.size(0))) * x", X, only=TRACE_INTS)
R("as_tensor_bool", "aten::as_tensor.bool", "torch.as_tensor(x.size(0) > 3) * x", X, only=TRACE_INTS)
R("as_tensor_list", "aten::as_tensor.list", "torch.as_tensor(x.size()) * 2", X, only=TRACE_INTS)
R("hann_window", "aten::hann_window", "torch.hann_window(x.size(1)) * x", X2)
R("hann_window_periodic", "aten::hann_window.periodic", "torch.hann_window(x.size(1), False) * x", X2)
R("hamming_window", "aten::hamming_window", "torch.hamming_window(x.size(1)) * x", X2)
R("hamming_window_periodic", "aten::hamming_window.periodic", "torch.hamming_window(x.size(1), False) * x", X2)
R("blackman_window", "aten::blackman_window", "torch.blackman_window(x.size(1)) * x", X2)
R("blackman_window_periodic", "aten::blackman_window.periodic", "torch.blackman_window(x.size(1), False) * x", X2)
R("meshgrid", "aten::meshgrid", "torch.meshgrid([x, y])", [f("n=3"), f("4", name="y")])
R("meshgrid_indexing", "aten::meshgrid.indexing", "torch.meshgrid([x, y], indexing='xy')", [f("n=3"), f("4", name="y")],
  S("torch.meshgrid([x, y], indexing='ij')"))


# =============================================================================================
# Convolution (weights are frozen constants, as in a real model)
TRACE_CONV = script_only("a trace records every convolution as aten::_convolution (or _convolution_mode "
                        "for string padding); the _convolution rows cover traces")
C1 = {"w": "torch.randn(4, 3, 3) * 0.3", "b": "torch.randn(4)"}
C2 = {"w": "torch.randn(4, 3, 3, 3) * 0.3", "b": "torch.randn(4)"}
C3 = {"w": "torch.randn(4, 3, 3, 3, 3) * 0.3", "b": "torch.randn(4)"}
X1D, X2D, X3D = f("batch=2x3x10"), f("batch=2x3x8x8"), f("batch=2x3x6x6x6")
R("conv1d", "aten::conv1d", "F.conv1d(x, self.w, self.b)", X1D, S("F.conv1d(x, self.w, None, 2, 1)"),
  S("F.conv1d(x, self.w, self.b, 1, 2, 2)"), consts=C1, only=TRACE_CONV)
R("conv1d_len", "aten::conv1d", "F.conv1d(x, self.w, self.b, padding=1)", f("batch=2x3xlen=10"), consts=C1, only=TRACE_CONV)
R("conv1d_padding", "aten::conv1d.padding", "F.conv1d(x, self.w, self.b, padding='same')", X1D,
  S("F.conv1d(x, self.w, self.b, padding='valid')"), consts=C1, only=TRACE_CONV)
R("conv2d", "aten::conv2d", "F.conv2d(x, self.w, self.b)", X2D, S("F.conv2d(x, self.w, None, (2, 1), (1, 2))"),
  S("F.conv2d(x, self.w, self.b, 1, 1, 2)"), S("F.conv2d(x, self.w, self.b, padding=1)", f("batch=2x3xh=8xw=8")), consts=C2, only=TRACE_CONV)
R("conv2d_groups", "aten::conv2d", "F.conv2d(x, self.w, self.b, groups=2)", f("batch=2x4x8x8"),
  consts={"w": "torch.randn(4, 2, 3, 3) * 0.3", "b": "torch.randn(4)"}, only=TRACE_CONV)
R("conv2d_depthwise", "aten::conv2d", "F.conv2d(x, self.w, None, 1, 1, 1, 3)", X2D, consts={"w": "torch.randn(3, 1, 3, 3)"}, only=TRACE_CONV)
R("conv2d_module", "aten::conv2d", "self.conv(x)", X2D, mods={"conv": "torch.nn.Conv2d(3, 4, 3, padding=1, bias=False)"}, only=TRACE_CONV)
R("conv2d_padding", "aten::conv2d.padding", "F.conv2d(x, self.w, self.b, padding='same')", X2D,
  S("F.conv2d(x, self.w, self.b, padding='same', dilation=2)"), consts=C2, only=TRACE_CONV)
R("conv2d_input_weight", "aten::conv2d", "F.conv2d(x, w)", [X2D, f("4x3x3x3", name="w")], only=TRACE_CONV)
R("conv3d", "aten::conv3d", "F.conv3d(x, self.w, self.b)", X3D, S("F.conv3d(x, self.w, self.b, 2, 1)"), consts=C3, only=TRACE_CONV)
R("conv3d_padding", "aten::conv3d.padding", "F.conv3d(x, self.w, self.b, padding='same')", X3D, consts=C3, only=TRACE_CONV)
R("conv_transpose1d", "aten::conv_transpose1d", "F.conv_transpose1d(x, self.w, self.b)", X1D,
  S("F.conv_transpose1d(x, self.w, self.b, 2, 1, 1)"), consts={"w": "torch.randn(3, 4, 3) * 0.3", "b": "torch.randn(4)"}, only=TRACE_CONV)
R("conv_transpose2d", "aten::conv_transpose2d.input", "F.conv_transpose2d(x, self.w, self.b)", X2D,
  S("F.conv_transpose2d(x, self.w, self.b, 2, 1, 1)"), S("F.conv_transpose2d(x, self.w, None, 1, 0, 0, 1, 2)"),
  consts={"w": "torch.randn(3, 4, 3, 3) * 0.3", "b": "torch.randn(4)"}, only=TRACE_CONV)
R("conv_transpose2d_groups", "aten::conv_transpose2d.input", "F.conv_transpose2d(x, self.w, self.b, groups=3)", X2D,
  consts={"w": "torch.randn(3, 2, 3, 3) * 0.3", "b": "torch.randn(6)"}, only=TRACE_CONV)
R("conv_transpose3d", "aten::conv_transpose3d.input", "F.conv_transpose3d(x, self.w, self.b, 2)", X3D,
  consts={"w": "torch.randn(3, 4, 3, 3, 3) * 0.3", "b": "torch.randn(4)"}, only=TRACE_CONV)
R("convolution", "aten::convolution", "torch.convolution(x, self.w, self.b, [1, 1], [1, 1], [1, 1], False, [0, 0], 1)", X2D,
  S("torch.convolution(x, self.wt, None, [2, 2], [1, 1], [1, 1], True, [1, 1], 1)"),
  consts={**C2, "wt": "torch.randn(3, 4, 3, 3) * 0.3"}, only=TRACE_CONV)
R("_convolution", "aten::_convolution", "torch._convolution(x, self.w, self.b, [1, 1], [0, 0], [1, 1], False, [0, 0], 1, "
  "False, False, True, True)", X2D, consts=C2)
R("_convolution_deprecated", "aten::_convolution.deprecated", "torch._convolution(x, self.w, self.b, [1, 1], [0, 0], [1, 1], "
  "False, [0, 0], 1, False, False, True)", X2D, consts=C2)
R("_convolution_mode", "aten::_convolution_mode", "torch._convolution_mode(x, self.w, self.b, [1, 1], 'same', [1, 1], 1)",
  X2D, consts=C2)
R("conv_tbc", "aten::conv_tbc", "torch.conv_tbc(x, self.w, self.b, 1)", f("10xbatch=2x3"),
  consts={"w": "torch.randn(3, 3, 4) * 0.3", "b": "torch.randn(4)"})
R("im2col", "aten::im2col", "F.unfold(x, 3)", X2D, S("F.unfold(x, (2, 3), dilation=1, padding=1, stride=2)"))
R("col2im", "aten::col2im", "F.fold(x, (4, 5), 2)", f("batch=2x12x12"))

# Pooling
R("max_pool1d", "aten::max_pool1d", "F.max_pool1d(x, 2)", X1D, S("F.max_pool1d(x, 3, 2, 1, ceil_mode=True)"))
R("max_pool2d", "aten::max_pool2d", "F.max_pool2d(x, 2)", X2D, S("F.max_pool2d(x, 3, 2, 1)"),
  S("F.max_pool2d(x, (3, 2), (2, 1), ceil_mode=True)"), S("F.max_pool2d(x, 3, 1, dilation=2)"),
  S("F.max_pool2d(x, 2)", f("batch=2x3xh=8xw=8")))
R("max_pool3d", "aten::max_pool3d", "F.max_pool3d(x, 2)", X3D, S("F.max_pool3d(x, 3, 2, 1, ceil_mode=True)"))
R("max_pool1d_with_indices", "aten::max_pool1d_with_indices", "F.max_pool1d(x, 2, return_indices=True)", f("batch=2x3x10", gen="distinct"))
R("max_pool2d_with_indices", "aten::max_pool2d_with_indices", "F.max_pool2d(x, 2, return_indices=True)",
  f("batch=2x3x8x8", gen="distinct"), S("F.max_pool2d(x, 3, 2, 1, return_indices=True)"))
R("max_pool3d_with_indices", "aten::max_pool3d_with_indices", "F.max_pool3d(x, 2, return_indices=True)",
  f("batch=2x3x6x6x6", gen="distinct"))
R("avg_pool1d", "aten::avg_pool1d", "F.avg_pool1d(x, 2)", X1D, S("F.avg_pool1d(x, 3, 2, 1, count_include_pad=False)"),
  S("F.avg_pool1d(x, 3, 2, 1, ceil_mode=True)"))
R("avg_pool2d", "aten::avg_pool2d", "F.avg_pool2d(x, 2)", X2D, S("F.avg_pool2d(x, 3, 2, 1)"),
  S("F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)"), S("F.avg_pool2d(x, 3, 2, 1, ceil_mode=True)"),
  S("F.avg_pool2d(x, 2, divisor_override=3)"))
R("avg_pool3d", "aten::avg_pool3d", "F.avg_pool3d(x, 2)", X3D, S("F.avg_pool3d(x, 3, 2, 1, count_include_pad=False)"))
R("adaptive_avg_pool1d", "aten::adaptive_avg_pool1d", "F.adaptive_avg_pool1d(x, 5)", X1D, S("F.adaptive_avg_pool1d(x, 3)"),
  S("F.adaptive_avg_pool1d(x, 1)", f("batch=2x3xlen=10")))
R("adaptive_avg_pool2d", "aten::adaptive_avg_pool2d", "F.adaptive_avg_pool2d(x, 1)", f("batch=2x3xh=8xw=8"),
  S("F.adaptive_avg_pool2d(x, (4, 2))", X2D), S("F.adaptive_avg_pool2d(x, 3)", X2D))
R("adaptive_avg_pool3d", "aten::adaptive_avg_pool3d", "F.adaptive_avg_pool3d(x, 1)", X3D, S("F.adaptive_avg_pool3d(x, (3, 2, 3))"))
R("adaptive_max_pool1d", "aten::adaptive_max_pool1d", "F.adaptive_max_pool1d(x, 5)", X1D,
  S("F.adaptive_max_pool1d(x, 5, return_indices=True)", f("batch=2x3x10", gen="distinct")))
R("adaptive_max_pool2d", "aten::adaptive_max_pool2d", "F.adaptive_max_pool2d(x, 1)", f("batch=2x3xh=8xw=8"),
  S("F.adaptive_max_pool2d(x, (4, 2))", X2D), S("F.adaptive_max_pool2d(x, 4, return_indices=True)", f("batch=2x3x8x8", gen="distinct")))
R("adaptive_max_pool3d", "aten::adaptive_max_pool3d", "F.adaptive_max_pool3d(x, 1)", X3D, S("F.adaptive_max_pool3d(x, 3)"))

# Normalisation
BN = {"rm": "torch.randn(3) * 0.1", "rv": "torch.rand(3) + 0.5", "w": "torch.randn(3)", "b": "torch.randn(3)"}
R("batch_norm", "aten::batch_norm", "F.batch_norm(x, self.rm, self.rv, self.w, self.b, False, 0.1, 1e-5)", X2D,
  S("F.batch_norm(x, self.rm, self.rv, None, None, False, 0.1, 1e-3)"), S(inputs=f("batch=2x3x10")), consts=BN)
R("batch_norm_module", "aten::batch_norm", "self.bn(x)", X2D, mods={"bn": "op_helpers.bn_eval(3)"})
R("instance_norm", "aten::instance_norm", "F.instance_norm(x)", X2D, S("F.instance_norm(x, weight=self.w, bias=self.b, eps=1e-3)"),
  S("F.instance_norm(x, self.rm, self.rv, use_input_stats=False)"), consts=BN)
R("layer_norm", "aten::layer_norm", "F.layer_norm(x, (4,), self.w, self.b)", X, S("F.layer_norm(x, (3, 4))"),
  S("F.layer_norm(x, [4], eps=1e-3)"), consts={"w": "torch.randn(4)", "b": "torch.randn(4)"})
R("native_layer_norm", "aten::native_layer_norm", "torch.native_layer_norm(x, [4], self.w, self.b, 1e-5)", X,
  consts={"w": "torch.randn(4)", "b": "torch.randn(4)"})
R("group_norm", "aten::group_norm", "F.group_norm(x, 2, self.w, self.b)", f("batch=2x4x5x5"), S("F.group_norm(x, 4)"),
  S("F.group_norm(x, 1, self.w, self.b, 1e-3)"), consts={"w": "torch.randn(4)", "b": "torch.randn(4)"})
R("_weight_norm", "aten::_weight_norm", "torch._weight_norm(v, g, 0)", [f("4x3", "v"), pos("4x1", "g")],
  S("torch._weight_norm(v, g, 1)", [f("4x3", "v"), pos("1x3", "g")]))

# Padding
R("constant_pad_nd", "aten::constant_pad_nd", "torch.constant_pad_nd(x, [1, 2], 0.5)", X,
  S("torch.constant_pad_nd(x, [1, 1, 2, 0])"), S("torch.constant_pad_nd(x, [-1, 1])"))
R("pad", "aten::pad", "F.pad(x, [1, 2])", X, S("F.pad(x, (1, 1, 2, 2), value=0.5)"),
  S("F.pad(x, [1, 2, 1, 1], mode='reflect')", X2D), S("F.pad(x, [1, 2, 1, 1], mode='replicate')", X2D),
  S("F.pad(x, [1, 2, 1, 1], mode='circular')", X2D))
R("reflection_pad1d_op", "aten::reflection_pad1d", "torch._C._nn.reflection_pad1d(x, [2, 1])", X1D)
R("reflection_pad2d", "aten::reflection_pad2d", "torch._C._nn.reflection_pad2d(x, [1, 2, 2, 1])", X2D)
R("reflection_pad3d", "aten::reflection_pad3d", "torch._C._nn.reflection_pad3d(x, [1, 1, 2, 1, 0, 1])", X3D)
R("replication_pad1d", "aten::replication_pad1d", "torch._C._nn.replication_pad1d(x, [2, 1])", X1D)
R("replication_pad2d", "aten::replication_pad2d", "torch._C._nn.replication_pad2d(x, [1, 2, 2, 1])", X2D)
R("replication_pad3d", "aten::replication_pad3d", "torch._C._nn.replication_pad3d(x, [1, 1, 2, 1, 0, 1])", X3D)
R("_pad_circular", "aten::_pad_circular", "torch._C._nn._pad_circular(x, [1, 2, 1, 1])", X2D)

# Resampling
R("upsample_nearest1d_vec", "aten::upsample_nearest1d.vec", "F.interpolate(x, scale_factor=2.0)", X1D)
R("upsample_nearest2d_vec", "aten::upsample_nearest2d.vec", "F.interpolate(x, scale_factor=2.0)", X2D,
  S("F.interpolate(x, size=(5, 12))"), S("F.interpolate(x, scale_factor=(1.5, 2.0))"),
  S("F.interpolate(x, scale_factor=2.0)", f("batch=2x3xh=4xw=4")))
R("upsample_nearest3d_vec", "aten::upsample_nearest3d.vec", "F.interpolate(x, scale_factor=2.0)", X3D)
R("upsample_linear1d_vec", "aten::upsample_linear1d.vec", "F.interpolate(x, scale_factor=2.0, mode='linear')", X1D,
  S("F.interpolate(x, scale_factor=0.7, mode='linear', align_corners=True)"))
R("upsample_bilinear2d_vec", "aten::upsample_bilinear2d.vec", "F.interpolate(x, scale_factor=2.0, mode='bilinear')", X2D,
  S("F.interpolate(x, size=(5, 12), mode='bilinear', align_corners=True)"),
  S("F.interpolate(x, scale_factor=0.5, mode='bilinear')"),
  S("F.interpolate(x, scale_factor=2.0, mode='bilinear')", f("batch=2x3xh=4xw=4")))
R("upsample_bicubic2d_vec", "aten::upsample_bicubic2d.vec", "F.interpolate(x, scale_factor=2.0, mode='bicubic')", X2D,
  S("F.interpolate(x, size=(5, 12), mode='bicubic', align_corners=True)"))
R("upsample_trilinear3d_vec", "aten::upsample_trilinear3d.vec", "F.interpolate(x, scale_factor=2.0, mode='trilinear')", X3D,
  S("F.interpolate(x, size=(3, 4, 5), mode='trilinear', align_corners=True)"))
R("upsample_nearest1d", "aten::upsample_nearest1d", "torch._C._nn.upsample_nearest1d(x, [15])", X1D)
R("upsample_nearest2d", "aten::upsample_nearest2d", "torch._C._nn.upsample_nearest2d(x, [16, 12])", X2D)
R("upsample_nearest3d", "aten::upsample_nearest3d", "torch._C._nn.upsample_nearest3d(x, [8, 8, 12])", X3D)
R("upsample_linear1d", "aten::upsample_linear1d", "torch._C._nn.upsample_linear1d(x, [15], False)", X1D)
R("upsample_bilinear2d", "aten::upsample_bilinear2d", "torch._C._nn.upsample_bilinear2d(x, [16, 12], False)", X2D,
  S("torch._C._nn.upsample_bilinear2d(x, [5, 6], True)"))
R("upsample_bicubic2d", "aten::upsample_bicubic2d", "torch._C._nn.upsample_bicubic2d(x, [16, 12], False)", X2D)
R("upsample_trilinear3d", "aten::upsample_trilinear3d", "torch._C._nn.upsample_trilinear3d(x, [8, 8, 12], False)", X3D)
R("_upsample_nearest_exact1d_vec", "aten::_upsample_nearest_exact1d.vec", "F.interpolate(x, scale_factor=1.5, mode='nearest-exact')", X1D)
R("_upsample_nearest_exact2d_vec", "aten::_upsample_nearest_exact2d.vec", "F.interpolate(x, scale_factor=1.5, mode='nearest-exact')", X2D)
R("_upsample_nearest_exact3d_vec", "aten::_upsample_nearest_exact3d.vec", "F.interpolate(x, size=(4, 8, 9), mode='nearest-exact')", X3D)
R("_upsample_nearest_exact1d", "aten::_upsample_nearest_exact1d", "torch._C._nn._upsample_nearest_exact1d(x, [15])", X1D)
R("_upsample_nearest_exact2d", "aten::_upsample_nearest_exact2d", "torch._C._nn._upsample_nearest_exact2d(x, [12, 5])", X2D)
R("_upsample_nearest_exact3d", "aten::_upsample_nearest_exact3d", "torch._C._nn._upsample_nearest_exact3d(x, [4, 8, 9])", X3D)
R("_upsample_bilinear2d_aa_vec", "aten::_upsample_bilinear2d_aa.vec", "F.interpolate(x, size=(5, 6), mode='bilinear', antialias=True)", X2D, opset=18)
R("_upsample_bicubic2d_aa_vec", "aten::_upsample_bicubic2d_aa.vec", "F.interpolate(x, size=(5, 6), mode='bicubic', antialias=True)", X2D, opset=18)
R("_upsample_bilinear2d_aa", "aten::_upsample_bilinear2d_aa", "torch._C._nn._upsample_bilinear2d_aa(x, [5, 6], False)", X2D, opset=18)
R("_upsample_bicubic2d_aa", "aten::_upsample_bicubic2d_aa", "torch._C._nn._upsample_bicubic2d_aa(x, [5, 6], False)", X2D, opset=18)
TRACE_INTERP = script_only("aten::__interpolate is a TorchScript builtin: a trace records the upsample op it runs")
R("__interpolate", "aten::__interpolate.size_list_scale_list", "op_helpers.aten_interpolate(x, [4, 4], 'nearest')", X2D,
  only=TRACE_INTERP)
R("__interpolate_scale_list", "aten::__interpolate.scale_list", "op_helpers.aten_interpolate_scale(x, [2.0, 2.0], 'bilinear')",
  X2D, only=TRACE_INTERP)
R("grid_sampler", "aten::grid_sampler", "F.grid_sample(x, g, align_corners=False)", [X2D, unit("batch=2x5x6x2", "g")],
  S("F.grid_sample(x, g, mode='nearest', padding_mode='border', align_corners=True)"),
  S("F.grid_sample(x, g, mode='bicubic', padding_mode='reflection', align_corners=False)"))
R("grid_sampler_2d", "aten::grid_sampler_2d", "torch.grid_sampler_2d(x, g, 0, 0, False)", [X2D, unit("batch=2x5x6x2", "g")])
R("grid_sampler_3d", "aten::grid_sampler_3d", "torch.grid_sampler_3d(x, g, 0, 0, False)", [X3D, unit("batch=2x3x4x5x3", "g")], opset=20)
R("affine_grid_generator", "aten::affine_grid_generator", "F.affine_grid(t, [2, 3, 5, 6], align_corners=False)",
  f("2x2x3", "t"), S("torch.affine_grid_generator(t, [t.size(0), 3, 5, 6], True)", f("batch=2x2x3", "t")))


# =============================================================================================
# Recurrent layers and cells (nn modules: weights frozen)
SEQ = f("batch=2x5x4")
R("lstm_input", "aten::lstm.input", "self.rnn(x)[0]", SEQ, mods={"rnn": "torch.nn.LSTM(4, 6, batch_first=True)"})
R("lstm_input_2layer_bi", "aten::lstm.input", "y, (h, c) = self.rnn(x)\nreturn y, h, c", f("5xbatch=2x4"),
  mods={"rnn": "torch.nn.LSTM(4, 6, num_layers=2, bidirectional=True)"})
R("lstm_input_state", "aten::lstm.input", "return self.rnn(x, (h0, c0))", [SEQ, f("1xbatch=2x6", "h0"), f("1xbatch=2x6", "c0")],
  mods={"rnn": "torch.nn.LSTM(4, 6, batch_first=True)"})
R("gru_input", "aten::gru.input", "self.rnn(x)", SEQ, mods={"rnn": "torch.nn.GRU(4, 6, batch_first=True)"})
R("gru_input_2layer_bi", "aten::gru.input", "self.rnn(x, h0)", [f("5xbatch=2x4"), f("4xbatch=2x6", "h0")],
  mods={"rnn": "torch.nn.GRU(4, 6, num_layers=2, bidirectional=True)"})
R("rnn_tanh_input", "aten::rnn_tanh.input", "self.rnn(x)", SEQ, mods={"rnn": "torch.nn.RNN(4, 6, batch_first=True)"})
R("rnn_relu_input", "aten::rnn_relu.input", "self.rnn(x)", SEQ,
  mods={"rnn": "torch.nn.RNN(4, 6, nonlinearity='relu', batch_first=True, num_layers=2)"})
PACK = ("p = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)\n"
        "o, _ = self.rnn(p)\n"
        "y, n = torch.nn.utils.rnn.pad_packed_sequence(o, batch_first=True, total_length=5)\n"
        "return y, n")
PACK_IN = [SEQ, i("batch=2", "lengths", 1, 6)]
PACK_TRACE = trace_only("torch.jit.script cannot compile an nn.RNN/LSTM/GRU call on a PackedSequence")
R("lstm_data", "aten::lstm.data", PACK, PACK_IN, mods={"rnn": "torch.nn.LSTM(4, 6, batch_first=True)"}, only=PACK_TRACE)
R("gru_data", "aten::gru.data", PACK, PACK_IN, mods={"rnn": "torch.nn.GRU(4, 6, batch_first=True)"}, only=PACK_TRACE)
R("rnn_tanh_data", "aten::rnn_tanh.data", PACK, PACK_IN, mods={"rnn": "torch.nn.RNN(4, 6, batch_first=True)"}, only=PACK_TRACE)
R("rnn_relu_data", "aten::rnn_relu.data", PACK, PACK_IN,
  mods={"rnn": "torch.nn.RNN(4, 6, nonlinearity='relu', batch_first=True)"}, only=PACK_TRACE)
R("_pack_padded_sequence", "aten::_pack_padded_sequence", PACK, PACK_IN, mods={"rnn": "torch.nn.GRU(4, 6, batch_first=True)"},
  only=PACK_TRACE)
R("_pad_packed_sequence", "aten::_pad_packed_sequence", PACK, PACK_IN, mods={"rnn": "torch.nn.LSTM(4, 6, batch_first=True)"},
  only=PACK_TRACE)
R("_pad_packed_sequence_total", "aten::_pad_packed_sequence",
  "p = torch.nn.utils.rnn.pack_padded_sequence(x * 2.0, lengths, batch_first=True, enforce_sorted=False)\n"
  "y, n = torch.nn.utils.rnn.pad_packed_sequence(p, batch_first=True)\nreturn y + n.to(y.dtype).view(-1, 1, 1)", PACK_IN,
  only=script_only("the scripted pad_packed_sequence passes total_length as batch_sizes.size(0), computed at run "
                   "time (a trace records the example's number)"))
TRACE_DECOMPOSED = script_only("a trace records it decomposed into its parts (it is CompositeImplicit); "
                               "only script keeps the node")
R("lstm_cell", "aten::lstm_cell", "self.cell(x, (h, c))", [f("batch=2x4"), f("batch=2x6", "h"), f("batch=2x6", "c")],
  mods={"cell": "torch.nn.LSTMCell(4, 6)"}, only=TRACE_DECOMPOSED)
R("gru_cell", "aten::gru_cell", "self.cell(x, h)", [f("batch=2x4"), f("batch=2x6", "h")], mods={"cell": "torch.nn.GRUCell(4, 6)"}, only=TRACE_DECOMPOSED)
R("rnn_tanh_cell", "aten::rnn_tanh_cell", "self.cell(x, h)", [f("batch=2x4"), f("batch=2x6", "h")],
  mods={"cell": "torch.nn.RNNCell(4, 6)"}, only=TRACE_DECOMPOSED)
R("rnn_relu_cell", "aten::rnn_relu_cell", "self.cell(x, h)", [f("batch=2x4"), f("batch=2x6", "h")],
  mods={"cell": "torch.nn.RNNCell(4, 6, nonlinearity='relu')"}, only=TRACE_DECOMPOSED)

# Attention
QKV = [f("batch=2x2x5x8", "q"), f("batch=2x2x6x8", "k"), f("batch=2x2x6x8", "v")]
R("scaled_dot_product_attention", "aten::scaled_dot_product_attention", "F.scaled_dot_product_attention(q, k, v)", QKV,
  S("F.scaled_dot_product_attention(q, k, v, attn_mask=m)", QKV + [b("5x6", "m")]),
  S("F.scaled_dot_product_attention(q, k, v, attn_mask=m)", QKV + [f("batch=2x1x5x6", "m")]),
  S("F.scaled_dot_product_attention(q, k, v, is_causal=True)", [f("batch=2x2xseq=5x8", "q"), f("batch=2x2xseq=5x8", "k"),
                                                               f("batch=2x2xseq=5x8", "v")]),
  S("F.scaled_dot_product_attention(q, k, v, scale=0.5)"),
  S("F.scaled_dot_product_attention(q, k, v, enable_gqa=True)", [f("batch=2x4x5x8", "q"), f("batch=2x2x6x8", "k"),
                                                                 f("batch=2x2x6x8", "v")]))
# A mask or causality decided at run time (nn.MultiheadAttention's causal-mask detection hands SDPA
# a run-time is_causal and an Optional mask): the batch decides here, so each size takes a path.
QKV_SEQ = [f("batch=2x2xseq=5x8", "q"), f("batch=2x2xseq=5x8", "k"), f("batch=2x2xseq=5x8", "v")]
R("scaled_dot_product_attention_run_time_mask", "aten::scaled_dot_product_attention",
  "return F.scaled_dot_product_attention(q, k, v, is_causal=q.size(0) > 2)", QKV_SEQ,
  S("m: Optional[Tensor] = None\nif q.size(0) > 2:\n    m = w\nreturn F.scaled_dot_product_attention(q, k, v, attn_mask=m)",
    QKV + [b("5x6", "w")]),
  S("m: Optional[Tensor] = None\nif q.size(0) <= 2:\n    m = w\n"
    "return F.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=m is None)", QKV_SEQ + [f("batch=2x1xseq=5xseq=5", "w")]),
  only=TRACE_CONTROL)
R("_native_multi_head_attention", "aten::_native_multi_head_attention",
  "return torch._native_multi_head_attention(x, x, x, 8, 2, self.wi, self.bi, self.wo, self.bo, None, False)[0]",
  f("batch=2xseq=5x8"), consts={"wi": "torch.randn(24, 8) * 0.3", "bi": "torch.randn(24)", "wo": "torch.randn(8, 8) * 0.3",
                                "bo": "torch.randn(8)"})
R("multihead_attention_module", "aten::scaled_dot_product_attention", "self.mha(x, x, x, need_weights=False)[0]",
  f("batch=2xseq=5x8"), mods={"mha": "torch.nn.MultiheadAttention(8, 2, batch_first=True).eval()"})
# A scripted nn.TransformerEncoder given a key padding mask: its nested-tensor fast path when the
# valid tokens come first (the output zero where padded), the padded layers when not. The padding
# is at the end at batch 2 and at the start at batch 4, so the two sizes take one path each.
_NESTED = ("pad = torch.arange(x.size(1))[None, :] >= n[:, None]\nif x.size(0) > 2:\n    pad = pad.flip([1])\n"
           "return self.enc(x, src_key_padding_mask=pad)")
_ENCODER = {"enc": "torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2).eval()"}
R("_nested_tensor_from_mask_left_aligned", "aten::_nested_tensor_from_mask_left_aligned", _NESTED,
  [f("batch=2xseq=5x8"), i("batch=2", "n", 1, 6)], mods=_ENCODER, only=TRACE_CONTROL)
R("to_padded_tensor", "aten::to_padded_tensor", _NESTED, [f("batch=2xseq=5x8"), i("batch=2", "n", 1, 6)], mods=_ENCODER,
  only=TRACE_CONTROL)
R("transformer_encoder_layer", "aten::_transformer_encoder_layer_fwd", "self.layer(x)", f("batch=2xseq=5x8"),
  mods={"layer": "torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True).eval()"}, only=TRACE_DECOMPOSED)

# Dropout in eval mode: must export as identity
R("dropout", "aten::dropout", "F.dropout(x, 0.5, False)", X, S("F.dropout(x, 0.3, self.training)"))
R("dropout_module", "aten::dropout", "self.drop(x) * 2.0", X, mods={"drop": "torch.nn.Dropout(0.5)"})
R("dropout_", "aten::dropout_", "F.dropout(x.clone(), 0.5, False, True)", X)
R("feature_dropout", "aten::feature_dropout", "F.dropout2d(x, 0.5, False)", X2D)
R("feature_dropout_", "aten::feature_dropout_", "F.dropout2d(x.clone(), 0.5, False, True)", X2D)
R("alpha_dropout", "aten::alpha_dropout", "F.alpha_dropout(x, 0.5, False)", X)
R("alpha_dropout_", "aten::alpha_dropout_", "F.alpha_dropout(x.clone(), 0.5, False, True)", X)
R("feature_alpha_dropout", "aten::feature_alpha_dropout", "F.feature_alpha_dropout(x, 0.5, False)", X2D)
R("feature_alpha_dropout_", "aten::feature_alpha_dropout_", "F.feature_alpha_dropout(x.clone(), 0.5, False, True)", X2D)
R("native_dropout", "aten::native_dropout", "torch.native_dropout(x, 0.5, False)", X)

# Losses
R("mse_loss", "aten::mse_loss", "F.mse_loss(x, y)", XY, S("F.mse_loss(x, y, reduction='sum')"), S("F.mse_loss(x, y, reduction='none')"))
NLL = [f("batch=2x5"), i("batch=2", "t", 0, 5)]
R("nll_loss", "aten::nll_loss", "torch._C._nn.nll_loss(F.log_softmax(x, 1), t, None, 1, -100)", NLL,
  S("torch._C._nn.nll_loss(F.log_softmax(x, 1), t, None, 0, -100)"), S("torch._C._nn.nll_loss(F.log_softmax(x, 1), t, self.w, 1, 2)"),
  consts={"w": "torch.rand(5) + 0.5"})
R("nll_loss_nd", "aten::nll_loss_nd", "F.nll_loss(F.log_softmax(x, 1), t)", NLL,
  S("F.nll_loss(F.log_softmax(x, 1), t, reduction='none', ignore_index=1)"),
  S("F.nll_loss(F.log_softmax(x, 1), t, reduction='sum')", [f("batch=2x5x3"), i("batch=2x3", "t", 0, 5)]))
R("nll_loss2d", "aten::nll_loss2d", "torch._C._nn.nll_loss2d(F.log_softmax(x, 1), t, None, 1, -100)", [f("batch=2x5x3x3"), i("batch=2x3x3", "t", 0, 5)])
R("cross_entropy_loss", "aten::cross_entropy_loss", "F.cross_entropy(x, t)", NLL, S("F.cross_entropy(x, t, reduction='none')"),
  S("F.cross_entropy(x, t, label_smoothing=0.1)"), S("F.cross_entropy(x, t, weight=self.w, ignore_index=2)"),
  S("F.cross_entropy(x, p)", [f("batch=2x5"), f("batch=2x5", "p", 0, 1)]), consts={"w": "torch.rand(5) + 0.5"})
R("kl_div", "aten::kl_div", "F.kl_div(F.log_softmax(x, 1), F.softmax(y, 1), reduction='batchmean')", XY,
  S("F.kl_div(F.log_softmax(x, 1), F.log_softmax(y, 1), reduction='sum', log_target=True)"),
  S("F.kl_div(F.log_softmax(x, 1), F.softmax(y, 1), reduction='none')"))
R("binary_cross_entropy_with_logits", "aten::binary_cross_entropy_with_logits",
  "F.binary_cross_entropy_with_logits(x, y)", [X, f(name="y", lo=0, hi=1)],
  S("F.binary_cross_entropy_with_logits(x, y, pos_weight=self.pw, reduction='sum')"),
  S("F.binary_cross_entropy_with_logits(x, y, weight=self.pw, reduction='none')"), consts={"pw": "torch.rand(4) + 0.5"})
R("binary_cross_entropy", "aten::binary_cross_entropy", "F.binary_cross_entropy(p, y)",
  [f(name="p", lo=0.02, hi=0.98), f(name="y", lo=0, hi=1)],
  S("F.binary_cross_entropy(p, y, reduction='none')"))
R("binary_cross_entropy_weight", "aten::binary_cross_entropy", "F.binary_cross_entropy(p, y, weight=self.w, reduction='sum')",
  [f(name="p", lo=0.02, hi=0.98), f(name="y", lo=0, hi=1)], consts={"w": "torch.rand(4) + 0.5"},
  only=script_only("torch.jit.trace fails on F.binary_cross_entropy with a weight (_infer_size gets traced sizes: "
                   "expected int at position 0, but got: Tensor)"))
R("_infer_size", "aten::_infer_size", "F.binary_cross_entropy(p, y, weight=self.w)",
  [f(name="p", lo=0.02, hi=0.98), f(name="y", lo=0, hi=1)], consts={"w": "torch.rand(3, 1) + 0.5"},
  only=script_only("torch.jit.trace fails on F.binary_cross_entropy with a weight (_infer_size gets traced sizes)"))
R("l1_loss", "aten::l1_loss", "F.l1_loss(x, y)", XY, S("F.l1_loss(x, y, reduction='sum')"),
  S("F.l1_loss(x, y, reduction='none')"))
R("smooth_l1_loss", "aten::smooth_l1_loss", "F.smooth_l1_loss(x, y)", XY,
  S("F.smooth_l1_loss(x, y, reduction='none', beta=0.5)"), S("F.smooth_l1_loss(x, y, reduction='sum', beta=2.0)"))
R("huber_loss", "aten::huber_loss", "F.huber_loss(x, y)", XY, S("F.huber_loss(x, y, reduction='none', delta=0.5)"),
  S("F.huber_loss(x, y, reduction='sum', delta=2.0)"))

# Spectral
R("stft", "aten::stft", "torch.stft(x, 8, hop_length=4, window=self.win, center=False, return_complex=False)", f("batch=2x32"),
  S("torch.stft(x, 8, hop_length=2, center=False, onesided=True, return_complex=False)"),
  consts={"win": "torch.hann_window(8)"})
R("stft_centered", "aten::stft", "torch.stft(x, 8, hop_length=4, window=self.win, center=True, pad_mode='reflect', "
  "return_complex=False)", f("batch=2x32"), consts={"win": "torch.hann_window(8)"})

# Complex values inside the graph (kiln: real pairs); every row returns real tensors. angle only
# off the real axis for complex inputs (the sign of a zero imaginary part differs between FFTs).
R("complex", "aten::complex", "torch.view_as_real(torch.complex(x, y))", XY, S(inputs=XB))
R("view_as_real", "aten::view_as_real", "torch.view_as_real(torch.complex(x, y)) * 2.0", XY)
R("view_as_complex", "aten::view_as_complex", "torch.view_as_complex(x).abs()", f("batch=2x3x2"),
  S("torch.view_as_real(torch.fft.fft(torch.view_as_complex(x)))"))
R("real", "aten::real", "torch.real(torch.complex(x, y))", XY, S("torch.real(torch.fft.fft(x))", X))
R("imag", "aten::imag", "torch.imag(torch.complex(x, y))", XY, S("torch.imag(torch.fft.fft(x))", X))
R("angle", "aten::angle", "torch.angle(torch.complex(x, y))", XY, S("torch.angle(x)", X))
R("polar", "aten::polar", "torch.view_as_real(torch.polar(a, t))", [pos(name="a"), f(name="t", lo=-3, hi=3)])
VR = "torch.view_as_real"
R("fft_fft", "aten::fft_fft", f"{VR}(torch.fft.fft(x))", X, S(f"{VR}(torch.fft.fft(x, n=6, dim=1, norm='ortho'))"),
  S(f"{VR}(torch.fft.fft(torch.complex(x, y), dim=0, norm='forward'))", XY), S(f"{VR}(torch.fft.fft(x, n=3))"))
R("fft_ifft", "aten::fft_ifft", f"{VR}(torch.fft.ifft(torch.complex(x, y)))", XY,
  S(f"{VR}(torch.fft.ifft(x, dim=1, norm='ortho').resolve_conj())", X), S(f"{VR}(torch.fft.ifft(x, n=8).resolve_conj())", X))
R("fft_rfft", "aten::fft_rfft", f"{VR}(torch.fft.rfft(x))", X, S(f"{VR}(torch.fft.rfft(x, n=5, dim=1))"),
  S(f"{VR}(torch.fft.rfft(x, dim=0, norm='ortho'))"))
R("fft_irfft", "aten::fft_irfft", "torch.fft.irfft(torch.complex(x, y))", XY, S("torch.fft.irfft(torch.complex(x, y), n=7)"),
  S("torch.fft.irfft(torch.fft.rfft(x, dim=1), n=3, dim=1, norm='forward')", X))
R("fft_fft2", "aten::fft_fft2", f"{VR}(torch.fft.fft2(x))", X,
  S(f"{VR}(torch.fft.fft2(torch.complex(x, y), s=(2, 5), dim=(0, 2)))", XY))
R("fft_ifft2", "aten::fft_ifft2", f"{VR}(torch.fft.ifft2(torch.complex(x, y)))", XY,
  S(f"{VR}(torch.fft.ifft2(x, norm='ortho'))", X))
R("fft_rfft2", "aten::fft_rfft2", f"{VR}(torch.fft.rfft2(x))", X, S(f"{VR}(torch.fft.rfft2(x, s=(4, 6)))"))
R("fft_fftn", "aten::fft_fftn", f"{VR}(torch.fft.fftn(x))", X, S(f"{VR}(torch.fft.fftn(x, dim=(1, 2), norm='ortho'))"),
  S(f"{VR}(torch.fft.fftn(torch.complex(x, y), s=(3, 5), dim=(1, 2)))", XY))
R("fft_ifftn", "aten::fft_ifftn", f"{VR}(torch.fft.ifftn(torch.complex(x, y)))", XY,
  S(f"{VR}(torch.fft.ifftn(x, dim=(0, 2), norm='forward'))", X))
R("fft_rfftn", "aten::fft_rfftn", f"{VR}(torch.fft.rfftn(x))", X, S(f"{VR}(torch.fft.rfftn(x, s=(2, 6), dim=(1, 2)))"))
R("fft_fftshift", "aten::fft_fftshift", "torch.fft.fftshift(x, dim=(1, 2))", X, S("torch.fft.fftshift(x, 1)", f("batch=2x5x3")),
  S("torch.fft.fftshift(x)"))
R("fft_ifftshift", "aten::fft_ifftshift", "torch.fft.ifftshift(x, dim=(1, 2))", X, S("torch.fft.ifftshift(x, 1)", f("batch=2x5x3")),
  S("torch.fft.ifftshift(x)"))


# =============================================================================================
# Quantization: quantized tensors are built in the forward and dequantized before returning.
Q = "torch.quantize_per_tensor(x, 0.05, 64, torch.quint8)"
QY = "torch.quantize_per_tensor(y, 0.05, 64, torch.quint8)"
R("quantize_per_tensor", "aten::quantize_per_tensor", f"{Q}.dequantize()", X,
  S("torch.quantize_per_tensor(x, 0.1, 0, torch.qint8).dequantize()"))
R("quantize_per_tensor_tensor_qparams", "aten::quantize_per_tensor.tensor_qparams",
  "torch.quantize_per_tensor(x, self.s, self.z, torch.quint8).dequantize()", X,
  consts={"s": "torch.tensor(0.05)", "z": "torch.tensor(64)"})
R("quantize_per_tensor_tensors", "aten::quantize_per_tensor.tensors",
  "qs = torch.quantize_per_tensor([x, y], self.s, self.z, torch.quint8)\nreturn qs[0].dequantize() + qs[1].dequantize()",
  XY, consts={"s": "torch.tensor([0.05, 0.1])", "z": "torch.tensor([64, 10])"})
R("dequantize_self", "aten::dequantize.self", f"torch.dequantize({Q})", X)
R("dequantize_tensors", "aten::dequantize.tensors", f"a, b = torch.dequantize([{Q}, {QY}])\nreturn a - b", XY)
R("fake_quantize_per_tensor_affine", "aten::fake_quantize_per_tensor_affine",
  "torch.fake_quantize_per_tensor_affine(x, 0.05, 10, 0, 255)", X, S("torch.fake_quantize_per_tensor_affine(x, 0.1, 0, -128, 127)"))
R("fake_quantize_per_tensor_affine_tensor_qparams", "aten::fake_quantize_per_tensor_affine.tensor_qparams",
  "torch.fake_quantize_per_tensor_affine(x, self.s, self.z, 0, 255)", X,
  consts={"s": "torch.tensor(0.05)", "z": "torch.tensor(10, dtype=torch.int32)"})
R("fake_quantize_per_channel_affine", "aten::fake_quantize_per_channel_affine",
  "torch.fake_quantize_per_channel_affine(x, self.s, self.z, 1, 0, 255)", X,
  consts={"s": "torch.tensor([0.05, 0.1, 0.02])", "z": "torch.tensor([10, 0, 128], dtype=torch.int32)"})
R("quantize_per_channel", "aten::quantize_per_channel", "torch.quantize_per_channel(x, self.s, self.z, 1, torch.quint8).dequantize()",
  X, S("torch.quantize_per_channel(x, self.s4, self.z4, 2, torch.qint8).dequantize()"),
  consts={"s": "torch.tensor([0.05, 0.1, 0.02], dtype=torch.float64)", "z": "torch.tensor([64, 10, 128])",
          "s4": "torch.tensor([0.05, 0.1, 0.02, 0.04], dtype=torch.float64)", "z4": "torch.tensor([0, 5, -3, 0])"},
  step=0.1)
R("int_repr", "aten::int_repr", f"{Q}.int_repr()", X, S("torch.quantize_per_tensor(x, 0.1, 0, torch.qint8).int_repr()"))
QF = "torch.ao.nn.quantized.QFunctional()"
# An aten op that splits a quantized tensor: each part stays quantized for the quantized op after it
# (QuantizableShuffleNetV2's channel split).
R("quantized_chunk", "aten::chunk", f"a, b = {Q}.chunk(2, 1)\nreturn torch.ops.quantized.add(a, b, 0.1, 64).dequantize()",
  f("batch=2x4x3"), step=0.1)
R("quantized_add", "quantized::add", f"return torch.ops.quantized.add({Q}, {QY}, 0.1, 64).dequantize()", XY, step=0.1)
R("quantized_add_relu", "quantized::add_relu", f"return torch.ops.quantized.add_relu({Q}, {QY}, 0.1, 0).dequantize()", XY,
  step=0.1)
R("quantized_mul", "quantized::mul", f"return torch.ops.quantized.mul({Q}, {QY}, 0.1, 64).dequantize()", XY)
R("quantized_cat", "quantized::cat", f"return torch.ops.quantized.cat([{Q}, {QY}], 1, 0.05, 64).dequantize()", XY)
R("quantized_mul_relu", "quantized::mul_relu", f"return torch.ops.quantized.mul_relu({Q}, {QY}, 0.1, 0).dequantize()", XY,
  step=0.1)
R("quantized_add_Scalar", "quantized::add.Scalar", f"return torch.ops.quantized.add({Q}, 0.5).dequantize()", X, step=0.05)
R("quantized_add_scalar", "quantized::add_scalar", f"return torch.ops.quantized.add_scalar({Q}, -0.7).dequantize()", X,
  step=0.05)
R("quantized_mul_Scalar", "quantized::mul.Scalar", f"return torch.ops.quantized.mul({Q}, 1.5).dequantize()", X, step=0.075)
R("quantized_mul_scalar", "quantized::mul_scalar", f"return torch.ops.quantized.mul_scalar({Q}, 0.5).dequantize()", X,
  step=0.05)
QBN = {"w": "torch.randn(3)", "b": "torch.randn(3) * 0.1", "rm": "torch.randn(3) * 0.1", "rv": "torch.rand(3) + 0.5"}
for _bn, _inp in (("batch_norm", X2D), ("batch_norm1d", f("batch=2x3x10")), ("batch_norm2d", X2D), ("batch_norm3d", X3D)):
    for _relu in ("", "_relu"):
        if _bn == "batch_norm" and _relu:
            continue  # kiln lists quantized::batch_norm without a ReLU fusion
        R(f"quantized_{_bn}{_relu}", f"quantized::{_bn}{_relu}",
          f"return torch.ops.quantized.{_bn}{_relu}({Q}, self.w, self.b, self.rm, self.rv, 1e-5, 0.1, 64).dequantize()",
          _inp, consts=QBN, step=0.1)
R("quantized_sigmoid", "quantized::sigmoid", f"return torch.ops.quantized.sigmoid({Q}, 1.0 / 256, 0).dequantize()", X)
R("quantized_hardswish", "quantized::hardswish", f"return torch.ops.quantized.hardswish({Q}, 0.05, 64).dequantize()", X)
R("quantized_leaky_relu", "quantized::leaky_relu", f"return torch.ops.quantized.leaky_relu({Q}, 0.1, False, 0.05, 64).dequantize()", X)
R("quantized_layer_norm", "quantized::layer_norm", f"return self.m({Q}).dequantize()", X,
  mods={"m": "op_helpers.qnorm(torch.ao.nn.quantized.LayerNorm([4], torch.nn.Parameter(torch.ones(4)), torch.nn.Parameter(torch.zeros(4)), 0.05, 64))"})
R("quantized_group_norm", "quantized::group_norm", f"return self.m({Q}).dequantize()", f("batch=2x4x3x3"),
  mods={"m": "op_helpers.qnorm(torch.ao.nn.quantized.GroupNorm(2, 4, torch.nn.Parameter(torch.ones(4)), torch.nn.Parameter(torch.zeros(4)), 0.05, 64))"})
R("quantized_instance_norm", "quantized::instance_norm", f"return self.m({Q}).dequantize()", f("batch=2x4x3x3"),
  mods={"m": "op_helpers.qnorm(torch.ao.nn.quantized.InstanceNorm2d(4, torch.nn.Parameter(torch.ones(4)), torch.nn.Parameter(torch.zeros(4)), 0.05, 64, affine=True))"})
for _name, _ctor, _inp in (
        ("linear", "torch.ao.nn.quantized.Linear(4, 5)", X),
        ("linear_relu", "torch.ao.nn.intrinsic.quantized.LinearReLU(4, 5)", X),
        ("conv1d", "torch.ao.nn.quantized.Conv1d(3, 4, 3)", X1D),
        ("conv1d_relu", "torch.ao.nn.intrinsic.quantized.ConvReLU1d(3, 4, 3)", X1D),
        ("conv2d", "torch.ao.nn.quantized.Conv2d(3, 4, 3, padding=1)", X2D),
        ("conv2d_relu", "torch.ao.nn.intrinsic.quantized.ConvReLU2d(3, 4, 3)", X2D),
        ("conv3d", "torch.ao.nn.quantized.Conv3d(3, 4, 3)", X3D),
        ("conv3d_relu", "torch.ao.nn.intrinsic.quantized.ConvReLU3d(3, 4, 3)", X3D),
        ("conv_transpose1d", "torch.ao.nn.quantized.ConvTranspose1d(3, 4, 3, stride=2)", X1D),
        ("conv_transpose2d", "torch.ao.nn.quantized.ConvTranspose2d(3, 4, 3, stride=2)", X2D),
        ("conv_transpose3d", "torch.ao.nn.quantized.ConvTranspose3d(3, 4, 3)", X3D)):
    _ovl = ".new" if _name in ("conv2d", "conv2d_relu", "conv3d", "conv3d_relu") else ""
    # QNNPACK cannot unpack a 3-d transposed conv (torch.jit.save fails), so that row is built on
    # ONEDNN, the engine kiln runs 3-d quantized models with; ONEDNN's quantized ConvTranspose
    # does not compute the float definition with its own unpacked weights, so nothing can check it.
    R(f"quantized_{_name}", f"quantized::{_name}{_ovl}", f"return self.m({Q}).dequantize()", _inp,
      mods={"m": f"op_helpers.quantized({_ctor})"}, step=0.05,  # op_helpers.quantized's output scale
      engine="onednn" if _name == "conv_transpose3d" else None,
      xfail=xfail(None, "no reference: LibTorch's ONEDNN quantized ConvTranspose3d (QNNPACK cannot save a "
                        "3-d one) is up to 179 output steps (8.95 at scale 0.05) from conv_transpose3d of its "
                        "own dequantized weight() and input, the float definition kiln's QDQ graph "
                        "computes; ConvTranspose2d on ONEDNN alike (137 steps)")
      if _name == "conv_transpose3d" else None)
R("quantized_linear_dynamic", "quantized::linear_dynamic", "self.m(x)", X,
  mods={"m": "op_helpers.dynamic_linear(torch.ao.nn.quantized.dynamic.Linear(4, 5))"}, tol=QUANTIZED_TOL)
R("quantized_linear_relu_dynamic", "quantized::linear_relu_dynamic", "self.m(x)", X,
  mods={"m": "op_helpers.dynamic_linear(torch.ao.nn.intrinsic.quantized.dynamic.LinearReLU(4, 5))"}, tol=QUANTIZED_TOL)

# =============================================================================================
# torchvision's ops (the generated module imports torchvision, which registers them; kiln loads
# torchvision's op library itself). Boxes are built valid (x2 > x1, y2 > y1), scores without ties;
# deform_conv2d's ONNX form (DeformConv) exists from opset 19.
BOX_IN = [f("n=8x2", "xy", 0, 4), f("n=8x2", "wh", 1, 4), f("n=8", "s", gen="distinct")]
BOXES = "torch.cat([xy, xy + wh], 1)"
ROIS = {"rois": "torch.tensor([[0.0, 1.0, 1.0, 6.0, 5.0], [1.0, 0.5, 2.0, 4.0, 7.5], [0.0, 3.0, 0.0, 7.5, 7.0]])"}
R("torchvision_nms", "torchvision::nms", f"torchvision.ops.nms({BOXES}, s, 0.3)", BOX_IN,
  S(f"torch.ops.torchvision.nms({BOXES}, s, 0.6)"),
  S(f"torchvision.ops.batched_nms({BOXES}, s, c, 0.3)", BOX_IN + [i("n=8", "c", 0, 3)]))
R("torchvision_roi_align", "torchvision::roi_align", "torchvision.ops.roi_align(x, self.rois, (3, 3), 1.0, 2, True)", X2D,
  S("torchvision.ops.roi_align(x, self.rois, 2, 0.5, 2, False)"), S("torchvision.ops.roi_align(x, self.rois, (2, 3), 1.0, -1, True)"),
  consts=ROIS)
R("torchvision_roi_pool", "torchvision::roi_pool", "torchvision.ops.roi_pool(x, self.rois, (2, 2), 1.0)", X2D,
  S("torchvision.ops.roi_pool(x, self.rois, 3, 0.5)"), consts=ROIS)
R("torchvision_deform_conv2d", "torchvision::deform_conv2d", "torchvision.ops.deform_conv2d(x, off, self.w, self.b, padding=(1, 1))",
  [X2D, f("batch=2x18x8x8", "off", -1, 1)],
  S("torchvision.ops.deform_conv2d(x, off, self.w, self.b, padding=(1, 1), mask=m)",
    [X2D, f("batch=2x18x8x8", "off", -1, 1), f("batch=2x9x8x8", "m", 0, 1)]),
  S("torchvision.ops.deform_conv2d(x, off, self.w, None, stride=(2, 2))", [X2D, f("batch=2x18x3x3", "off", -1, 1)]),
  consts=C2, opset=19,
  xfail=xfail(None, "ONNX Runtime 1.21 has no DeformConv kernel (microsoft/onnxruntime#15572; a CPU kernel came with "
                    "PR #27393, after 1.21): kiln's DeformConv-19 graph cannot be run or checked here"))
_NO_ONNX = "kiln refuses it by design: ONNX has no position-sensitive RoI operator (kiln --list-ops: refused (no ONNX operator))"
R("torchvision_ps_roi_align", "torchvision::ps_roi_align", "torchvision.ops.ps_roi_align(x, self.rois, 2, 1.0, 2)",
  f("batch=2x8x8x8"), consts=ROIS, xfail=xfail(None, _NO_ONNX))
R("torchvision_ps_roi_pool", "torchvision::ps_roi_pool", "torchvision.ops.ps_roi_pool(x, self.rois, 2, 1.0)",
  f("batch=2x8x8x8"), consts=ROIS, xfail=xfail(None, _NO_ONNX))

# =============================================================================================
# TorchScript constructs: prim ops, ints/bools/lists/dicts, conversions (script keeps them; a
# trace turns them into tensor ops or unrolls them, hence TRACE_CONTROL/TRACE_INTS)
R("prim_If", "prim::If", "if bool(x.sum() > 0):\n    return x + 1.0\nreturn x - 1.0", X, only=TRACE_CONTROL)
# A tensor of a different rank in each branch (torchvision's box decoder: [N, K, 4] with boxes,
# [0, 4K] without), read later by ops that need the rank: kiln converts the rest of the block in
# each branch. The batch decides the branch here, so the two verification sizes take one each.
_RANKED = ("if x.size(0) > 2:\n    y = x.reshape(x.size(0), -1, 2)\nelse:\n    y = x.reshape(x.size(0), -1)\n")
R("prim_If_rank", "prim::If",
  _RANKED + "z = torch.stack((y[..., 0::2], y[..., 1::2]), dim=y.dim()).reshape(y.shape) * 2.0\n"
  "return z.reshape(z.size(0), -1)[:, y.dim():]", X,
  S("out: List[Tensor] = [x * 0.5]\n" + _RANKED.replace("x.size(0) > 2", "bool(x[0, 0, 0] > 0)") +
    "out.append(y.flatten(y.dim() - 2) + float(y.dim()))\nd = {'a': out[1], 'b': out[0]}\nreturn d['a'] + 1.0, d['b']"),
  S("if x.size(1) == 3:\n" + "".join("    " + l + "\n" for l in _RANKED.splitlines()) + "    z = y * 2.0\nelse:\n    z = x\n"
    "return z.reshape(z.size(0), -1)[:, z.dim():]"),
  only=TRACE_CONTROL)
# An Optional decided at run time, rebound in one branch of a later If and passed through in the
# other (`if m is not None: m = m.unsqueeze(0)`): the If gives an optional either way.
R("prim_If_optional", "prim::If",
  "m: Optional[Tensor] = None\nif x.size(0) > 2:\n    m = x * 2.0\nif m is not None:\n    if m.dim() == 3:\n        m = m.unsqueeze(0)\n"
  "if m is not None:\n    return x + m.sum(0).sum(0)\nreturn x - 1.0", X, only=TRACE_CONTROL)
R("prim_If_static", "prim::If", "if x.size(1) == 3:\n    return x * 2.0\nreturn x", X,
  S("if x.size(0) > 2:\n    return x * 2.0\nreturn x"), only=TRACE_CONTROL)
R("prim_Loop", "prim::Loop", "y = x\nfor _ in range(x.size(0)):\n    y = y * 0.5 + 1.0\nreturn y", X,
  S("y = x\nk = 0\nwhile bool(y.sum() < 50.0) and k < 8:\n    y = y + 1.0\n    k += 1\nreturn y"), only=TRACE_CONTROL)
R("prim_Constant", "prim::Constant", "x + 1.5", X)
R("prim_ListConstruct", "prim::ListConstruct", "torch.stack([x, x * 2.0])", X)
R("prim_ListUnpack", "prim::ListUnpack", "a, b = x.split(2, 2)\nreturn a * b", X)
R("prim_TupleConstruct", "prim::TupleConstruct", "return x + 1.0, x * 2.0", X)
R("prim_TupleUnpack", "prim::TupleUnpack", "t = (x, x)\nfor _ in range(x.size(0)):\n    a, b = t\n    t = (a + b, a * 0.5)\nreturn t[0]", X, only=TRACE_CONTROL)
R("prim_TupleIndex", "prim::TupleIndex", "t = (x + 1.0, x * 2.0)\nreturn t[x.size(0) % 2]", X, only=TRACE_CONTROL)
R("prim_DictConstruct", "prim::DictConstruct", "return {'a': x + 1.0, 'b': x * 2.0}", X)
R("prim_Uninitialized", "prim::Uninitialized", "for k in range(x.size(0)):\n    if k == 1:\n        return x * float(k)\nreturn x",
  X, only=TRACE_CONTROL)
R("prim_RaiseException", "prim::RaiseException", "if x.size(0) > 100:\n    raise RuntimeError('batch too large')\nreturn x + 1.0", X,
  only=TRACE_CONTROL)
R("prim_data", "prim::data", "x.data * 2.0", X, only=TRACE_INTS)
R("prim_device", "prim::device", "torch.zeros(x.size(0), 3, device=x.device) + 1.0", X2, only=TRACE_INTS)
R("prim_dtype", "prim::dtype", "torch.zeros(x.size(0), 3, dtype=x.dtype) + x", X2, only=TRACE_INTS)
R("prim_layout", "prim::layout", "torch.ones(x.size(0), 3, layout=x.layout) + x", X2, only=TRACE_INTS)
R("prim_max_int", "prim::max.int", "x * max(x.size(0), 3)", X, only=TRACE_INTS)
R("prim_max_float", "prim::max.float", "x * max(float(x.size(0)), 2.5)", X, only=TRACE_INTS)
R("prim_max_int_float", "prim::max.int_float", "x * max(x.size(0), 2.5)", X, only=TRACE_INTS)
R("prim_max_float_int", "prim::max.float_int", "x * max(2.5, x.size(0))", X, only=TRACE_INTS)
R("prim_max_self_int", "prim::max.self_int", "x * max(x.size())", X, only=TRACE_INTS)
R("prim_min_int", "prim::min.int", "x * min(x.size(0), 3)", X, only=TRACE_INTS)
R("prim_min_float", "prim::min.float", "x * min(float(x.size(0)), 2.5)", X, only=TRACE_INTS)
R("prim_min_int_float", "prim::min.int_float", "x * min(x.size(0), 2.5)", X, only=TRACE_INTS)
R("prim_min_float_int", "prim::min.float_int", "x * min(2.5, x.size(0))", X, only=TRACE_INTS)
R("prim_min_self_int", "prim::min.self_int", "x * min(x.size())", X, only=TRACE_INTS)
R("prim_tolist", "prim::tolist", "v: List[List[float]] = x.tolist()\nreturn torch.tensor(v) * 2.0", X2, only=TRACE_INTS)
R("prim_type", "prim::type", "x * float(x.device.type == 'cpu')", X, only=TRACE_INTS)
R("prim_unchecked_cast", "prim::unchecked_cast",
  "y: Optional[Tensor] = None\nif x.size(0) > 2:\n    y = x * 2.0\nif y is None:\n    return x\nreturn y + 1.0", X, only=TRACE_CONTROL)
R("prim_NumToTensor", "prim::NumToTensor.Scalar", "x * x.size(0)", X,
  only=trace_only("script multiplies by the int directly (aten::mul.Scalar); a trace wraps the size in prim::NumToTensor"))
R("__is__", "aten::__is__",
  "y: Optional[Tensor] = None\nif x.size(0) > 2:\n    y = x * 2.0\nif y is None:\n    return x\nreturn y + 1.0", X, only=TRACE_CONTROL)
R("__isnot__", "aten::__isnot__",
  "y: Optional[Tensor] = None\nif x.size(0) > 2:\n    y = x * 2.0\nif y is not None:\n    return y + 1.0\nreturn x", X, only=TRACE_CONTROL)
R("__getitem___t", "aten::__getitem__.t", "x.view(x.shape[0], -1)", X, S("x * x.size()[-1]"), only=TRACE_INTS)
R("__getitem___str", "aten::__getitem__.str", "x * float(x.device.type[0] == 'c')", X, only=TRACE_INTS)
R("__getitem___Dict_str", "aten::__getitem__.Dict_str", "d: Dict[str, Tensor] = {}\nd['a'] = x + 1.0\nreturn d['a'] * 2.0", X, only=TRACE_CONTROL)
R("__contains___str", "aten::__contains__.str", "d = {'a': x + 1.0}\nif 'a' in d:\n    return d['a']\nreturn x", X, only=TRACE_CONTROL)
R("__contains___int_list", "aten::__contains__.int_list", "x * float(x.size(1) in [3, 4])", X,
  S("x * float(x.size(0) in [2, 3])",
    xfail=xfail(None, "kiln --list-ops: __contains__.int_list is static_only (list bookkeeping folds at export); a dynamic operand is a documented limitation")),
  only=TRACE_INTS)
R("__contains___str_list", "aten::__contains__.str_list", "x * float(x.device.type in ['cpu', 'cuda'])", X, only=TRACE_INTS)
R("__contains___float_list", "aten::__contains__.float_list", "x * float(float(x.size(1)) in [3.0, 4.0])", X, only=TRACE_INTS)
R("__range_length", "aten::__range_length", "y = x[:, 0]\nfor k in range(0, x.size(1), 2):\n    y = y + x[:, k]\nreturn y", f("batch=2x4x4"),
  only=TRACE_CONTROL)
R("__derive_index", "aten::__derive_index", "y = x[:, 0]\nfor k in range(1, x.size(1), 2):\n    y = y * x[:, k]\nreturn y", f("batch=2x4x4"),
  only=TRACE_CONTROL)
R("append_t", "aten::append.t", "l: List[Tensor] = []\nfor k in range(x.size(1)):\n    l.append(x * float(k))\nreturn torch.stack(l)", X,
  only=TRACE_CONTROL)
R("_set_item_str", "aten::_set_item.str", "d: Dict[str, Tensor] = {}\nd['a'] = x + 1.0\nd['b'] = x * 2.0\nreturn d['a'] * d['b']", X,
  only=TRACE_CONTROL)
R("list_t", "aten::list.t", "s = list(x.size())\ns[1] = -1\nreturn x.reshape(s)", X, only=TRACE_INTS)
R("Int_Tensor", "aten::Int.Tensor", "x * int(x.sum() > 0)", X, only=TRACE_INTS)
R("Float_Tensor", "aten::Float.Tensor", "x * float(x[0, 0, 0])", X, only=TRACE_INTS)
R("Bool_Tensor", "aten::Bool.Tensor", "x * float(bool(x[0, 0, 0] > 0))", X, only=TRACE_INTS)
R("Int_float", "aten::Int.float", "x * int(float(x.size(0)) * 1.5)", X, only=TRACE_INTS)
R("Float_Scalar", "aten::Float.Scalar", "x * float(x.size(0))", X, only=TRACE_INTS)
R("Bool_int", "aten::Bool.int", "x * float(bool(x.size(0) - 2))", X, only=TRACE_INTS)
R("IntImplicit", "aten::IntImplicit", "x.new_zeros(n[0]) + 1.0", [X, i("1", "n", 2, 5)],
  only=TRACE_INTS)
R("ScalarImplicit", "aten::ScalarImplicit", "torch.full([4], v[0]) + x", [X, f("1", "v")], only=TRACE_INTS)
R("FloatImplicit", "aten::FloatImplicit", "F.leaky_relu(x, v[0])", [X, pos("1", "v")], only=TRACE_INTS)
R("item", "aten::item", "x * x[0, 0, 0].item()", X, S("x * x.sum().item()"),
  only=script_only("a trace records .item() used in arithmetic as the 0-d tensor itself"))
R("format", "aten::format", "if x.size(0) > 100:\n    raise ValueError('batch {} too large'.format(x.size(0)))\nreturn x + 1.0", X,
  only=TRACE_CONTROL)
R("warn", "aten::warn", "if x.size(0) > 100:\n    warnings.warn('large batch')\nreturn x + 1.0", X, only=TRACE_CONTROL)
R("is_grad_enabled", "aten::is_grad_enabled", "x * float(torch.is_grad_enabled())", X, only=TRACE_INTS)
R("is_autocast_enabled", "aten::is_autocast_enabled", "x * float(torch.is_autocast_enabled())", X, only=TRACE_INTS)
R("is_autocast_cpu_enabled", "aten::is_autocast_cpu_enabled", "x * float(torch.is_autocast_cpu_enabled())", X, only=TRACE_INTS)
R("neg_int", "aten::neg.int", "x[:, -x.size(1) + 1:]", X, only=TRACE_INTS)
R("prim_requires_grad", "prim::requires_grad", "x * (2.0 - float(x.requires_grad))", X, only=TRACE_INTS)
R("prim_isinstance", "prim::isinstance", "op_helpers.tensor_or_int(x)", X, only=TRACE_CONTROL)
R("prim_GetAttr", "prim::GetAttr", "self.layer(x)", f("batch=2xseq=5x8"),
  mods={"layer": "torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True).eval()"},
  only=script_only("freezing keeps module objects only where TorchScript code reads them in a way it cannot fold (here "
                   "the encoder layer's fast-path checks read self_attn's weights); a trace records the fast path's "
                   "aten::_transformer_encoder_layer_fwd with its weights as constants"))


# =============================================================================================
# Ops that an inference graph never holds (or that are no TorchScript op), with the reason.
_RANDOM = "random sampling: an inference graph has no random draws (and no reference to compare)"
_TRAIN_DROPOUT = ("training-mode only: in eval mode the row's own dropout call is the identity (rows dropout, "
                  "feature_dropout, alpha_dropout ... cover eval mode)")
_LIST_MUT = "in-graph list mutation: not an inference-graph op (kiln folds list bookkeeping at export)"
_CAST = "legacy _cast_* op: TorchScript emits aten::to (rows to_dtype ...)"
EXCLUDED.update({
    "aten::bernoulli": _RANDOM, "aten::multinomial": _RANDOM, "aten::normal": _RANDOM, "aten::rand": _RANDOM,
    "aten::rand_like": _RANDOM, "aten::randn": _RANDOM, "aten::randn_like": _RANDOM, "aten::randint": _RANDOM,
    "aten::randint_like": _RANDOM, "aten::_sample_dirichlet": _RANDOM, "aten::_standard_gamma": _RANDOM,
    "aten::rrelu_with_noise": _RANDOM,
    "aten::Delete": _LIST_MUT, "aten::insert": _LIST_MUT, "aten::pop": _LIST_MUT,
    "aten::_set_item.t": _LIST_MUT + " (the dict form, _set_item.str, is a row)",
    **{f"aten::_cast_{t}": _CAST for t in ("Bool", "Byte", "Char", "Double", "Float", "Half", "Int", "Long", "Short")},
    "aten::get_pool_ceil_padding": "a helper inside the peer's symbolic functions, not an ATen operator (no schema)",
    "onnx::Placeholder": "the peer's own placeholder node for its ONNX passes, never in a TorchScript graph",
    "prim::ConstantChunk": ("made only by the peer's own passes (and TorchScript's fuser); checked: script and trace of "
                            "`a, b = x.chunk(2, 1)` give aten::chunk + prim::ListUnpack (rows chunk, prim_ListUnpack)"),
    "prim::ConstantSplit": "made only by the peer's own passes; script and trace give aten::split + prim::ListUnpack (rows split_*)",
    "prim::convert_element_type": "an FX/dynamo prim, no TorchScript schema: never in a TorchScript graph",
    **{f"prim::is_{_p}": (f"torch.Tensor has no is_{_p} attribute in this torch (2.6), so no source reaches the op "
                          "(kiln converts it, as false, with the other prim::is_* predicates)") for _p in ("hpu", "lazy")},
    "prim::shape": "no TorchScript schema: `x.shape` scripts to aten::size (rows size, __getitem___t)",
    "aten::_floor_divide": "no TorchScript schema (the peer registers a name that no graph holds); rows floor_divide*",
    "aten::scan": "no TorchScript schema (a higher-order op of torch.export, not TorchScript)",
    "aten::tanhshrink": "no TorchScript schema: F.tanhshrink scripts and traces to x - tanh(x) (row tanhshrink_fn)",
    "aten::_conj": "defined for complex tensors only (asserts on real ones); kiln exports real-valued graphs",
    "aten::rsub.Tensor": "TorchScript rewrites rsub(Tensor, Tensor) to sub at compile time (row rsub_Scalar covers rsub)",
    "aten::stft.center": "torch.stft pads in Python and calls the default overload (rows stft, stft_centered)",
    "aten::list": "the default overload is list(str) -> str[]: no tensor graph holds it (row list_t covers list(int[]))",
    "aten::embedding_renorm_": "in-place renorm of a weight: a training-time update, the functional form is a row",
    "aten::detach": "freezing removes it (a no-op in an inference graph): no frozen graph holds it",
    "aten::nonzero_static": "not in the peer registry and not produced by TorchScript for nonzero",
})
# Aliases kiln registers but TorchScript canonicalises at compile time (torch/csrc/jit/passes/
# normalize_ops.cpp): no frozen graph holds them, so no row can reach them.
ALIASES = {"absolute": "abs", "arctan2": "atan2", "arccos": "acos", "arcsin": "asin", "arctan": "atan", "arccosh": "acosh",
           "arcsinh": "asinh", "arctanh": "atanh", "fix": "trunc", "negative": "neg", "true_divide": "div",
           "ger": "outer", "det": "linalg_det", "swapaxes": "transpose", "swapdims": "transpose",
           "moveaxis": "movedim", "concat": "cat", "concatenate": "cat", "row_stack": "vstack", "adjoint": "mH",
           "clip": "clamp", "multiply": "mul", "subtract": "sub", "divide": "div", "greater": "gt",
           "greater_equal": "ge", "less": "lt", "less_equal": "le", "not_equal": "ne", "orgqr": "linalg_householder_product",
           "special_expit": "sigmoid"}
for _alias, _canon in list(ALIASES.items()):
    for _suffix in ("", "_"):
        EXCLUDED[f"aten::{_alias}{_suffix}"] = (f"alias of aten::{_canon}{_suffix}: TorchScript normalises it at compile "
                                               f"time (normalize_ops), no frozen graph holds it; the {_canon} rows cover it")
del _alias, _canon, _suffix
