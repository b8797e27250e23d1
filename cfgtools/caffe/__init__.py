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
