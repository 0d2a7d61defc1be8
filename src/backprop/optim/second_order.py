"""Second-order and curvature methods (full batch): see the module docs of each class."""
