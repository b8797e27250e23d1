"""Everything cfgtools knows about Caffe solvers and their snapshots, for each Caffe fork.

- ``solver``: ``read_solver`` parses a solver.prototxt with protobuf's own
  text-format parser into a :class:`~cfgtools.caffe.solver.CaffeSolver`
  (every SolverParameter field with its value, presence and position), over
  the schema of the fork (dialect) the file is read as;
- ``schema``: each fork's generated protobuf module, and which
  SolverParameter fields only some forks have (derived from the schemas);
- ``solverstate``: ``read_solverstate`` reads iter/current_step/learned_net
  (and the SSD fork's minimum_loss/iter_last_event) from a binary
  ``.solverstate`` snapshot;
- ``plateau``: the SSD fork's loss-driven ``plateau`` policy, for a caller that
  has the smoothed training losses (a log);
- ``caffe_pb2`` / ``caffe_ssd_pb2``: generated from ``schemas/caffe.proto``
  (BVLC) and ``schemas/caffe_ssd.proto`` (SSD). Never edit them by hand;
  regenerate both from the repository root with exactly::

      python -m grpc_tools.protoc -Ischemas --python_out=cfgtools/caffe schemas/caffe.proto schemas/caffe_ssd.proto

  (``grpcio-tools`` is in the ``test`` extra; a test fails when a committed
  module does not match its schema).

Importing this package does not import protobuf: ``schema`` imports the
generated modules lazily, when a solver is actually read; ``solverstate``
reads the wire format itself and never needs it.
"""

#: the Caffe forks cfgtools reads solvers as (the first is the default): their schemas differ
DIALECTS = ("bvlc", "ssd")
DEFAULT_DIALECT = DIALECTS[0]
#: how messages name each fork
FORK_NAMES = {"bvlc": "BVLC Caffe", "ssd": "SSD Caffe (weiliu89/caffe, branch ssd)"}


def fork_name(dialect: str) -> str:
    return FORK_NAMES[dialect]


#: lr_policy names each fork's SGDSolver::GetLearningRate knows (exact, case-sensitive string compare;
#: src/caffe/solvers/sgd_solver.cpp). SSD adds "plateau", driven by the training loss.
POLICIES = {
    "bvlc": ("fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid"),
    "ssd": ("fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid", "plateau"),
}

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
