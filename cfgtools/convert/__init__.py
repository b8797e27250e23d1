"""Convert a darknet/Caffe training recipe to PyTorch code, to the other framework, or to JSON."""
