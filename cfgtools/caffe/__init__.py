"""Everything cfgtools knows about Caffe solvers and their snapshots.

- ``solver``: ``read_solver`` parses a solver.prototxt with protobuf's own
  text-format parser into a :class:`~cfgtools.caffe.solver.CaffeSolver`
  (every SolverParameter field with its value, presence and position);
- ``solverstate``: ``read_solverstate`` reads iter/current_step/learned_net
  from a binary ``.solverstate`` snapshot;
- ``caffe_pb2``: generated from ``schemas/caffe.proto``. Never edit it by hand;
  regenerate it from the repository root with exactly::

      python -m grpc_tools.protoc -Ischemas --python_out=cfgtools/caffe schemas/caffe.proto

  (``grpcio-tools`` is in the ``test`` extra; a test fails when the committed
  module does not match the schema).

Importing this package does not import protobuf: ``solver`` imports it (and
``caffe_pb2``) lazily, when a solver is actually read; ``solverstate`` reads
the wire format itself and never needs it.
"""

#: Caffe has one dialect so far (BVLC); forks add theirs here.
DIALECTS = ("bvlc",)
DEFAULT_DIALECT = "bvlc"

#: lr_policy names SGDSolver::GetLearningRate knows (exact, case-sensitive strcmp).
POLICIES = ("fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid")

#: UpgradeSolverType: the deprecated ``solver_type`` enum name -> the ``type`` string,
#: which is the solver registry key (REGISTER_SOLVER_CLASS, exact and case-sensitive).
SOLVER_TYPES = {
    "SGD": "SGD",
    "NESTEROV": "Nesterov",
    "ADAGRAD": "AdaGrad",
    "RMSPROP": "RMSProp",
    "ADADELTA": "AdaDelta",
    "ADAM": "Adam",
}

#: SolverParameter fields that only forks have (BVLC refuses them).
FORK_FIELDS = {
    "plateau_winsize": "the SSD fork (weiliu89/caffe)",
    "eval_type": "the SSD fork (weiliu89/caffe)",
    "ap_version": "the SSD fork (weiliu89/caffe)",
    "show_per_class_result": "the SSD fork (weiliu89/caffe)",
}
