"""cfgtools: read, lint and convert darknet .cfg files and Caffe solvers."""

__version__ = "0.1.0"
